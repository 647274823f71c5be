/**
 * ZenTalk Mesh durability model: per object, (a) loss probability per year, (b) the fraction of time it is
 * readable, (c) repair traffic per year in object sizes, for a placement and repair policy over a mix of node
 * classes. Pure: no I/O. DURABILITY.md states the model; `tables.ts` prints its tables from these functions.
 */
import { checkNodeClass, holderRates, HOURS_PER_YEAR, type LossView, type NodeClass } from './classes.ts'
import { solveChain, type ChainResult } from './chain.ts'
import { InvalidModelInputError } from './errors.ts'
import { binomialPmf } from './probability.ts'

export type { AbsencePhase, ClassProfile, LossView, NodeClass } from './classes.ts'
export { absenceLongerThan, classProfile, HOURS_PER_YEAR } from './classes.ts'
export {
  binomialAtLeast, binomialBelow, binomialPmf, expectedFractionRange, poissonAtMost, poissonBinomialPmf, probabilityAtLeast,
  probabilityBelow, wilsonInterval, type Interval
} from './probability.ts'
export { InvalidModelInputError } from './errors.ts'

/** The nodes an object's holders are drawn from. */
export interface Mix {
  /** Fraction of all (not gone) nodes that operators run. */
  operatorFraction: number
  tab: NodeClass
  operator: NodeClass
}

/**
 * - `closest`: the n closest live nodes by XOR distance, whatever their class (today). Holders are written to
 *   nodes online at the time, so an object's operator count is Binomial(n, f_online) with f_online the operator
 *   share among online nodes.
 * - `operators-first`: the `operators` closest operator nodes (on distinct hosts) plus the n - operators
 *   closest tabs.
 */
export type Placement = { kind: 'closest' } | {
  kind: 'operators-first'
  operators: number
  /**
   * Operator holders on distinct hosts (default). False: the nearest operator nodes whatever their host, as the node
   * places them (it does not know which nodes share a host). Only the churn simulation has hosts; the model has none.
   */
  distinctHosts?: boolean
}

export interface Policy {
  name: string
  /** Data shards: any k rebuild the object. */
  k: number
  /** All shards (k data + n - k parity), one per holder. */
  n: number
  placement: Placement
  /** An offline holder is written off (its shard counts as lost) once absent this long; includes detection. */
  graceHours: { tab: number, operator: number }
  /** Repair once the holders not written off fall to r (n - r written off); n - 1 repairs every write-off. */
  threshold: number
  /** From a repair's trigger to its shards being stored (survey, read k shards, write the new ones). */
  repairHours: number
}

export interface PolicyFigures {
  /** P(the object is lost within a year), counting every absence past the grace as a lost shard (upper bound). */
  lossPerObjectYear: number
  /** The same when only holders gone for good lose shards (lower bound). */
  lossGoneOnlyPerObjectYear: number
  /** Fraction of time at least k holders are online (the reader asks all holders, decodes from the first k). */
  readableFraction: number
  /** 1 - readableFraction, computed without the subtraction. */
  unreadableFraction: number
  /** Network bytes of repairs per object-year in object sizes: each repair reads k shards and writes the missing ones. */
  repairBytesPerObjectYear: number
  repairsPerObjectYear: number
  /** Readable fraction for a reader that asks only k holders (operators first), so needs all k of them. */
  readableAskingOnlyK: number
  /** Stored bytes over object bytes: n / k. */
  storageOverhead: number
  /** Expected share of an object's shards on operator nodes. */
  operatorShare: number
  /** Bytes an operator node stores per byte a tab stores, both averaged over all objects. */
  operatorLoadPerTabLoad: number
}

function checkMix (mix: Mix): void {
  if (!(mix.operatorFraction >= 0 && mix.operatorFraction <= 1)) {
    throw new InvalidModelInputError(`operatorFraction must be between 0 and 1, got ${mix.operatorFraction}`)
  }
  checkNodeClass(mix.tab)
  checkNodeClass(mix.operator)
}

function checkPolicy (policy: Policy): void {
  const where = `policy "${policy.name}"`
  if (policy.placement.kind === 'operators-first') {
    const h = policy.placement.operators
    if (!Number.isInteger(h) || h < 0 || h > policy.n) {
      throw new InvalidModelInputError(`${where}: operators must be a whole number from 0 to n = ${policy.n}, got ${h}`)
    }
  }
  for (const [name, hours] of Object.entries(policy.graceHours)) {
    if (!(hours >= 0)) throw new InvalidModelInputError(`${where}: grace for ${name} must be 0 hours or more, got ${hours}`)
  }
  if (!(policy.repairHours >= 0)) throw new InvalidModelInputError(`${where}: repairHours must be 0 or more, got ${policy.repairHours}`)
}

/** Operator share among online nodes: where new shards can be written. */
export function onlineOperatorFraction (mix: Mix): number {
  const ops = mix.operatorFraction * mix.operator.availability
  return ops / (ops + (1 - mix.operatorFraction) * mix.tab.availability)
}

/** The operator counts an object's holders have and how likely each is. */
export function holderCompositions (policy: Policy, mix: Mix): Array<{ operators: number, weight: number }> {
  if (policy.placement.kind === 'operators-first') return [{ operators: policy.placement.operators, weight: 1 }]
  const pmf = binomialPmf(policy.n, onlineOperatorFraction(mix))
  const largest = Math.max(...pmf)
  const mode = pmf.indexOf(largest)
  // Loss and unreadability fall as operators rise, so a composition above the commonest one and 1e-9 as likely
  // moves no figure by more than 1e-9 of itself. Below the mode every composition counts: those dominate loss.
  return [...pmf].map((weight, operators) => ({ operators, weight })).filter(c => c.operators <= mode || c.weight >= largest * 1e-9)
}

function chainFor (policy: Policy, mix: Mix, operators: number, view: LossView): ChainResult {
  return solveChain({
    k: policy.k,
    n: policy.n,
    operators,
    threshold: policy.threshold,
    repairYears: policy.repairHours / HOURS_PER_YEAR,
    repairWaitsForReadable: view === 'conservative',
    operator: holderRates(mix.operator, policy.graceHours.operator, view),
    tab: holderRates(mix.tab, policy.graceHours.tab, view)
  })
}

/** The conservative chain of each composition an object can have, with its weight. */
export function policyChains (policy: Policy, mix: Mix, view: LossView = 'conservative'): Array<{ weight: number, chain: ChainResult }> {
  checkMix(mix)
  checkPolicy(policy)
  const compositions = holderCompositions(policy, mix)
  const total = compositions.reduce((sum, c) => sum + c.weight, 0)
  return compositions.map(c => ({ weight: c.weight / total, chain: chainFor(policy, mix, c.operators, view) }))
}

function weighted (chains: Array<{ weight: number, chain: ChainResult }>, pick: (chain: ChainResult) => number): number {
  return chains.reduce((sum, { weight, chain }) => sum + weight * pick(chain), 0)
}

/** P(at least one loss in a year) from a long-run loss rate per year. */
export function yearlyProbability (ratePerYear: number): number {
  return -Math.expm1(-ratePerYear)
}

/** Fraction of time an object is readable: (b). */
export function readAvailability (policy: Policy, mix: Mix): number {
  return 1 - unreadableFraction(policy, mix)
}

export function unreadableFraction (policy: Policy, mix: Mix): number {
  return weighted(policyChains(policy, mix), c => c.unreadableFraction)
}

/** P(loss within a year) per object: (a). `conservative` is the upper bound, `gone-only` the lower. */
export function lossPerObjectYear (policy: Policy, mix: Mix, view: LossView = 'conservative'): number {
  return yearlyProbability(weighted(policyChains(policy, mix, view), c => c.lossPerYear))
}

/** Repair traffic per object-year in object sizes: (c). */
export function repairBytesPerObjectYear (policy: Policy, mix: Mix): number {
  return weighted(policyChains(policy, mix), c => c.repairBytesPerYear)
}

/**
 * A reader that asks exactly k holders (operators first) needs every one of them online: the product of their
 * availabilities, averaged over compositions. Long-tail reads (ask all n, decode from the first k answers) get
 * the readable fraction instead.
 */
export function readableAskingOnlyK (policy: Policy, mix: Mix): number {
  const compositions = holderCompositions(policy, mix)
  const total = compositions.reduce((sum, c) => sum + c.weight, 0)
  return compositions.reduce((sum, { operators, weight }) => {
    const asked = Math.min(operators, policy.k)
    return sum + weight * mix.operator.availability ** asked * mix.tab.availability ** (policy.k - asked)
  }, 0) / total
}

export function evaluatePolicy (policy: Policy, mix: Mix): PolicyFigures {
  const chains = policyChains(policy, mix)
  const goneOnly = policyChains(policy, mix, 'gone-only')
  const compositions = holderCompositions(policy, mix)
  const weightSum = compositions.reduce((sum, c) => sum + c.weight, 0)
  const operatorShare = compositions.reduce((sum, c) => sum + c.weight * c.operators, 0) / weightSum / policy.n
  const f = mix.operatorFraction
  const unreadable = weighted(chains, c => c.unreadableFraction)
  return {
    lossPerObjectYear: yearlyProbability(weighted(chains, c => c.lossPerYear)),
    lossGoneOnlyPerObjectYear: yearlyProbability(weighted(goneOnly, c => c.lossPerYear)),
    readableFraction: 1 - unreadable,
    unreadableFraction: unreadable,
    repairBytesPerObjectYear: weighted(chains, c => c.repairBytesPerYear),
    repairsPerObjectYear: weighted(chains, c => c.repairsPerYear),
    readableAskingOnlyK: readableAskingOnlyK(policy, mix),
    storageOverhead: policy.n / policy.k,
    operatorShare,
    operatorLoadPerTabLoad: f > 0 && f < 1 && operatorShare < 1 ? (operatorShare / f) / ((1 - operatorShare) / (1 - f)) : Infinity
  }
}

/** The target the recommendation is held to (issue "History that never disappears"). */
export interface DurabilityTarget { maxLossPerObjectYear: number, minReadableFraction: number, maxRepairBytesPerObjectYear: number }

export const TARGET: DurabilityTarget = { maxLossPerObjectYear: 1e-9, minReadableFraction: 0.999, maxRepairBytesPerObjectYear: 100 }

export function meetsTarget (figures: PolicyFigures, target: DurabilityTarget = TARGET): boolean {
  return figures.lossPerObjectYear <= target.maxLossPerObjectYear &&
    figures.readableFraction >= target.minReadableFraction &&
    figures.repairBytesPerObjectYear <= target.maxRepairBytesPerObjectYear
}
