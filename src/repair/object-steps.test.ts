import { describe, expect, it } from 'vitest'
import { ObjectSteps } from './object-steps.ts'
import { planObject } from './plan.ts'
import { emptyRound, repairTimings, DEFAULT_UNCERTAIN_RETRY_MS } from './repair-settings.ts'
import { RepairLog } from './report.ts'
import type { KnownManifest } from './manifest-cache.ts'
import type { RepairContext } from './context.ts'

const peers = Array.from({ length: 17 }, (_, i) => `peer-${String(i).padStart(2, '0')}`)

describe('an object whose expected holder did not answer LIST', () => {
  it('is examined again one retry delay later, not at the next regular round', async () => {
    const now = 1_000_000
    const steps = new ObjectSteps({
      selfId: peers[0],
      settings: { handoffGraceMs: 600_000, fallbackDelayMs: 60_000, uncertainRetryMs: 2_000 },
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
    expect(round.nextDueAt).toBe(now + 2_000)
  })

  it('waits one health interval, at most 30 s, before that retry', () => {
    expect(repairTimings(2_000).uncertainRetryMs).toBe(2_000)
    expect(repairTimings(300_000).uncertainRetryMs).toBe(DEFAULT_UNCERTAIN_RETRY_MS)
    // Still well inside the regular round, which comes every five health intervals.
    expect(repairTimings(300_000).intervalMs).toBeGreaterThan(DEFAULT_UNCERTAIN_RETRY_MS)
  })
})
