import { describe, expect, it } from 'vitest'
import { WalletIdentity } from '../identity/index.ts'
import type { ChunkExchange } from '../protocols/index.ts'
import { MemoryChunkStore } from '../store/index.ts'
import { makeObject } from '../testing/chunk-nodes.ts'
import type { RepairContext } from './context.ts'
import { ObjectSteps } from './object-steps.ts'
import type { ObjectPlan } from './plan.ts'
import { RepairLog } from './report.ts'
import { emptyRound } from './repair-settings.ts'

const SELF = 'self-node'

/** A context whose chunk requests all fail: a rebuild that starts is seen as one more failure and one fetch. */
function failingContext (): { ctx: RepairContext, fetches: () => number } {
  let fetches = 0
  const exchange = {
    fetch: async () => { fetches++; throw new Error('no holder answers in this test') }
  } as unknown as ChunkExchange
  const ctx: RepairContext = {
    exchange,
    selfId: SELF,
    store: new MemoryChunkStore(),
    placementRules: new Map(),
    isDead: () => false,
    checkedManifests: new Map(),
    rebuiltBytesByOwner: new Map(),
    log: () => {},
    signal: new AbortController().signal
  }
  return { ctx, fetches: () => fetches }
}

function rebuildPlan (): ObjectPlan {
  return {
    keepers: new Map(),
    missing: [3],
    rebuilds: [{ index: 3, to: 'other-node', sole: true }],
    moves: [],
    drops: [],
    repairers: [SELF],
    spares: [],
    uncertain: false
  } as unknown as ObjectPlan
}

describe('repair work per owner (issue 15 item 3)', () => {
  it('rebuilds at most maxRebuildBytesPerOwner of one owner\'s codewords in a round; the rest waits, other owners go on', async () => {
    const owner = WalletIdentity.generate()
    const another = WalletIdentity.generate()
    const objects = await Promise.all([1, 2, 3].map(async seed => await makeObject(owner, { seed, length: 10_000 })))
    const foreign = await makeObject(another, { seed: 4, length: 10_000 })
    const codeword = (objects[0].manifest.k + objects[0].manifest.m) * objects[0].manifest.shardSize
    const steps = new ObjectSteps({
      selfId: SELF,
      // Room for two of the owner's codewords per round.
      settings: { handoffGraceMs: 0, fallbackDelayMs: 0, maxRebuildBytesPerOwner: 2 * codeword },
      tasks: new RepairLog(10, Date.now),
      now: Date.now,
      emit: () => {},
      roundNumber: () => 1
    })
    const { ctx, fetches } = failingContext()
    const round = emptyRound(Date.now())
    for (const object of [...objects, foreign]) {
      await steps.act(ctx, { manifest: object.manifest, manifestBytes: object.manifestBytes }, 'key', rebuildPlan(), new Map(), new Set(), new Map(), round)
    }
    // Two of the owner's three rebuilds ran (and failed here, for want of holders), the third was put off; the
    // other owner's budget is its own.
    expect(round.overBudget).toBe(1)
    expect(round.failures).toBe(3)
    expect(fetches()).toBe(3)
    expect(ctx.rebuiltBytesByOwner.get(owner.address)).toBe(2 * codeword)
    expect(ctx.rebuiltBytesByOwner.get(another.address)).toBe(codeword)
  })

  it('always lets an owner\'s first rebuild of a round run, however large', async () => {
    const owner = WalletIdentity.generate()
    const object = await makeObject(owner, { seed: 5, length: 50_000 })
    const steps = new ObjectSteps({
      selfId: SELF,
      settings: { handoffGraceMs: 0, fallbackDelayMs: 0, maxRebuildBytesPerOwner: 1 },
      tasks: new RepairLog(10, Date.now),
      now: Date.now,
      emit: () => {},
      roundNumber: () => 1
    })
    const { ctx, fetches } = failingContext()
    const round = emptyRound(Date.now())
    await steps.act(ctx, { manifest: object.manifest, manifestBytes: object.manifestBytes }, 'key', rebuildPlan(), new Map(), new Set(), new Map(), round)
    expect(round.overBudget).toBe(0)
    expect(fetches()).toBe(1)
  })
})
