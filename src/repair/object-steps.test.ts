import { describe, expect, it } from 'vitest'
import { ObjectSteps } from './object-steps.ts'
import { planObject } from './plan.ts'
import { emptyRound, repairTimings, uncertainRetryDelay, DEFAULT_UNCERTAIN_RETRY_MS } from './repair-settings.ts'
import { RepairLog } from './report.ts'
import type { KnownManifest } from './manifest-cache.ts'
import type { RepairContext } from './context.ts'

const peers = Array.from({ length: 17 }, (_, i) => `peer-${String(i).padStart(2, '0')}`)

describe('an object whose expected holder did not answer LIST', () => {
  it('is left as it is this round: nothing rebuilt, counted as waiting', async () => {
    const now = 1_000_000
    const steps = new ObjectSteps({
      selfId: peers[0],
      settings: { handoffGraceMs: 600_000, fallbackDelayMs: 60_000 },
      tasks: new RepairLog(10, () => now),
      now: () => now,
      emit: () => {},
      roundNumber: () => 1
    })
    // Every expected holder but peer-05 answered, each holding its own shard; peer-05's holdings are unknown.
    const held = new Map(peers.slice(0, 15).filter(p => p !== 'peer-05').map((p, i) => [p, new Set([i >= 5 ? i + 1 : i])]))
    const unknown = new Set(['peer-05'])
    const plan = planObject({ total: 15, ranked: peers, closest: peers.slice(0, 15), held, unknown })
    expect(plan.uncertain).toBe(true)
    const round = emptyRound(now)
    const known = { manifest: { objectId: 'a'.repeat(64) }, manifestBytes: new Uint8Array() } as unknown as KnownManifest
    await steps.act({} as RepairContext, known, 'key', plan, held, unknown, new Map(), round)
    expect(round.waiting).toBe(1)
    expect(round.rebuilt).toBe(0)
  })

  it('has its key surveyed again one health interval later (at most 30 s), backing off up to the regular interval', () => {
    const timings = repairTimings(2_000)
    expect(timings.uncertainRetryMs).toBe(2_000)
    expect([1, 2, 3, 4].map(streak => uncertainRetryDelay(streak, timings))).toEqual([2_000, 4_000, 8_000, timings.intervalMs])
    expect(repairTimings(300_000).uncertainRetryMs).toBe(DEFAULT_UNCERTAIN_RETRY_MS)
    // The first retry comes well before the regular round, which is five health intervals away.
    expect(repairTimings(300_000).intervalMs).toBeGreaterThan(DEFAULT_UNCERTAIN_RETRY_MS)
    // The next holder takes over after two health intervals, at most a minute.
    expect(repairTimings(2_000).fallbackDelayMs).toBe(4_000)
    expect(repairTimings(300_000).fallbackDelayMs).toBe(60_000)
  })
})
