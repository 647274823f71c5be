import { describe, expect, it } from 'vitest'
import { defaultChurnEvents, kadPrefix, prefixDistance, simulateChurn, type ChurnOptions } from './churn.ts'
import { InvalidModelInputError } from './errors.ts'
import { EventQueue } from './event-queue.ts'
import { OPERATOR, RECOMMENDED, TAB, TODAY } from './policies.ts'
import type { Policy } from './model.ts'
import { rankByDistance } from '../../src/placement/index.ts'
import { mulberry32, randomBytes } from '../../src/testing/seeded-random.ts'

/** The acceptance scenario: 200 nodes (10 % operators) for a simulated week, with the correlated events. */
function week (policy: Policy, overrides: Partial<ChurnOptions> = {}): ChurnOptions {
  return {
    nodes: 200,
    operatorFraction: 0.1,
    hostNodes: 4,
    objects: 1000,
    days: 7,
    seed: 7,
    policy,
    tab: TAB,
    operator: OPERATOR,
    sampleEveryHours: 1,
    events: defaultChurnEvents(7),
    ...overrides
  }
}

describe('churn simulation', () => {
  it.each([['today', TODAY], ['recommended', RECOMMENDED]])('a week of churn over 200 nodes with %s\'s policy loses no object, and it is readable as often as the model says', (_name, policy) => {
    const report = simulateChurn(week(policy))
    expect(report.lost).toBe(0)
    expect(report.departures).toBeGreaterThan(1000)
    expect(report.events.map(e => e.nodes).every(n => n > 0)).toBe(true)
    expect(report.readableFractionOutsideEvents).toBeGreaterThanOrEqual(report.modelReadableInterval.low)
    expect(report.readableFractionOutsideEvents).toBeLessThanOrEqual(report.modelReadableInterval.high)
    expect(report.readableWithinModel).toBe(true)
  })

  it('today\'s eager repair rebuilds about as much as the model predicts, and a third of the tabs closing at once leaves objects unreadable until repairs land', () => {
    const report = simulateChurn(week(TODAY))
    expect(report.repairBytesPerObjectYear).toBeGreaterThan(report.modelRepairBytesPerObjectYear * 0.5)
    expect(report.repairBytesPerObjectYear).toBeLessThan(report.modelRepairBytesPerObjectYear * 1.5)
    const closing = report.events.find(e => e.kind === 'tabs-close')
    expect(closing?.minReadableFraction).toBeLessThan(1)
    expect(report.minReadableFraction).toBe(closing?.minReadableFraction)
  })

  it('the recommended policy keeps every object readable through the same week and events, with its operator holders on distinct hosts', () => {
    const report = simulateChurn(week(RECOMMENDED))
    expect(report.minReadableFraction).toBe(1)
    expect(report.operatorHoldersPerObject).toBe(14)
    // The host of 4 nodes costs an object at most one shard: nothing becomes unreadable when it dies.
    expect(report.events.find(e => e.kind === 'operator-host-lost')).toMatchObject({ nodes: 4, lost: 0, minReadableFraction: 1 })
  })

  it('counts objects whose last shards went with nodes gone for good', () => {
    const neverRepairs: Policy = { name: 'no repair', k: 10, n: 15, placement: { kind: 'closest' }, graceHours: { tab: 1e6, operator: 1e6 }, threshold: 10, repairHours: 1 }
    const report = simulateChurn(week(neverRepairs, { operatorFraction: 0, events: [{ kind: 'tabs-gone', atDays: 1, fraction: 0.9 }], warmupDays: 0 }))
    expect(report.repairs).toBe(0)
    expect(report.lost).toBeGreaterThan(900)
    expect(report.events[0].lost).toBe(report.lost)
    expect(report.minReadableFraction).toBeLessThan(0.1)
  })

  it('gives the same report for the same seed, and another for another seed', () => {
    const options = week(TODAY, { nodes: 100, objects: 200, days: 2, events: defaultChurnEvents(2) })
    expect(simulateChurn(options)).toEqual(simulateChurn(options))
    expect(simulateChurn({ ...options, seed: 8 }).departures).not.toBe(simulateChurn(options).departures)
  })

  it('refuses what it cannot simulate with a typed error', () => {
    expect(() => simulateChurn(week(RECOMMENDED, { nodes: 100 }))).toThrow(/14 shards on distinct operator nodes; the scenario has 10/)
    expect(() => simulateChurn(week(TODAY, { days: 0 }))).toThrow(InvalidModelInputError)
    expect(() => simulateChurn(week(TODAY, { objects: 1.5 }))).toThrow(/objects must be a whole number/)
    expect(() => simulateChurn(week(TODAY, { events: [{ kind: 'operator-host-lost', atDays: 9 }] }))).toThrow(/outside the run/)
    expect(() => simulateChurn(week(TODAY, { events: [{ kind: 'tabs-close', atDays: 1, fraction: 2, hours: 1 }] }))).toThrow(/fraction must be between 0 and 1/)
  })

  it('orders nodes by XOR distance as the mesh\'s placement does', () => {
    const random = mulberry32(3)
    for (let round = 0; round < 20; round++) {
      const key = randomBytes(random, 32)
      const ids = Array.from({ length: 300 }, () => randomBytes(random, 32))
      const mesh = rankByDistance(key, ids, id => id).map(r => r.item)
      const sim = [...ids].sort((a, b) => prefixDistance(kadPrefix(key), kadPrefix(a)) - prefixDistance(kadPrefix(key), kadPrefix(b)))
      expect(sim).toEqual(mesh)
    }
  })
})

describe('event queue', () => {
  it('pops the earliest event first, and events of one moment in the order they were pushed', () => {
    const queue = new EventQueue<{ at: number, name: string }>()
    const random = mulberry32(5)
    const pushed = Array.from({ length: 500 }, (_, i) => ({ at: Math.floor(random() * 50), name: `e${i}` }))
    for (const event of pushed) queue.push(event)
    const popped: string[] = []
    while (queue.size > 0) popped.push((queue.pop() as { name: string }).name)
    const expected = [...pushed].sort((a, b) => a.at - b.at || Number(a.name.slice(1)) - Number(b.name.slice(1))).map(e => e.name)
    expect(popped).toEqual(expected)
    expect(queue.pop()).toBeUndefined()
    expect(queue.peekTime()).toBe(Infinity)
  })
})
