/**
 * The grace per holder class: a dead holder that is a browser tab keeps counting for `tabLostAfterMs`, any other
 * for `lostAfterMs`; unset, the tab grace is `lostAfterMs`. A tab with best-effort storage gets the shorter of the
 * two. A fake clock and fake surveys, no network.
 */
import { describe, expect, it } from 'vitest'
import type { HolderClass } from '../net/index.ts'
import type { HeldShard } from '../protocols/index.ts'
import { HolderGrace, graceOf } from './holder-grace.ts'
import { resolveRepairSettings, type RepairerInit } from './repair-settings.ts'
import type { KeySurvey } from './survey.ts'

const DAY = 86_400_000
const KEY = 'aa'
const TAB = 'tab'
const OPERATOR = 'operator'
/** A holder that never announced an agent: not known to be a tab. */
const UNKNOWN = 'unknown'
/** A tab that announced best-effort storage: the browser may evict its shards while it is closed. */
const BEST_EFFORT_TAB = 'best-effort-tab'
/** The class each holder announced, as the peer keeper keeps them. */
const CLASSES: Record<string, HolderClass> = { [TAB]: 'tab', [OPERATOR]: 'operator', [BEST_EFFORT_TAB]: 'best-effort-tab', live: 'operator' }

const shard = (objectId: string, shardIndex: number): HeldShard => ({ objectId, shardIndex }) as unknown as HeldShard
const survey = (held: Record<string, HeldShard[]>, failed: string[] = []): KeySurvey =>
  ({ held: new Map(Object.entries(held)), failed: new Map(failed.map(peer => [peer, 'unreachable'])) })

/**
 * A HolderGrace over `settings` (resolved as the repairer resolves them), its clock, and the dead set it reads. With
 * `withBestEffortTab`, a tab with best-effort storage holds shard 4 too.
 */
function setup (settings: Partial<RepairerInit>, withBestEffortTab = false) {
  const clock = { ms: 1_000_000 }
  const dead = new Set<string>()
  const newGrace = (): HolderGrace => new HolderGrace({
    settings: resolveRepairSettings(settings as RepairerInit),
    classOf: peer => CLASSES[peer] ?? 'unknown',
    declaredDead: peer => dead.has(peer),
    distrusted: () => false,
    now: () => clock.ms
  })
  let grace = newGrace()
  // Every holder answered the first survey: the tab holds shard 0, the operator 1, the unknown holder 2.
  grace.holdings(KEY, survey({
    [TAB]: [shard('o', 0)],
    [OPERATOR]: [shard('o', 1)],
    [UNKNOWN]: [shard('o', 2)],
    live: [shard('o', 3)],
    ...(withBestEffortTab ? { [BEST_EFFORT_TAB]: [shard('o', 4)] } : {})
  }))
  const die = (...peers: string[]): void => { for (const peer of peers) { dead.add(peer); grace.died(peer) } }
  /** A survey where only `live` answers: the graced shard indices of object `o`, and when the first grace ends. */
  const graced = (): { indices: number[], until: number } => {
    const { shards, until } = grace.holdings(KEY, survey({ live: [shard('o', 3)] }))
    return { indices: [...(shards.get('o') ?? [])].sort((a, b) => a - b), until }
  }
  /** The node restarts: a new HolderGrace, on the same clock and health verdicts, that `graced` asks from then on. */
  const restart = (): HolderGrace => { grace = newGrace(); return grace }
  return { clock, grace, die, graced, restart, dead }
}

describe('the grace of a dead holder, per class', () => {
  it('keeps a tab inside its longer grace counting while an operator dead as long no longer counts', () => {
    const { clock, grace, die, graced } = setup({ lostAfterMs: 3 * DAY, tabLostAfterMs: 7 * DAY })
    const diedAt = clock.ms
    die(TAB, OPERATOR, UNKNOWN)
    clock.ms += 2 * DAY
    // Two days: all three inside their graces; the first grace to end is the operators' (3 days).
    expect(graced()).toEqual({ indices: [0, 1, 2], until: diedAt + 3 * DAY })
    clock.ms += 2 * DAY
    // Four days: the operator and the holder of unknown class are lost, the tab still counts until day 7.
    expect([grace.inGrace(TAB), grace.inGrace(OPERATOR), grace.inGrace(UNKNOWN)]).toEqual([true, false, false])
    expect(graced()).toEqual({ indices: [0], until: diedAt + 7 * DAY })
    expect([...grace.gracedPeers()]).toEqual([TAB])
    clock.ms += 3 * DAY - 1
    expect(graced()).toEqual({ indices: [0], until: diedAt + 7 * DAY })
    clock.ms += 1
    expect(graced()).toEqual({ indices: [], until: Infinity })
    expect(grace.inGrace(TAB)).toBe(false)
  })

  it('ends each holder\'s grace by its own class: a tab with the shorter grace is lost first', () => {
    const { clock, die, graced } = setup({ lostAfterMs: 3 * DAY, tabLostAfterMs: DAY })
    die(OPERATOR)
    const operatorDiedAt = clock.ms
    clock.ms += DAY / 2
    die(TAB)
    const tabDiedAt = clock.ms
    // The tab died later but its grace ends first: a single grace would have said operatorDiedAt + 3 days.
    expect(graced()).toEqual({ indices: [0, 1], until: tabDiedAt + DAY })
    clock.ms = tabDiedAt + DAY
    expect(graced()).toEqual({ indices: [1], until: operatorDiedAt + 3 * DAY })
  })

  it('without tabLostAfterMs, gives tabs lostAfterMs: both classes count alike and are lost together', () => {
    const { clock, grace, die, graced } = setup({ lostAfterMs: 3 * DAY })
    expect([grace.graceOf(TAB), grace.graceOf(OPERATOR), grace.graceOf(UNKNOWN)]).toEqual([3 * DAY, 3 * DAY, 3 * DAY])
    const diedAt = clock.ms
    die(TAB, OPERATOR)
    clock.ms += 3 * DAY - 1
    expect(graced()).toEqual({ indices: [0, 1], until: diedAt + 3 * DAY })
    clock.ms += 1
    expect(graced()).toEqual({ indices: [], until: Infinity })
  })

  it('keeps the online history when only the tabs have a grace, and none when neither has', () => {
    const tabsOnly = setup({ lostAfterMs: 0, tabLostAfterMs: 7 * DAY })
    expect(tabsOnly.grace.enabled).toBe(true)
    const diedAt = tabsOnly.clock.ms
    tabsOnly.die(TAB, OPERATOR)
    tabsOnly.clock.ms += DAY
    // The operator is lost at once (today's policy for it), the tab counts from when it was declared dead.
    expect(tabsOnly.graced()).toEqual({ indices: [0], until: diedAt + 7 * DAY })
    const neither = setup({})
    expect(neither.grace.enabled).toBe(false)
    neither.die(TAB, OPERATOR)
    expect(neither.graced()).toEqual({ indices: [], until: Infinity })
  })

  it('gives a tab with best-effort storage the operators\' grace when that is shorter, and never a longer one', () => {
    const { clock, grace, die, graced } = setup({ lostAfterMs: 3 * DAY, tabLostAfterMs: 7 * DAY }, true)
    expect([grace.graceOf(TAB), grace.graceOf(BEST_EFFORT_TAB), grace.graceOf(OPERATOR)]).toEqual([7 * DAY, 3 * DAY, 3 * DAY])
    const diedAt = clock.ms
    die(TAB, BEST_EFFORT_TAB, OPERATOR)
    clock.ms += 3 * DAY - 1
    expect(graced()).toEqual({ indices: [0, 1, 4], until: diedAt + 3 * DAY })
    clock.ms += 1
    // Three days: the best-effort tab is lost with the operator (its shards may be gone); the other tab still counts.
    expect([grace.inGrace(TAB), grace.inGrace(BEST_EFFORT_TAB), grace.inGrace(OPERATOR)]).toEqual([true, false, false])
    expect(graced()).toEqual({ indices: [0], until: diedAt + 7 * DAY })

    // Where tabs have the shorter grace, a best-effort tab keeps it: it is lost with the other tabs.
    const shortTabs = setup({ lostAfterMs: 3 * DAY, tabLostAfterMs: DAY }, true)
    expect([shortTabs.grace.graceOf(TAB), shortTabs.grace.graceOf(BEST_EFFORT_TAB)]).toEqual([DAY, DAY])
    const shortTabsDiedAt = shortTabs.clock.ms
    shortTabs.die(TAB, BEST_EFFORT_TAB, OPERATOR)
    shortTabs.clock.ms += DAY
    expect(shortTabs.graced()).toEqual({ indices: [1], until: shortTabsDiedAt + 3 * DAY })
  })

  it('graceOf: tabs get tabLostAfterMs, operator nodes and holders of unknown class lostAfterMs', () => {
    const settings = { lostAfterMs: 5, tabLostAfterMs: 9 }
    expect((['tab', 'operator', 'unknown'] as const).map(holderClass => graceOf(settings, holderClass))).toEqual([9, 5, 5])
  })

  it('graceOf: a tab with best-effort storage gets min(lostAfterMs, tabLostAfterMs)', () => {
    expect(graceOf({ lostAfterMs: 5, tabLostAfterMs: 9 }, 'best-effort-tab')).toBe(5)
    expect(graceOf({ lostAfterMs: 9, tabLostAfterMs: 5 }, 'best-effort-tab')).toBe(5)
    // Persistent storage, or nothing said (an older tab): the tabs' grace.
    expect(graceOf({ lostAfterMs: 5, tabLostAfterMs: 9 }, 'tab')).toBe(9)
    // With no grace for operator nodes (lostAfterMs 0), a best-effort tab has none either: its shards are rebuilt at once.
    expect(graceOf({ lostAfterMs: 0, tabLostAfterMs: 9 }, 'best-effort-tab')).toBe(0)
  })

  it('after a restart within a health interval, counts a dead holder for the rest of its grace, from its first death', () => {
    const { clock, grace, die, graced, restart } = setup({ lostAfterMs: 3 * DAY, tabLostAfterMs: 7 * DAY })
    const diedAt = clock.ms
    die(TAB, OPERATOR)
    clock.ms += 2 * DAY
    expect(graced()).toEqual({ indices: [0, 1], until: diedAt + 3 * DAY })
    const snapshot = grace.snapshot()!
    // Down for a minute; the health interval is 5 minutes.
    clock.ms += 60_000
    expect(restart().restore(snapshot, 5 * 60_000)).toBe(2)
    expect(graced()).toEqual({ indices: [0, 1], until: diedAt + 3 * DAY })
    clock.ms = diedAt + 3 * DAY
    // The operator's grace ends when it would have without the restart; the tab's goes on to day 7.
    expect(graced()).toEqual({ indices: [0], until: diedAt + 7 * DAY })
  })

  it('after a longer stop, still counts what dead holders held but starts their graces over; without the record, nothing', () => {
    const { clock, grace, die, graced, restart } = setup({ lostAfterMs: 3 * DAY, tabLostAfterMs: 7 * DAY })
    die(TAB, OPERATOR)
    clock.ms += 2 * DAY
    const snapshot = grace.snapshot()!
    // Down for 10 minutes: either may have come back and died again meanwhile, so neither spell keeps its start.
    clock.ms += 10 * 60_000
    const restartedAt = clock.ms
    expect(restart().restore(snapshot, 5 * 60_000)).toBe(0)
    expect(graced()).toEqual({ indices: [0, 1], until: restartedAt + 3 * DAY })
    // A node that kept no record does not know what they held: their shards count for nothing.
    restart()
    expect(graced()).toEqual({ indices: [], until: Infinity })
    // And with no grace at all, nothing is kept to begin with.
    expect(setup({}).grace.snapshot()).toBeUndefined()
  })

  it('after a restart, counts a restored dead holder until this run\'s health monitor judges it, then by its verdict', () => {
    const { clock, grace, die, graced, restart, dead } = setup({ lostAfterMs: 3 * DAY, tabLostAfterMs: 7 * DAY })
    const diedAt = clock.ms
    die(TAB, OPERATOR)
    clock.ms += DAY
    const snapshot = grace.snapshot()!
    clock.ms += 60_000
    // The new run's health monitor has not checked either yet (its first round comes an interval after joining).
    dead.clear()
    const restarted = restart()
    restarted.restore(snapshot, 5 * 60_000)
    expect(graced()).toEqual({ indices: [0, 1], until: diedAt + 3 * DAY })
    expect([...restarted.gracedPeers()].sort()).toEqual([OPERATOR, TAB]) // watched by the health monitor
    // Its verdicts: the operator answers, the tab is dead still and its spell goes on from its first death.
    restarted.alive(OPERATOR)
    die(TAB)
    expect(graced()).toEqual({ indices: [0], until: diedAt + 7 * DAY })
  })
})
