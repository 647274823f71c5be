import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WalletIdentity } from '../../identity/index.ts'
import { MemoryChunkStore, type ShardRecord } from '../../store/index.ts'
import type { ShardIndex } from '../../types/index.ts'
import { ChunkStatus, ShardHashMismatchError, encodeChunkRequest, type StoreCommand } from '../../wire/index.ts'
import { connect, createTestNode, frame, makeObject, rawExchange, shardInput, snapshot, type TestNode, type TestObject } from '../../testing/chunk-nodes.ts'
import { fetchShards, storeShard, type RejectedShard } from './client.ts'
import { DEFAULT_PLACEMENT_RULES } from '../../placement/index.ts'
import { readFromSelf, storeOnSelf } from './self-holder.ts'
import { startChunkService } from './service.ts'

// Version-2 manifests sign a shard-tree root; each shard travels and is kept with its proof. Holders, readers and
// this node's own store refuse a shard whose proof does not lead to the signed root, with the hash-mismatch errors
// version 1 uses, and version-1 shards keep working beside them.
const alice = WalletIdentity.generate()
let client: TestNode
let holder: TestNode
let holderStore: MemoryChunkStore
let v1: TestObject
let v2: TestObject

beforeAll(async () => {
  ;[client, holder] = await Promise.all([createTestNode(), createTestNode()])
  holderStore = new MemoryChunkStore()
  await startChunkService(holder.libp2p, holder.privateKey, { store: holderStore })
  await connect(client, holder)
  ;[v1, v2] = await Promise.all([makeObject(alice, { seed: 21, length: 35 }), makeObject(alice, { seed: 22, length: 35, version: 2 })])
})

afterAll(async () => {
  await Promise.all([client, holder].map(async node => await node?.libp2p.stop()))
})

async function sendStore (command: Omit<StoreCommand, 'type'>): Promise<{ status: ChunkStatus, message: string }> {
  return await rawExchange(client, holder.libp2p.peerId, frame(encodeChunkRequest({ type: 'store', ...command })))
}

const flipped = (bytes: Uint8Array, at = 0): Uint8Array => { const copy = Uint8Array.from(bytes); copy[at] ^= 0x01; return copy }

describe('a holder checks each version-2 shard against the signed root before keeping it', () => {
  it('refuses with HASH_MISMATCH: no proof, a tampered shard with the genuine proof, another index\'s proof, a longer or flipped proof', async () => {
    const before = await snapshot(holderStore)
    const base = { manifest: v2.manifestBytes, shardIndex: 4, shard: v2.shards[4] }
    const proof = v2.shardProofs[4] as Uint8Array
    const refusals = [
      await sendStore(base),
      await sendStore({ ...base, shard: flipped(v2.shards[4]), shardProof: proof }),
      await sendStore({ ...base, shardProof: v2.shardProofs[5] }),
      await sendStore({ ...base, shardIndex: 5, shardProof: proof }),
      await sendStore({ ...base, shardProof: Uint8Array.of(...proof, ...new Uint8Array(32)) }),
      await sendStore({ ...base, shardProof: proof.subarray(0, 96) }),
      await sendStore({ ...base, shardProof: flipped(proof, 70) }),
      // The last shard of 15 has a 3-hash proof: another shard's 4-hash proof is the wrong length for it.
      await sendStore({ ...base, shardIndex: 14, shard: v2.shards[14], shardProof: proof })
    ]
    expect(refusals.map(reply => reply.status)).toEqual(refusals.map(() => ChunkStatus.HASH_MISMATCH))
    expect(refusals[0].message).toMatch(/without the shard-tree proof/)
    expect(refusals[1].message).toMatch(/do not lead to the manifest's shard root/)
    expect(await snapshot(holderStore)).toBe(before)
  })

  it('refuses a proof that is not whole hashes as MALFORMED, and a version-1 shard sent with a proof as HASH_MISMATCH', async () => {
    const before = await snapshot(holderStore)
    expect((await sendStore({ manifest: v2.manifestBytes, shardIndex: 4, shard: v2.shards[4], shardProof: new Uint8Array(33) })).status).toBe(ChunkStatus.MALFORMED)
    expect((await sendStore({ manifest: v1.manifestBytes, shardIndex: 4, shard: v1.shards[4], shardProof: v2.shardProofs[4] })).status).toBe(ChunkStatus.HASH_MISMATCH)
    expect(await snapshot(holderStore)).toBe(before)
  })

  it('is never sent a version-2 shard without its proof: the client refuses before sending', async () => {
    const { shardProof: _, ...withoutProof } = shardInput(v2, 2)
    await expect(storeShard(client.libp2p, holder.libp2p.peerId, withoutProof)).rejects.toBeInstanceOf(ShardHashMismatchError)
  })
})

describe('version 1 and version 2 objects side by side', () => {
  it('stores both, keeps the proof only with version-2 shards, and serves both verified under one placement key', async () => {
    for (const object of [v1, v2]) {
      for (let index = 0; index < 15; index++) await storeShard(client.libp2p, holder.libp2p.peerId, shardInput(object, index))
    }
    const records = await holderStore.listByPlacementKey(v1.manifest.placementKey)
    expect(records).toHaveLength(30)
    for (const record of records) {
      const object = record.objectId === v2.manifest.objectId ? v2 : v1
      expect(record.shardProof).toEqual(object.shardProofs[record.shardIndex])
    }
    const fetched = await fetchShards(client.libp2p, holder.libp2p.peerId, v1.manifest.placementKey)
    expect(fetched).toHaveLength(30)
    for (const shard of fetched) {
      const object = shard.manifest.objectId === v2.manifest.objectId ? v2 : v1
      expect(shard.manifest.version).toBe(object === v2 ? 2 : 1)
      expect(shard.shard).toEqual(object.shards[shard.shardIndex])
      expect(shard.shardProof).toEqual(object.shardProofs[shard.shardIndex])
    }
  })

  it('drops a fetched version-2 shard whose holder lost, swapped or kept a tampered copy of it, with ShardHashMismatchError', async () => {
    const spoiled = async (index: number, change: (record: ShardRecord) => ShardRecord): Promise<void> => {
      const record = await holderStore.get(v2.manifest.objectId, index as ShardIndex)
      await holderStore.put(change(record!))
    }
    await spoiled(1, ({ shardProof: _, ...record }) => record)
    await spoiled(2, record => ({ ...record, shardProof: v2.shardProofs[3] }))
    await spoiled(3, record => ({ ...record, data: flipped(record.data) }))
    const rejected: RejectedShard[] = []
    const fetched = await fetchShards(client.libp2p, holder.libp2p.peerId, { objectId: v2.manifest.objectId }, { onRejected: r => rejected.push(r) })
    expect(fetched.map(shard => shard.shardIndex)).toEqual([0, ...Array.from({ length: 11 }, (_, i) => i + 4)])
    expect(rejected.map(r => [r.shardIndex, r.reason.name])).toEqual([[1, 'ShardHashMismatchError'], [2, 'ShardHashMismatchError'], [3, 'ShardHashMismatchError']])
  })
})

describe('this node as a holder of its own version-2 shards', () => {
  it('keeps a shard with its proof, refuses one without, and reads back only shards that still verify', async () => {
    const store = new MemoryChunkStore()
    const self = { peerId: client.libp2p.peerId.toString(), store, placementRules: DEFAULT_PLACEMENT_RULES, now: Date.now }
    const { shardProof: _, ...withoutProof } = shardInput(v2, 0)
    await expect(storeOnSelf(self, withoutProof)).rejects.toBeInstanceOf(ShardHashMismatchError)
    await storeOnSelf(self, shardInput(v2, 0))
    await storeOnSelf(self, shardInput(v2, 1))
    await storeOnSelf(self, shardInput(v1, 1))
    expect((await store.get(v2.manifest.objectId, 0 as ShardIndex))?.shardProof).toEqual(v2.shardProofs[0])
    const record = await store.get(v2.manifest.objectId, 1 as ShardIndex)
    await store.put({ ...record!, shardProof: v2.shardProofs[0] })
    const rejected: RejectedShard[] = []
    const read = await readFromSelf(self, v2.manifest.placementKey, r => rejected.push(r))
    expect(read.map(shard => [shard.manifest.version, shard.shardIndex]).sort()).toEqual([[1, 1], [2, 0]])
    expect(read.find(shard => shard.manifest.version === 2)?.shardProof).toEqual(v2.shardProofs[0])
    expect(rejected.map(r => [r.shardIndex, r.reason.name])).toEqual([[1, 'ShardHashMismatchError']])
  })
})
