/**
 * Node classes (tab, operator) as the model sees them: a node alternates sessions (online) and absences
 * (offline, then back), and at the start of some absence it is gone for good. Absences are a mixture of
 * exponential phases, so "how likely is an absence longer than the grace period" and "how long does it last
 * once past it" have closed forms; the phases also make the tail heavy where a single exponential would not be.
 */
import { InvalidModelInputError } from './errors.ts'

export const HOURS_PER_YEAR = 365.25 * 24

/** One phase of the absence mixture: `share` of absences last Exp(`meanHours`). */
export interface AbsencePhase { share: number, meanHours: number }

export interface NodeClass {
  name: string
  /** Long-run fraction of time online while the node exists (is not gone). */
  availability: number
  /** Temporary absences (the node comes back): exponential phases whose shares sum to 1. */
  absences: readonly AbsencePhase[]
  /** Mean time until the node is gone for good (never comes back), exponential. */
  meanLifetimeDays: number
}

/** Figures that follow from a class's parameters: what DURABILITY.md prints under "Node classes". */
export interface ClassProfile {
  meanAbsenceHours: number
  /** availability / (1 - availability) × mean absence. */
  meanSessionHours: number
  /** Session plus absence: one departure per cycle. */
  cycleHours: number
  departuresPerYear: number
  /** Share of departures after which the node never returns: cycle / lifetime. */
  neverReturnsFraction: number
  gonePerYear: number
}

export function checkNodeClass (cls: NodeClass): void {
  const where = `node class "${cls.name}"`
  if (!(cls.availability > 0 && cls.availability < 1)) {
    throw new InvalidModelInputError(`${where}: availability must be above 0 and below 1, got ${cls.availability}`)
  }
  if (cls.absences.length === 0) throw new InvalidModelInputError(`${where}: needs at least one absence phase`)
  let shares = 0
  for (const phase of cls.absences) {
    if (!(phase.share > 0) || !(phase.meanHours > 0)) {
      throw new InvalidModelInputError(`${where}: each absence phase needs a share and a mean above 0, got ${JSON.stringify(phase)}`)
    }
    shares += phase.share
  }
  if (Math.abs(shares - 1) > 1e-9) throw new InvalidModelInputError(`${where}: absence shares must sum to 1, got ${shares}`)
  if (!(cls.meanLifetimeDays > 0)) throw new InvalidModelInputError(`${where}: meanLifetimeDays must be above 0, got ${cls.meanLifetimeDays}`)
  const cycle = profileOf(cls).cycleHours
  if (cycle >= cls.meanLifetimeDays * 24) {
    throw new InvalidModelInputError(`${where}: a lifetime of ${cls.meanLifetimeDays} days is shorter than one session and absence (${(cycle / 24).toFixed(2)} days)`)
  }
}

function profileOf (cls: NodeClass): ClassProfile {
  const meanAbsenceHours = cls.absences.reduce((sum, p) => sum + p.share * p.meanHours, 0)
  const meanSessionHours = cls.availability / (1 - cls.availability) * meanAbsenceHours
  const cycleHours = meanSessionHours + meanAbsenceHours
  return {
    meanAbsenceHours,
    meanSessionHours,
    cycleHours,
    departuresPerYear: HOURS_PER_YEAR / cycleHours,
    neverReturnsFraction: cycleHours / (cls.meanLifetimeDays * 24),
    gonePerYear: 365.25 / cls.meanLifetimeDays
  }
}

export function classProfile (cls: NodeClass): ClassProfile {
  checkNodeClass(cls)
  return profileOf(cls)
}

/** P(a temporary absence lasts longer than `hours`) = Σ share · e^(-hours/mean). */
export function absenceLongerThan (cls: NodeClass, hours: number): number {
  return cls.absences.reduce((sum, p) => sum + p.share * Math.exp(-hours / p.meanHours), 0)
}

/**
 * Which absences the loss chain counts as losing a shard.
 * - `conservative`: every absence longer than the grace period, and every departure for good (an upper bound
 *   on loss: a long-absent holder that comes back is not counted again until a repair replaces it).
 * - `gone-only`: departures for good only, and a repair never waits for k holders to be online at once (a lower
 *   bound: temporary absences never cost a shard).
 */
export type LossView = 'conservative' | 'gone-only'

/** What one holder of a class contributes to the per-object chain. */
export interface HolderRates {
  /** Rate at which a holder that still counts departs in a way that loses its shard (per year). */
  departuresPerYear: number
  /** P(online | the holder still counts): availability among the holders the chain keeps. */
  onlineWhenCounted: number
  /** Mean time from such a departure to the holder being written off (the grace period), in years. */
  graceYears: number
}

/**
 * Per-holder rates at a grace period of `graceHours` (an offline holder is written off once absent that long).
 *
 * conservative: with C the cycle, S the session and Aᵢ the absence phases, a departure loses its shard when its
 * absence exceeds the grace G (probability P_L = Σ wᵢ e^(-G/mᵢ)) or is for good (γ = 1 / lifetime). A
 * holder counts while it is not in such an absence: the fraction κ = 1 - Σ wᵢ (G + mᵢ) e^(-G/mᵢ) / C of its
 * time. So ν = ((1 - p_never) P_L / C + γ) / κ per counted hour, and P(online | counted) = a / κ. At G → 0
 * this is ν = 1 / S and a / κ = 1: every session end is a loss and every counted holder is online.
 */
export function holderRates (cls: NodeClass, graceHours: number, view: LossView): HolderRates {
  checkNodeClass(cls)
  if (!(graceHours >= 0)) throw new InvalidModelInputError(`grace must be 0 hours or more, got ${graceHours}`)
  const profile = profileOf(cls)
  const graceYears = graceHours / HOURS_PER_YEAR
  if (view === 'gone-only') {
    return { departuresPerYear: profile.gonePerYear, onlineWhenCounted: cls.availability, graceYears }
  }
  const longShare = absenceLongerThan(cls, graceHours)
  const longHoursPerCycle = cls.absences.reduce((sum, p) => sum + p.share * (graceHours + p.meanHours) * Math.exp(-graceHours / p.meanHours), 0)
  const countedFraction = 1 - longHoursPerCycle / profile.cycleHours
  const perHour = ((1 - profile.neverReturnsFraction) * longShare / profile.cycleHours + 1 / (cls.meanLifetimeDays * 24)) / countedFraction
  return {
    departuresPerYear: perHour * HOURS_PER_YEAR,
    onlineWhenCounted: Math.min(1, cls.availability / countedFraction),
    graceYears
  }
}
