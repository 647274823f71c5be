/**
 * The per-object Markov chain behind loss, readability and repair traffic.
 *
 * State (xo, po, xt, pt) for an object with h operator holders and t tab holders: xo / xt holders still count,
 * po / pt have departed and are inside the grace period (pending), and the rest, wo = h - xo - po and
 * wt = t - xt - pt, are written off and await a repair. Transitions (rates per year):
 *   departure     xo → xo - 1, po + 1     at xo · ν_o   (tabs alike)    the shard is gone from now on
 *   write-off     po → po - 1 (wo + 1)    at po / G_o                   grace ends, per holder (M/G/∞-like)
 *   repair        wo, wt → 0              at R(xo, xt) / T_rep once wo + wt ≥ n - r
 *   loss          xo + xt < k             absorbing
 * R(xo, xt) = P(at least k of the counted holders online): a repair needs k shards at once (in the
 * optimistic view it never waits: R = 1). A repair replaces
 * every written-off holder with a fresh one of the same class; pending holders stay pending.
 *
 * Between two repairs the chain only moves down (x falls, then p falls), so each repair cycle is a directed
 * acyclic graph: one forward pass per cycle start gives its loss probability, expected length, time unreadable
 * and bytes, all as sums of products of positive numbers (exact to rounding even at 1e-15). Cycles start in an
 * "entry" state (h - po, po, t - pt, pt), so the long run is a small chain over entries, whose stationary
 * distribution comes from Grassmann-Taqqu-Heyman elimination (also subtraction-free). A loss restarts the
 * object at full strength, so the long-run loss rate is the renewal-reward ratio Σ π·loss / Σ π·length.
 */
import type { HolderRates } from './classes.ts'
import { InvalidModelInputError } from './errors.ts'
import { binomialPmf } from './probability.ts'

export interface ChainInput {
  k: number
  n: number
  /** Holders from the operator class; the other n - operators are tabs. */
  operators: number
  /** Repair once the holders still counted or pending fall to r, i.e. n - r are written off; n - 1 is eager. */
  threshold: number
  /** Mean time from a repair's trigger to its new shards being stored, in years; 0 repairs at once. */
  repairYears: number
  /** A repair needs k counted holders online at once (rate scaled by R); false: it never waits (optimistic). */
  repairWaitsForReadable: boolean
  operator: HolderRates
  tab: HolderRates
}

export interface ChainResult {
  /** Long-run loss events per object-year (a rate; the probability over a year is 1 - e^-rate). */
  lossPerYear: number
  /** Long-run fraction of time with fewer than k holders online. */
  unreadableFraction: number
  /** Network bytes of repairs per object-year, in object sizes: each repair reads k shards and writes w. */
  repairBytesPerYear: number
  repairsPerYear: number
  shardsWrittenPerYear: number
  /** Time fraction with xo operators and xt tabs still counted: entry xo · (tabs + 1) + xt. */
  occupancy: Float64Array
  operators: number
  tabs: number
}

interface CycleResult {
  loss: number
  years: number
  unreadableYears: number
  bytes: number
  repairs: number
  writes: number
  occupancyYears: Float64Array
  next: Map<number, number>
}

export function checkChainInput (input: ChainInput): void {
  const { k, n, operators, threshold } = input
  if (!Number.isInteger(k) || k < 1) throw new InvalidModelInputError(`k must be a whole number of 1 or more, got ${k}`)
  if (!Number.isInteger(n) || n <= k) throw new InvalidModelInputError(`n must be a whole number above k = ${k}, got ${n}`)
  if (!Number.isInteger(operators) || operators < 0 || operators > n) {
    throw new InvalidModelInputError(`operator holders must be a whole number from 0 to n = ${n}, got ${operators}`)
  }
  if (!Number.isInteger(threshold) || threshold < k || threshold > n - 1) {
    throw new InvalidModelInputError(`threshold must be a whole number from k = ${k} to n - 1 = ${n - 1} (n - 1 repairs every loss at once), got ${threshold}`)
  }
  if (!(input.repairYears >= 0)) throw new InvalidModelInputError(`repair time must be 0 or more, got ${input.repairYears}`)
}

/** P(fewer than k of xo operators and xt tabs online), for every (xo, xt). */
function unreadableTable (h: number, t: number, k: number, aO: number, aT: number): Float64Array {
  const table = new Float64Array((h + 1) * (t + 1))
  const tabBelow: Float64Array[] = [] // tabBelow[xt][j] = P(fewer than j of xt tabs online)
  for (let xt = 0; xt <= t; xt++) {
    const pmf = binomialPmf(xt, aT)
    const below = new Float64Array(k + 1)
    for (let j = 1; j <= k; j++) below[j] = below[j - 1] + (j - 1 < pmf.length ? pmf[j - 1] : 0)
    tabBelow.push(below)
  }
  for (let xo = 0; xo <= h; xo++) {
    const pmf = binomialPmf(xo, aO)
    for (let xt = 0; xt <= t; xt++) {
      let sum = 0
      for (let i = 0; i < Math.min(k, pmf.length); i++) sum += pmf[i] * tabBelow[xt][k - i]
      table[xo * (t + 1) + xt] = Math.min(1, sum)
    }
  }
  return table
}

/** Cycle starts reached with less probability than this from every other start are left out. */
const NEGLIGIBLE_ENTRY = 1e-24
/** A state first reached with less probability than this in a cycle is not followed (see `enter`). */
const NEGLIGIBLE_PATH = 1e-30

export function solveChain (input: ChainInput): ChainResult {
  checkChainInput(input)
  const { k, n, operators: h, threshold } = input
  const t = n - h
  const triggerAt = n - threshold
  const unreadable = unreadableTable(h, t, k, input.operator.onlineWhenCounted, input.tab.onlineWhenCounted)
  const nuO = input.operator.departuresPerYear
  const nuT = input.tab.departuresPerYear
  const writeOffO = input.operator.graceYears > 0 ? 1 / input.operator.graceYears : Infinity
  const writeOffT = input.tab.graceYears > 0 ? 1 / input.tab.graceYears : Infinity
  const repairRate = input.repairYears > 0 ? 1 / input.repairYears : Infinity
  const idx = (xo: number, po: number, xt: number, pt: number): number => ((xo * (h + 1) + po) * (t + 1) + xt) * (t + 1) + pt
  const inflow = new Float64Array((h + 1) * (h + 1) * (t + 1) * (t + 1))
  const decodeXo = new Uint8Array(inflow.length)
  const decodePo = new Uint8Array(inflow.length)
  const decodeXt = new Uint8Array(inflow.length)
  const decodePt = new Uint8Array(inflow.length)
  for (let xo = 0; xo <= h; xo++) {
    for (let po = 0; po <= h; po++) {
      for (let xt = 0; xt <= t; xt++) {
        for (let pt = 0; pt <= t; pt++) {
          const i = idx(xo, po, xt, pt)
          decodeXo[i] = xo; decodePo[i] = po; decodeXt[i] = xt; decodePt[i] = pt
        }
      }
    }
  }

  // States reached in this cycle, by level x · (n + 1) + p: a cycle visits only these, highest x then highest p
  // first. Each level is a preallocated stack (a level holds at most (h + 1)² states), so a pass allocates nothing.
  const levelCapacity = (h + 1) * (h + 1)
  const levels = new Int32Array((n + 1) * (n + 1) * levelCapacity)
  const levelSize = new Int32Array((n + 1) * (n + 1))
  const reached = new Uint8Array(inflow.length)

  function runCycle (po0: number, pt0: number): CycleResult {
    const out: CycleResult = { loss: 0, years: 0, unreadableYears: 0, bytes: 0, repairs: 0, writes: 0, occupancyYears: new Float64Array((h + 1) * (t + 1)), next: new Map() }
    const exitToRepair = (prob: number, po: number, pt: number, written: number): void => {
      const entry = po * (t + 1) + pt
      out.next.set(entry, (out.next.get(entry) ?? 0) + prob)
      out.repairs += prob
      out.writes += prob * written
      out.bytes += prob * (1 + written / k)
    }
    /** Moves `prob` into (xo, po, xt, pt), or out of the cycle when that state is a loss or repairs at once. */
    const enter = (prob: number, xo: number, po: number, xt: number, pt: number): void => {
      if (xo + xt < k) { out.loss += prob; return }
      const written = (h - xo - po) + (t - xt - pt)
      if (repairRate === Infinity && written >= triggerAt) { exitToRepair(prob, po, pt, written); return }
      const i = idx(xo, po, xt, pt)
      if (reached[i] === 0) {
        // Paths this unlikely are counted as losses instead of followed: loss stays an upper bound, too high by
        // at most the pruned mass (under 1e-22 per cycle), and the pass skips most of the deep states.
        if (prob < NEGLIGIBLE_PATH) { out.loss += prob; return }
        reached[i] = 1
        const level = (xo + xt) * (n + 1) + po + pt
        levels[level * levelCapacity + levelSize[level]++] = i
      }
      inflow[i] += prob
    }
    enter(1, h - po0, po0, t - pt0, pt0)
    for (let x = h - po0 + t - pt0; x >= k; x--) {
      for (let p = n - x; p >= 0; p--) {
        const level = x * (n + 1) + p
        for (let slot = level * levelCapacity; slot < level * levelCapacity + levelSize[level]; slot++) {
          const i = levels[slot]
          const q = inflow[i]
          inflow[i] = 0
          reached[i] = 0
          const xo = decodeXo[i]
          const po = decodePo[i]
          const xt = decodeXt[i]
          const pt = decodePt[i]
          const written = (h - xo - po) + (t - xt - pt)
          const cell = xo * (t + 1) + xt
          const departO = xo * nuO
          const departT = xt * nuT
          const graceO = writeOffO === Infinity ? 0 : po * writeOffO
          const graceT = writeOffT === Infinity ? 0 : pt * writeOffT
          const repair = written >= triggerAt && repairRate !== Infinity
            ? repairRate * (input.repairWaitsForReadable ? 1 - unreadable[cell] : 1)
            : 0
          const total = departO + departT + graceO + graceT + repair
          const stay = q / total
          out.years += stay
          out.unreadableYears += stay * unreadable[cell]
          out.occupancyYears[cell] += stay
          if (departO > 0) {
            if (writeOffO === Infinity) enter(q * departO / total, xo - 1, po, xt, pt)
            else enter(q * departO / total, xo - 1, po + 1, xt, pt)
          }
          if (departT > 0) {
            if (writeOffT === Infinity) enter(q * departT / total, xo, po, xt - 1, pt)
            else enter(q * departT / total, xo, po, xt - 1, pt + 1)
          }
          if (graceO > 0) enter(q * graceO / total, xo, po - 1, xt, pt)
          if (graceT > 0) enter(q * graceT / total, xo, po, xt, pt - 1)
          if (repair > 0) exitToRepair(q * repair / total, po, pt, written)
        }
        levelSize[level] = 0
      }
    }
    return out
  }

  // Cycles from every entry state reachable from a new object (entry 0: nothing pending).
  const entries = [0]
  const position = new Map([[0, 0]])
  const cycles: CycleResult[] = []
  for (let e = 0; e < entries.length; e++) {
    const entry = entries[e]
    const cycle = runCycle(Math.floor(entry / (t + 1)), entry % (t + 1))
    cycles.push(cycle)
    for (const [next, prob] of cycle.next) {
      // A cycle start this unlikely cannot move any figure the model reports (those stay above ~1e-20).
      if (prob >= NEGLIGIBLE_ENTRY && !position.has(next)) { position.set(next, entries.length); entries.push(next) }
    }
  }
  const transitions = cycles.map(cycle => {
    const row = new Float64Array(entries.length)
    for (const [next, prob] of cycle.next) {
      const at = position.get(next)
      if (at !== undefined) row[at] += prob
    }
    row[0] += cycle.loss // a lost object is replaced by a new one: the long run is a renewal process
    return row
  })
  const weights = stationaryDistribution(transitions)
  let years = 0
  let loss = 0
  let unreadableYears = 0
  let bytes = 0
  let repairs = 0
  let writes = 0
  const occupancy = new Float64Array((h + 1) * (t + 1))
  cycles.forEach((cycle, e) => {
    const w = weights[e]
    years += w * cycle.years
    loss += w * cycle.loss
    unreadableYears += w * cycle.unreadableYears
    bytes += w * cycle.bytes
    repairs += w * cycle.repairs
    writes += w * cycle.writes
    for (let c = 0; c < occupancy.length; c++) occupancy[c] += w * cycle.occupancyYears[c]
  })
  for (let c = 0; c < occupancy.length; c++) occupancy[c] /= years
  return {
    lossPerYear: loss / years,
    unreadableFraction: unreadableYears / years,
    repairBytesPerYear: bytes / years,
    repairsPerYear: repairs / years,
    shardsWrittenPerYear: writes / years,
    occupancy,
    operators: h,
    tabs: t
  }
}

/**
 * Stationary distribution of a stochastic matrix (rows sum to 1) by Grassmann-Taqqu-Heyman state reduction: it
 * never subtracts, so tiny probabilities keep their relative accuracy. O(m³) for m states.
 */
export function stationaryDistribution (rows: readonly Float64Array[]): Float64Array {
  const m = rows.length
  const p = rows.map(row => Float64Array.from(row))
  for (let last = m - 1; last > 0; last--) {
    let s = 0
    for (let j = 0; j < last; j++) s += p[last][j]
    if (!(s > 0)) throw new InvalidModelInputError(`the chain over repair cycles is not irreducible (state ${last} never leads back); check the policy's rates`)
    for (let i = 0; i < last; i++) p[i][last] /= s
    for (let i = 0; i < last; i++) {
      const factor = p[i][last]
      if (factor === 0) continue
      for (let j = 0; j < last; j++) p[i][j] += factor * p[last][j]
    }
  }
  const pi = new Float64Array(m)
  pi[0] = 1
  for (let j = 1; j < m; j++) {
    let sum = 0
    for (let i = 0; i < j; i++) sum += pi[i] * p[i][j]
    pi[j] = sum
  }
  const total = pi.reduce((a, b) => a + b, 0)
  for (let j = 0; j < m; j++) pi[j] /= total
  return pi
}
