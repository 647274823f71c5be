import { describe, expect, it } from 'vitest'
import { WalletIdentity } from '../identity/index.ts'
import type { ChunkExchange } from '../protocols/index.ts'
import { MemoryChunkStore } from '../store/index.ts'
import { makeObject, shardInput, type TestObject } from '../testing/chunk-nodes.ts'
import type { ShardIndex } from '../types/index.ts'
import { sha256 } from '../crypto/index.ts'
import { DEFAULT_PLACEMENT_RULES } from '../placement/index.ts'
import type { RepairContext } from './context.ts'
import { KeeperMissingShardError } from './errors.ts'
import { dropDuplicate, handOffShard } from './handoff.ts'
import { RepairLog } from './report.ts'

const owner = WalletIdentity.generate()

/** A peer that acknowledges every STORE; what it sends back when asked is up to the test. */
function fakeExchange (object: TestObject, keeps: 'everything' | 'nothing' | 'junk'): { exchange: ChunkExchange, stored: number[] } {
  const stored: number[] = []
  const exchange = {
    store: async (_peer: string, input: { shardIndex: number }) => { stored.push(input.shardIndex) },
    fetch: async () => keeps === 'nothing'
      ? []
      : stored.map(index => ({ ...shardInput(object, index), shard: keeps === 'junk' ? object.shards[index].map(b => b ^ 1) : object.shards[index] }))
  }
  return { exchange: exchange as unknown as ChunkExchange, stored }
}

async function setUp (keeps: 'everything' | 'nothing' | 'junk', version: 1 | 2): Promise<{ ctx: RepairContext, object: TestObject, store: MemoryChunkStore }> {
  const object = await makeObject(owner, { version })
  const store = new MemoryChunkStore()
  const { manifest, manifestBytes, shard, shardProof } = shardInput(object, 3)
  await store.put({
    placementKey: manifest.placementKey, owner: manifest.owner, objectId: manifest.objectId, shardIndex: 3 as ShardIndex,
    data: shard, shardHash: sha256(shard), manifest: manifestBytes, ...(shardProof === undefined ? {} : { shardProof }), storedAt: Date.now(), size: shard.length
  })
  const { exchange } = fakeExchange(object, keeps)
  const ctx: RepairContext = {
    exchange, selfId: 'self', store, placementRules: DEFAULT_PLACEMENT_RULES, isDead: () => false,
    checkedManifests: new Map(), rebuiltBytesByOwner: new Map(), log: () => {}, signal: new AbortController().signal
  }
  return { ctx, object, store }
}

describe('hand-off keeps its copy until the receiver shows it holds the shard', () => {
  for (const version of [1, 2] as const) {
    it(`deletes the local copy once the receiver sends a valid copy back (manifest v${version})`, async () => {
      const { ctx, object, store } = await setUp('everything', version)
      const task = new RepairLog().begin('handoff', object.manifest.objectId, 'key', [3])
      expect(await handOffShard(ctx, object.manifest, object.manifestBytes, 3, 'closer', task)).toBe(true)
      expect(await store.get(object.manifest.objectId, 3 as ShardIndex)).toBeUndefined()
      expect(task.placements).toEqual([{ shardIndex: 3, peer: 'closer' }])
    })
  }

  it('keeps the local copy when the receiver acknowledged the STORE but keeps nothing, or keeps junk', async () => {
    for (const keeps of ['nothing', 'junk'] as const) {
      const { ctx, object, store } = await setUp(keeps, 2)
      const task = new RepairLog().begin('handoff', object.manifest.objectId, 'key', [3])
      await expect(handOffShard(ctx, object.manifest, object.manifestBytes, 3, 'liar', task)).rejects.toThrow(KeeperMissingShardError)
      expect((await store.get(object.manifest.objectId, 3 as ShardIndex))?.data).toEqual(object.shards[3])
      expect(task.placements).toEqual([])
    }
  })

  it('drops a duplicate only after the keeper sends a valid copy', async () => {
    const { ctx, object, store } = await setUp('nothing', 2)
    const task = new RepairLog().begin('drop', object.manifest.objectId, 'key', [3])
    await expect(dropDuplicate(ctx, object.manifest, 3, 'keeper', task)).rejects.toThrow(/should keep shard 3/)
    expect(await store.get(object.manifest.objectId, 3 as ShardIndex)).toBeDefined()
  })
})
