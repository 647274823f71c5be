import { describe, expect, it } from 'vitest'
import { NS_DELETE } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { DEFAULT_PLACEMENT_RULES } from '../placement/index.ts'
import type { HeldShard, TombstoneExchange } from '../protocols/index.ts'
import { MemoryChunkStore, type Tombstone } from '../store/index.ts'
import type { ObjectId } from '../types/index.ts'
import { deleteAuthorization } from '../wire/index.ts'
import type { RepairContext } from './context.ts'
import { emptyRound } from './repair-settings.ts'
import { DEFAULT_PASS_ONS_PER_PEER, DEFAULT_PASS_ONS_PER_ROUND, DEFAULT_PASS_ON_AGAIN_AFTER_MS, TombstoneRelay } from './tombstone-relay.ts'

const owner = WalletIdentity.generate()
const placementKey = new Uint8Array(32).fill(7)
const objectIdOf = (n: number): ObjectId => n.toString(16).padStart(64, '0') as ObjectId

function tombstone (n: number, deletedAt: number): Tombstone {
  const objectId = objectIdOf(n)
  return { objectId, owner: owner.address, deletedAt, placementKey, signature: owner.sign(NS_DELETE, deleteAuthorization(objectId, undefined, deletedAt)) }
}

/** A relay over a store keeping `count` tombstones, whose exchange records what it is asked to send. */
async function setUp (count: number): Promise<{ relay: TombstoneRelay, ctx: RepairContext, sent: Array<[string, ObjectId]>, clock: { ms: number } }> {
  const clock = { ms: 1_800_000_000_000 }
  const store = new MemoryChunkStore()
  for (let n = 1; n <= count; n++) await store.putTombstone(tombstone(n, clock.ms - 60_000))
  const sent: Array<[string, ObjectId]> = []
  const exchange: TombstoneExchange = { passOnTombstone: async (peer, { objectId }) => { sent.push([peer, objectId]); return 1 } }
  const relay = new TombstoneRelay({
    exchange,
    settings: {
      tombstoneRetentionMs: 90 * 86_400_000, tombstonesScannedPerRound: 4096, tombstoneKeysPerRound: 4, passOnsPerPeer: DEFAULT_PASS_ONS_PER_PEER,
      passOnsPerRound: DEFAULT_PASS_ONS_PER_ROUND, passOnAgainAfterMs: DEFAULT_PASS_ON_AGAIN_AFTER_MS, resurveyAfterMs: 3_600_000, surveyConcurrency: 4
    },
    now: () => clock.ms,
    emit: () => {},
    ring: async () => []
  })
  const ctx = {
    exchange: {}, selfId: 'self', store, placementRules: DEFAULT_PLACEMENT_RULES, isDead: () => false,
    checkedManifests: new Map(), rebuiltBytesByOwner: new Map(), log: () => {}, signal: new AbortController().signal
  } as unknown as RepairContext
  return { relay, ctx, sent, clock }
}

/** A LIST answer claiming one shard of each object numbered in `objects`. */
const claims = (objects: number[]): HeldShard[] => objects.map(n => ({
  objectId: objectIdOf(n), shardIndex: 0, shardHash: new Uint8Array(32), size: 1, placementKey, owner: owner.address, storedAt: 0
}))
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('passing tombstones on is bounded per peer and per round', () => {
  it('sends a peer claiming 200 deleted objects 16 deletes a round, none twice within 10 minutes, and no peer more than its share', async () => {
    const { relay, ctx, sent, clock } = await setUp(200)
    const liar = new Map([['liar', claims(range(1, 200))]])
    await relay.passOnClaims(ctx, relay.beginRound(), emptyRound(clock.ms), liar)
    expect(sent).toHaveLength(DEFAULT_PASS_ONS_PER_PEER)
    await relay.passOnClaims(ctx, relay.beginRound(), emptyRound(clock.ms), liar)
    expect(sent).toHaveLength(2 * DEFAULT_PASS_ONS_PER_PEER)
    expect(new Set(sent.map(([, objectId]) => objectId)).size).toBe(2 * DEFAULT_PASS_ONS_PER_PEER)
    // Eight peers claiming the same 200: 64 deletes in all in one round, each peer at most 16.
    sent.length = 0
    const crowd = new Map(range(1, 8).map(i => [`peer-${i}`, claims(range(1, 200))]))
    await relay.passOnClaims(ctx, relay.beginRound(), emptyRound(clock.ms), crowd)
    expect(sent).toHaveLength(DEFAULT_PASS_ONS_PER_ROUND)
    const perPeer = new Map<string, number>()
    for (const [peer] of sent) perPeer.set(peer, (perPeer.get(peer) ?? 0) + 1)
    expect(Math.max(...perPeer.values())).toBeLessThanOrEqual(DEFAULT_PASS_ONS_PER_PEER)
    // Once the pairs are 10 minutes old, the first ones may go again.
    sent.length = 0
    clock.ms += DEFAULT_PASS_ON_AGAIN_AFTER_MS
    await relay.passOnClaims(ctx, relay.beginRound(), emptyRound(clock.ms), liar)
    expect(sent.map(([, objectId]) => objectId)).toEqual(range(1, 16).map(objectIdOf))
  })

  it('sends nothing for objects it keeps no tombstone of, or an expired one, or that it holds itself', async () => {
    const { relay, ctx, sent, clock } = await setUp(3)
    await ctx.store.putTombstone(tombstone(4, clock.ms - 91 * 86_400_000))
    await relay.passOnClaims(ctx, relay.beginRound(), emptyRound(clock.ms), new Map([['peer', claims([1, 2, 3, 4, 5])]]), objectId => objectId === objectIdOf(2))
    expect(sent).toEqual([['peer', objectIdOf(1)], ['peer', objectIdOf(3)]])
  })
})
