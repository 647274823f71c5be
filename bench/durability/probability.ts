/**
 * Exact counting probabilities for "at least k of these holders answer". Every result is a sum of products of
 * non-negative numbers (the only subtraction is 1 - p of an input), so a probability of 1e-15 keeps about 15
 * correct digits; callers that need a small complement ask for it directly (`probabilityBelow`) instead of
 * subtracting a result from 1.
 */
import { InvalidModelInputError } from './errors.ts'

function checkProbability (name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new InvalidModelInputError(`${name} must be a probability between 0 and 1, got ${p}`)
}

function checkCount (name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new InvalidModelInputError(`${name} must be a whole number of 0 or more, got ${value}`)
}

/**
 * Distribution of the number of successes among independent trials with the given success probabilities
 * (Poisson-binomial); entry j is P(exactly j succeed). Dynamic programming over the trials, O(n²).
 */
export function poissonBinomialPmf (probabilities: readonly number[]): Float64Array {
  probabilities.forEach((p, i) => { checkProbability(`probabilities[${i}]`, p) })
  let pmf = new Float64Array([1])
  for (const p of probabilities) {
    const next = new Float64Array(pmf.length + 1)
    for (let j = 0; j < pmf.length; j++) {
      next[j] += pmf[j] * (1 - p)
      next[j + 1] += pmf[j] * p
    }
    pmf = next
  }
  return pmf
}

/** P(at least `k` of the trials succeed). */
export function probabilityAtLeast (probabilities: readonly number[], k: number): number {
  checkCount('k', k)
  const pmf = poissonBinomialPmf(probabilities)
  let sum = 0
  for (let j = k; j < pmf.length; j++) sum += pmf[j]
  return Math.min(1, sum)
}

/** P(fewer than `k` succeed), summed directly so that 1e-12 is not lost to rounding of 1 - 0.999999999999. */
export function probabilityBelow (probabilities: readonly number[], k: number): number {
  checkCount('k', k)
  const pmf = poissonBinomialPmf(probabilities)
  let sum = 0
  for (let j = 0; j < Math.min(k, pmf.length); j++) sum += pmf[j]
  return Math.min(1, sum)
}

/** Binomial(n, p) distribution: entry j is P(exactly j of n succeed). */
export function binomialPmf (n: number, p: number): Float64Array {
  checkCount('n', n)
  checkProbability('p', p)
  return poissonBinomialPmf(new Array<number>(n).fill(p))
}

/** P(at least `k` of `n` independent trials with probability `p` succeed). */
export function binomialAtLeast (n: number, p: number, k: number): number {
  checkCount('n', n)
  return probabilityAtLeast(new Array<number>(n).fill(p), k)
}

/** P(fewer than `k` of `n` succeed). */
export function binomialBelow (n: number, p: number, k: number): number {
  checkCount('n', n)
  return probabilityBelow(new Array<number>(n).fill(p), k)
}

/** P(Poisson(mean) <= `max`), the approximation some back-of-envelope figures use for binomial counts. */
export function poissonAtMost (mean: number, max: number): number {
  if (!(mean >= 0)) throw new InvalidModelInputError(`mean must be 0 or more, got ${mean}`)
  checkCount('max', max)
  let term = Math.exp(-mean)
  let sum = term
  for (let j = 1; j <= max; j++) {
    term *= mean / j
    sum += term
  }
  return Math.min(1, sum)
}

/** Two-sided standard normal quantiles for the confidence levels a report uses. */
const Z_BY_CONFIDENCE: ReadonlyMap<number, number> = new Map([[0.9, 1.6448536], [0.95, 1.9599640], [0.99, 2.5758293], [0.999, 3.2905267]])

function zFor (confidence: number): number {
  const z = Z_BY_CONFIDENCE.get(confidence)
  if (z === undefined) {
    throw new InvalidModelInputError(`confidence must be one of ${[...Z_BY_CONFIDENCE.keys()].join(', ')}, got ${confidence}`)
  }
  return z
}

export interface Interval { low: number, high: number }

/**
 * Wilson score interval for a proportion: `successes` of `trials` independent samples. It stays inside [0, 1]
 * and keeps its coverage near 0 and 1, where a readable fraction of 0.999 lives (the normal interval does not).
 */
export function wilsonInterval (successes: number, trials: number, confidence = 0.95): Interval {
  checkCount('successes', successes)
  checkCount('trials', trials)
  if (trials === 0) throw new InvalidModelInputError('an interval needs at least one sample, got 0 trials')
  if (successes > trials) throw new InvalidModelInputError(`successes (${successes}) cannot exceed trials (${trials})`)
  const z = zFor(confidence)
  const p = successes / trials
  const z2n = z * z / trials
  const centre = (p + z2n / 2) / (1 + z2n)
  const half = z * Math.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n)
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}

/**
 * Where a fraction measured over `trials` independent samples should fall when each sample succeeds with
 * probability `p` (Wilson's interval around the expected count): a measurement outside it, at this
 * confidence, disagrees with `p`.
 */
export function expectedFractionRange (p: number, trials: number, confidence = 0.95): Interval {
  checkProbability('p', p)
  checkCount('trials', trials)
  if (trials === 0) throw new InvalidModelInputError('a range needs at least one sample, got 0 trials')
  const z = zFor(confidence)
  const half = z * Math.sqrt(p * (1 - p) / trials)
  // Half a sample either side for the discreteness of a count (continuity correction).
  const slack = 0.5 / trials
  return { low: Math.max(0, p - half - slack), high: Math.min(1, p + half + slack) }
}
