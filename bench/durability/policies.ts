/**
 * The assumptions DURABILITY.md states (node classes, the target mix) and the policies it compares. Changing a
 * number here changes the doc's tables: `npm run durability -- --write` rewrites them.
 */
import type { NodeClass } from './classes.ts'
import type { Mix, Policy } from './model.ts'

/**
 * A browser tab: online about 7 hours a day (availability 0.3); most absences are a night or a working day
 * (8 h), a quarter last about a day and a half, one in twenty is a trip (5 days); a node is gone for good (site
 * data cleared, another browser, the user stops) after 90 days on average, about 1.3 % of its departures.
 */
export const TAB: NodeClass = {
  name: 'tab',
  availability: 0.3,
  absences: [{ share: 0.7, meanHours: 8 }, { share: 0.25, meanHours: 30 }, { share: 0.05, meanHours: 120 }],
  meanLifetimeDays: 90
}

/**
 * An operator's headless node: 99 % available; most outages are restarts (30 min), one in five a host down for
 * a day; gone for good (disk lost with the host, operator quits) after two years on average.
 */
export const OPERATOR: NodeClass = {
  name: 'operator',
  availability: 0.99,
  absences: [{ share: 0.8, meanHours: 0.5 }, { share: 0.2, meanHours: 24 }],
  meanLifetimeDays: 730
}

/** The target mix: tabs at 0.3, 10 % of nodes run by operators at 0.99. */
export const TARGET_MIX: Mix = { operatorFraction: 0.1, tab: TAB, operator: OPERATOR }

const MINUTE = 1 / 60

/**
 * Today: 10 + 5 on the 15 closest live nodes; a holder is declared dead after the health checks (5-minute
 * interval, 3 retries 2 s apart: within about 5 minutes of leaving) and its shard is rebuilt at once (a repair
 * round starts within a quarter interval; about 2 minutes to rebuild and store).
 */
export const TODAY: Policy = {
  name: 'today: 10-of-15, closest, eager',
  k: 10,
  n: 15,
  placement: { kind: 'closest' },
  graceHours: { tab: 5 * MINUTE, operator: 5 * MINUTE },
  threshold: 14,
  repairHours: 2 * MINUTE
}

function eager (k: number, n: number): Policy {
  return { ...TODAY, name: `${k}-of-${n}, closest, eager`, k, n, threshold: n - 1 }
}

/** Grace 7 days for tabs and 3 for operators, a 1-hour repair, and a threshold of r (n - r written off). */
export function graced (k: number, n: number, operators: number | undefined, threshold: number, tabGraceHours = 168): Policy {
  const holders = operators === undefined ? 'closest' : `${operators} operators + ${n - operators} tabs`
  return {
    name: `${k}-of-${n}, ${holders}, repair at ${threshold}`,
    k,
    n,
    placement: operators === undefined ? { kind: 'closest' } : { kind: 'operators-first', operators },
    graceHours: { tab: tabGraceHours, operator: 72 },
    threshold,
    repairHours: 1
  }
}

/** Repair once a third of the parity holders are written off: the threshold rule of the stripe comparison. */
export function thirdOfParity (k: number, n: number): number {
  return n - Math.round((n - k) / 3)
}

/**
 * The policy DURABILITY.md recommends: 10-of-30, the 14 closest operator nodes (distinct hosts) and the 16
 * closest tabs, tabs written off after 7 days away and operators after 3, repair once 7 holders are written off.
 */
export const RECOMMENDED: Policy = { ...graced(10, 30, 14, 23), name: 'recommended: 10-of-30, 14 operators + 16 tabs, repair at 23' }

/**
 * The recommended policy as the node implements it (`operatorHolders=10+20=14` with `namespaceStripes`,
 * `repairThreshold=10+20=23` and the graces): the nearest operator nodes whatever their host, since a node does not
 * know which operator nodes share one.
 */
export const AS_BUILT: Policy = {
  ...RECOMMENDED,
  name: 'as built: recommended, operator hosts not known',
  placement: { kind: 'operators-first', operators: 14, distinctHosts: false }
}

/** Today, a wider eager stripe, grace + threshold on the closest nodes, then operators first. */
export const COMPARED: Policy[] = [
  TODAY,
  eager(10, 20),
  graced(10, 15, undefined, 12),
  graced(10, 30, undefined, 23),
  graced(10, 15, 10, 12),
  graced(10, 20, 10, 17),
  graced(10, 30, 10, 23),
  RECOMMENDED
]
