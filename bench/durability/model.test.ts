import { describe, expect, it } from 'vitest'
import { solveChain, stationaryDistribution, type ChainInput } from './chain.ts'
import { holderRates } from './classes.ts'
import { correlatedEvents, operatorHostLost, tabsCloseTogether } from './events.ts'
import {
  binomialAtLeast, binomialBelow, evaluatePolicy, InvalidModelInputError, lossPerObjectYear, meetsTarget, poissonBinomialPmf,
  probabilityAtLeast, probabilityBelow, readAvailability, repairBytesPerObjectYear, wilsonInterval, type Policy
} from './model.ts'
import { graced, OPERATOR, RECOMMENDED, TAB, TARGET_MIX, TODAY } from './policies.ts'
import { independentSamples, measuredReadableInterval, modelLossPerObjectYear, modelScenario, predictedReadableRange, type Scenario } from './scenario.ts'

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so failures reproduce. */
function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** P(exactly j succeed) by enumerating all 2^n outcomes. */
function bruteForcePmf (ps: number[]): number[] {
  const pmf = new Array<number>(ps.length + 1).fill(0)
  for (let mask = 0; mask < 1 << ps.length; mask++) {
    let p = 1
    let count = 0
    ps.forEach((pi, i) => {
      if ((mask & (1 << i)) !== 0) { p *= pi; count++ } else p *= 1 - pi
    })
    pmf[count] += p
  }
  return pmf
}

describe('Poisson-binomial and binomial', () => {
  it('match a brute-force enumeration of every outcome for small n', () => {
    const random = seeded(7)
    for (let n = 0; n <= 12; n++) {
      const ps = Array.from({ length: n }, () => random())
      const expected = bruteForcePmf(ps)
      const pmf = poissonBinomialPmf(ps)
      expected.forEach((p, j) => { expect(pmf[j]).toBeCloseTo(p, 14) })
      for (let k = 0; k <= n + 1; k++) {
        const atLeast = expected.slice(k).reduce((a, b) => a + b, 0)
        expect(probabilityAtLeast(ps, k)).toBeCloseTo(atLeast, 13)
        expect(probabilityBelow(ps, k)).toBeCloseTo(1 - atLeast, 13)
      }
    }
  })

  it('give the issue\'s 10-of-15 and 10-of-20 availability figures (exact rational values)', () => {
    expect(binomialAtLeast(15, 0.7, 10)).toBeCloseTo(0.721621440204364, 13)
    expect(binomialAtLeast(15, 0.8, 10)).toBeCloseTo(0.938948570382336, 13)
    expect(binomialAtLeast(20, 0.7, 10)).toBeCloseTo(0.9828551835687416, 13)
    expect(binomialAtLeast(20, 0.8, 10)).toBeCloseTo(0.9994365863023398, 13)
  })

  it('keep their relative accuracy for tails far below 1e-9, where 1 - P(at least) would be all rounding', () => {
    expect(binomialBelow(15, 0.99, 10) / 4.63213696959138e-9).toBeCloseTo(1, 10)
    expect(binomialBelow(30, 0.9999, 10) / 1.4294863559146575e-77).toBeCloseTo(1, 8)
  })

  it('refuse a probability outside [0, 1] with a typed error', () => {
    expect(() => probabilityAtLeast([0.5, 1.5], 1)).toThrow(InvalidModelInputError)
    expect(() => binomialAtLeast(-1, 0.5, 1)).toThrow(/whole number/)
  })

  it('Wilson interval: 0 of 10 at 95 % reaches up to z² / (n + z²)', () => {
    const z2 = 1.959964 ** 2
    const interval = wilsonInterval(0, 10)
    expect(interval.low).toBe(0)
    expect(interval.high).toBeCloseTo(z2 / (10 + z2), 6)
    expect(() => wilsonInterval(11, 10)).toThrow(InvalidModelInputError)
  })
})

/**
 * The same chain for one class (h = 0) built as a dense generator over (x, p, w) and solved by Gaussian
 * elimination: an independent check of the cycle-by-cycle solver. Loss restarts the object at full strength.
 */
function denseChain (input: ChainInput): { lossPerYear: number, unreadable: number, bytes: number } {
  const { k, n, threshold } = input
  const nu = input.tab.departuresPerYear
  const writeOff = 1 / input.tab.graceYears
  const repair = 1 / input.repairYears
  const a = input.tab.onlineWhenCounted
  const states: Array<[number, number]> = []
  for (let x = k; x <= n; x++) for (let p = 0; p <= n - x; p++) states.push([x, p])
  const at = new Map(states.map(([x, p], i) => [`${x},${p}`, i]))
  const m = states.length
  const q = Array.from({ length: m }, () => new Array<number>(m).fill(0))
  const lossRate = new Array<number>(m).fill(0)
  const repairRate = new Array<number>(m).fill(0)
  const readable = (x: number): number => binomialAtLeast(x, a, k)
  const full = at.get(`${n},0`) as number
  states.forEach(([x, p], i) => {
    const w = n - x - p
    const move = (rate: number, to: number | undefined): void => { q[i][to ?? full] += rate; q[i][i] -= rate }
    if (x - 1 < k) { lossRate[i] = x * nu; move(x * nu, full) } else move(x * nu, at.get(`${x - 1},${p + 1}`))
    if (p > 0) move(p * writeOff, at.get(`${x},${p - 1}`))
    if (w >= n - threshold) { repairRate[i] = repair * readable(x); move(repairRate[i], at.get(`${n - p},${p}`)) }
  })
  // Solve π Q = 0, Σ π = 1: transpose, replace the last equation by the normalisation.
  const A = Array.from({ length: m }, (_, r) => Array.from({ length: m }, (_, c) => q[c][r]))
  const b = new Array<number>(m).fill(0)
  A[m - 1] = new Array<number>(m).fill(1)
  b[m - 1] = 1
  for (let c = 0; c < m; c++) {
    let pivot = c
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r][c]) > Math.abs(A[pivot][c])) pivot = r;
    [A[c], A[pivot]] = [A[pivot], A[c]];
    [b[c], b[pivot]] = [b[pivot], b[c]]
    for (let r = 0; r < m; r++) {
      if (r === c) continue
      const f = A[r][c] / A[c][c]
      for (let cc = c; cc < m; cc++) A[r][cc] -= f * A[c][cc]
      b[r] -= f * b[c]
    }
  }
  const pi = b.map((v, i) => v / A[i][i])
  return {
    lossPerYear: pi.reduce((s, p, i) => s + p * lossRate[i], 0),
    unreadable: pi.reduce((s, p, i) => s + p * (1 - readable(states[i][0])), 0),
    bytes: pi.reduce((s, p, i) => s + p * repairRate[i] * (1 + (n - states[i][0] - states[i][1]) / k), 0)
  }
}

describe('the loss chain', () => {
  const tabOnly = (over: Partial<ChainInput>): ChainInput => {
    const holder = { departuresPerYear: 40, onlineWhenCounted: 0.8, graceYears: 3 / 365 }
    return { k: 4, n: 9, operators: 0, threshold: 6, repairYears: 1 / 365, repairWaitsForReadable: true, operator: holder, tab: holder, ...over }
  }

  it('agrees with a dense generator solved by Gaussian elimination (grace, threshold, repair waiting for k online)', () => {
    for (const threshold of [4, 6, 8]) {
      const input = tabOnly({ threshold })
      const chain = solveChain(input)
      const dense = denseChain(input)
      expect(chain.lossPerYear / dense.lossPerYear).toBeCloseTo(1, 6)
      expect(chain.unreadableFraction / dense.unreadable).toBeCloseTo(1, 6)
      expect(chain.repairBytesPerYear / dense.bytes).toBeCloseTo(1, 6)
    }
  })

  it('reproduces the issue\'s eager-repair figures: 1-day node lifetime, 15-minute and 1-hour turnaround', () => {
    const eager = (minutes: number): number => {
      const holder = { departuresPerYear: 365.25, onlineWhenCounted: 1, graceYears: minutes / 60 / 8766 }
      return -Math.expm1(-solveChain({ k: 10, n: 15, operators: 0, threshold: 14, repairYears: 0, repairWaitsForReadable: false, operator: holder, tab: holder }).lossPerYear)
    }
    // The same chain solved as a birth-death MTTDL in floating point elsewhere gives 1.126e-3 and 0.494.
    expect(eager(15)).toBeGreaterThan(1.11e-3)
    expect(eager(15)).toBeLessThan(1.14e-3)
    expect(eager(60)).toBeCloseTo(0.494, 2)
  })

  it('stationary distribution of a two-state chain is (b, a) / (a + b)', () => {
    const pi = stationaryDistribution([Float64Array.from([0.9, 0.1]), Float64Array.from([0.3, 0.7])])
    expect(pi[0]).toBeCloseTo(0.75, 14)
    expect(pi[1]).toBeCloseTo(0.25, 14)
  })

  it('refuses a threshold below k or a stripe with n ≤ k', () => {
    expect(() => solveChain(tabOnly({ threshold: 3 }))).toThrow(/threshold must be a whole number from k = 4/)
    expect(() => solveChain(tabOnly({ n: 4, threshold: 4 }))).toThrow(InvalidModelInputError)
  })
})

describe('holder rates', () => {
  it('with no grace, every session end loses the shard and a counted holder is online', () => {
    const rates = holderRates(TAB, 0, 'conservative')
    const sessionHours = 0.3 / 0.7 * (0.7 * 8 + 0.25 * 30 + 0.05 * 120)
    expect(rates.departuresPerYear).toBeCloseTo(8766 / sessionHours, 6)
    expect(rates.onlineWhenCounted).toBeCloseTo(1, 12)
  })

  it('a longer grace loses fewer shards; gone-only counts the lifetime alone', () => {
    expect(holderRates(TAB, 168, 'conservative').departuresPerYear).toBeLessThan(holderRates(TAB, 24, 'conservative').departuresPerYear)
    expect(holderRates(TAB, 24, 'gone-only').departuresPerYear).toBeCloseTo(365.25 / 90, 12)
  })

  it('refuses absence shares that do not sum to 1', () => {
    const bad = { ...TAB, absences: [{ share: 0.5, meanHours: 8 }] }
    expect(() => holderRates(bad, 24, 'conservative')).toThrow(/shares must sum to 1, got 0.5/)
  })
})

describe('policies at the target mix (tabs 0.3, 10 % operators at 0.99)', () => {
  it('the recommended policy meets the target: loss ≤ 1e-9, readable ≥ 99.9 %, repair ≤ 100 × object a year', () => {
    const figures = evaluatePolicy(RECOMMENDED, TARGET_MIX)
    expect(figures.lossPerObjectYear).toBeLessThanOrEqual(1e-9)
    expect(figures.readableFraction).toBeGreaterThanOrEqual(0.999)
    expect(figures.repairBytesPerObjectYear).toBeLessThanOrEqual(100)
    expect(meetsTarget(figures)).toBe(true)
  })

  it('today\'s policy keeps objects readable only by rebuilding on every departure: far over the traffic target', () => {
    const figures = evaluatePolicy(TODAY, TARGET_MIX)
    expect(figures.repairBytesPerObjectYear).toBeGreaterThan(1000)
    expect(figures.lossPerObjectYear).toBeGreaterThan(1e-9)
    expect(meetsTarget(figures)).toBe(false)
  })

  it('the lower bound never exceeds the upper bound', () => {
    for (const policy of [TODAY, RECOMMENDED, graced(10, 20, 10, 17)]) {
      const f = evaluatePolicy(policy, TARGET_MIX)
      expect(f.lossGoneOnlyPerObjectYear).toBeLessThanOrEqual(f.lossPerObjectYear)
    }
  })

  it('more operator holders lower loss and raise readability; a longer tab grace lowers repair traffic', () => {
    const withOps = (h: number): Policy => graced(10, 30, h, 23)
    expect(lossPerObjectYear(withOps(12), TARGET_MIX)).toBeLessThan(lossPerObjectYear(withOps(10), TARGET_MIX))
    expect(readAvailability(withOps(12), TARGET_MIX)).toBeGreaterThan(readAvailability(withOps(10), TARGET_MIX))
    const withGrace = (days: number): Policy => ({ ...RECOMMENDED, graceHours: { ...RECOMMENDED.graceHours, tab: days * 24 } })
    expect(repairBytesPerObjectYear(withGrace(7), TARGET_MIX)).toBeLessThan(repairBytesPerObjectYear(withGrace(1), TARGET_MIX))
  })

  it('refuses a policy with more operator holders than shards', () => {
    expect(() => evaluatePolicy(graced(10, 15, 16, 12), TARGET_MIX)).toThrow(InvalidModelInputError)
  })
})

describe('correlated events', () => {
  it('a third of tabs closing overnight costs the recommended policy no repair (inside the grace), today a rebuild', () => {
    expect(tabsCloseTogether(RECOMMENDED, TARGET_MIX, 1 / 3, 12).repairBytesPerObject).toBe(0)
    expect(tabsCloseTogether(TODAY, TARGET_MIX, 1 / 3, 12).repairBytesPerObject).toBeGreaterThan(0.5)
  })

  it('losing more of an object\'s shards on one host is never safer', () => {
    const one = operatorHostLost(RECOMMENDED, TARGET_MIX, 1).lostAtOnce
    const three = operatorHostLost(RECOMMENDED, TARGET_MIX, 3).lostAtOnce
    expect(three).toBeGreaterThanOrEqual(one)
    expect(correlatedEvents(RECOMMENDED, TARGET_MIX)).toHaveLength(5)
  })
})

describe('scenario predictions for the churn simulation', () => {
  const scenario: Scenario = { nodes: { tab: 180, operator: 20 }, tab: TAB, operator: OPERATOR, policy: RECOMMENDED, days: 30 }

  it('match the policy figures for the mix the node counts give', () => {
    const prediction = modelScenario(scenario)
    const figures = evaluatePolicy(RECOMMENDED, TARGET_MIX) // 20 of 200 nodes are operators: the target mix
    expect(prediction.modelLossPerObjectYear).toBeCloseTo(figures.lossPerObjectYear, 20)
    expect(modelLossPerObjectYear(scenario)).toBe(prediction.modelLossPerObjectYear)
    expect(prediction.lossWithinScenario / (figures.lossPerObjectYear * 30 / 365.25)).toBeCloseTo(1, 6)
    expect(prediction.repairBytesPerObjectInScenario).toBeCloseTo(figures.repairBytesPerObjectYear * 30 / 365.25, 9)
  })

  it('give the range a measured readable fraction should fall in, from independent samples only', () => {
    expect(independentSamples(scenario, 100, 10_000)).toBe(100 * Math.floor(30 * 24 / 27.285714285714285))
    const range = predictedReadableRange(scenario, 100, 1000)
    const readable = modelScenario(scenario).readableFraction
    expect(range.low).toBeLessThanOrEqual(readable)
    expect(range.high).toBeGreaterThanOrEqual(readable)
    const measured = measuredReadableInterval(99_000, 100_000, 2600)
    expect(measured.low).toBeLessThan(0.99)
    expect(measured.high).toBeGreaterThan(0.99)
  })

  it('refuse a scenario with fewer operator nodes than the policy places shards on', () => {
    expect(() => modelScenario({ ...scenario, nodes: { tab: 180, operator: 10 } })).toThrow(/puts 14 shards on distinct operator nodes; the scenario has 10/)
  })
})
