/**
 * Correlated events as stated bounds: what one sudden event does to an object caught at a random moment of its
 * long-run life (the conservative chain's time distribution over how many operators and tabs still count).
 * Each figure is conditional on the event; multiply by how often the event happens for a yearly figure.
 */
import { holderRates } from './classes.ts'
import { binomialPmf } from './probability.ts'
import { policyChains, type Mix, type Policy } from './model.ts'

export interface EventOutcome {
  event: string
  /** P(the object is unreadable while the event lasts). */
  unreadableDuring: number
  /** P(the event leaves fewer than k shards on holders that still exist: lost for good). */
  lostAtOnce: number
  /** Repair network bytes the event causes, per object, in object sizes. */
  repairBytesPerObject: number
}

/** P(Binomial(n, p) < j), summed from the pmf. */
function below (n: number, p: number, j: number): number {
  if (j <= 0) return 0
  const pmf = binomialPmf(n, p)
  let sum = 0
  for (let i = 0; i < Math.min(j, pmf.length); i++) sum += pmf[i]
  return Math.min(1, sum)
}

/** P(Bin(xo, pO) + Bin(xt, pT) < k). */
function sumBelow (xo: number, pO: number, xt: number, pT: number, k: number): number {
  const ops = binomialPmf(xo, pO)
  let sum = 0
  for (let i = 0; i < Math.min(k, ops.length); i++) sum += ops[i] * below(xt, pT, k - i)
  return Math.min(1, sum)
}

type CellFigure = (xo: number, xt: number) => number

// Every event of one policy and mix reads the same chains: solve them once.
const solved = new WeakMap<Policy, WeakMap<Mix, ReturnType<typeof policyChains>>>()

function chainsOf (policy: Policy, mix: Mix): ReturnType<typeof policyChains> {
  const byMix = solved.get(policy) ?? new WeakMap()
  solved.set(policy, byMix)
  const chains = byMix.get(mix) ?? policyChains(policy, mix)
  byMix.set(mix, chains)
  return chains
}

/** Σ over compositions and (xo, xt) of weight · time fraction · figure(xo, xt). */
function expectOver (policy: Policy, mix: Mix, figure: CellFigure): number {
  let total = 0
  for (const { weight, chain } of chainsOf(policy, mix)) {
    for (let xo = 0; xo <= chain.operators; xo++) {
      for (let xt = 0; xt <= chain.tabs; xt++) {
        const time = chain.occupancy[xo * (chain.tabs + 1) + xt]
        if (time > 0) total += weight * time * figure(xo, xt)
      }
    }
  }
  return total
}

function onlineWhenCounted (policy: Policy, mix: Mix): { op: number, tab: number } {
  return {
    op: holderRates(mix.operator, policy.graceHours.operator, 'conservative').onlineWhenCounted,
    tab: holderRates(mix.tab, policy.graceHours.tab, 'conservative').onlineWhenCounted
  }
}

/**
 * A `fraction` of the online tabs close together for `hours` (an evening, a browser update) and come back. No
 * shard is lost; a policy whose tab grace is shorter than the event writes the closed holders off and rebuilds
 * them when n - r or more close in one object (each rebuild reads k shards and writes the closed ones).
 */
export function tabsCloseTogether (policy: Policy, mix: Mix, fraction: number, hours: number): EventOutcome {
  const a = onlineWhenCounted(policy, mix)
  const unreadableDuring = expectOver(policy, mix, (xo, xt) => sumBelow(xo, a.op, xt, a.tab * (1 - fraction), policy.k))
  let repairBytesPerObject = 0
  if (policy.graceHours.tab < hours) {
    const triggerAt = policy.n - policy.threshold
    repairBytesPerObject = expectOver(policy, mix, (_xo, xt) => {
      const closed = binomialPmf(xt, a.tab * fraction)
      let bytes = 0
      for (let j = triggerAt; j < closed.length; j++) bytes += closed[j] * (1 + j / policy.k)
      return bytes
    })
  }
  return { event: `${Math.round(fraction * 100)} % of online tabs close for ${hours} h`, unreadableDuring, lostAtOnce: 0, repairBytesPerObject }
}

/** A `fraction` of all tabs is gone for good at once (site data wiped by a browser update, say). */
export function tabsGoneTogether (policy: Policy, mix: Mix, fraction: number): EventOutcome {
  const a = onlineWhenCounted(policy, mix)
  return {
    event: `${Math.round(fraction * 100)} % of tabs gone for good at once`,
    unreadableDuring: expectOver(policy, mix, (xo, xt) => sumBelow(xo, a.op, xt, a.tab * (1 - fraction), policy.k)),
    lostAtOnce: expectOver(policy, mix, (xo, xt) => below(xt, 1 - fraction, policy.k - xo)),
    repairBytesPerObject: expectOver(policy, mix, (_xo, xt) => fraction * xt > 0 ? (1 - (1 - fraction) ** xt) + fraction * xt / policy.k : 0)
  }
}

/**
 * One operator host dies with `shards` of this object's shards on it: 1 when placement keeps an object's
 * operator holders on distinct hosts, more when it does not. Conditional on the object having them there.
 */
export function operatorHostLost (policy: Policy, mix: Mix, shards: number): EventOutcome {
  const a = onlineWhenCounted(policy, mix)
  return {
    event: `an operator host holding ${shards} shard${shards === 1 ? '' : 's'} of the object dies`,
    unreadableDuring: expectOver(policy, mix, (xo, xt) => sumBelow(Math.max(0, xo - shards), a.op, xt, a.tab, policy.k)),
    lostAtOnce: expectOver(policy, mix, (xo, xt) => Math.max(0, xo - shards) + xt < policy.k ? 1 : 0),
    repairBytesPerObject: 1 + shards / policy.k
  }
}

/** An operator running a `fraction` of all operator nodes leaves at once; each operator holder goes with that chance. */
export function operatorsLeaveTogether (policy: Policy, mix: Mix, fraction: number): EventOutcome {
  const a = onlineWhenCounted(policy, mix)
  return {
    event: `an operator with ${Math.round(fraction * 100)} % of operator nodes leaves`,
    unreadableDuring: expectOver(policy, mix, (xo, xt) => sumBelow(xo, a.op * (1 - fraction), xt, a.tab, policy.k)),
    lostAtOnce: expectOver(policy, mix, (xo, xt) => below(xo, 1 - fraction, policy.k - xt)),
    repairBytesPerObject: expectOver(policy, mix, (xo) => xo > 0 ? (1 - (1 - fraction) ** xo) + fraction * xo / policy.k : 0)
  }
}

/** The events DURABILITY.md lists, for one policy. */
export function correlatedEvents (policy: Policy, mix: Mix): EventOutcome[] {
  return [
    tabsCloseTogether(policy, mix, 1 / 3, 12),
    tabsGoneTogether(policy, mix, 1 / 3),
    operatorHostLost(policy, mix, 1),
    operatorHostLost(policy, mix, 3),
    operatorsLeaveTogether(policy, mix, 0.25)
  ]
}
