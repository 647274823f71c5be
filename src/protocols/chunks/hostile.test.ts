/**
 * Hostile peers against a holder (issue 15), over real libp2p on loopback: each case sends what an attacker who
 * plays by the protocol's letter would send, asserts the holder's answer, and then that it still serves an honest
 * request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../../crypto/index.ts'
import { WalletIdentity } from '../../identity/index.ts'
import { placementKeyFor } from '../../placement/index.ts'
import { MemoryChunkStore } from '../../store/index.ts'
import { buildManifest, encodeSignedManifest } from '../../wire/index.ts'
import { connect, createTestNode, makeObject, type TestNode } from '../../testing/chunk-nodes.ts'
import { fetchShards, storeShard } from './client.ts'
import { RemoteUnsupportedStripeError } from './errors.ts'
import { startChunkService, type ChunkService } from './service.ts'

const attacker = WalletIdentity.generate()
const honest = WalletIdentity.generate()

let client: TestNode
let holder: TestNode
let holderStore: MemoryChunkStore
let service: ChunkService

beforeAll(async () => {
  ;[client, holder] = await Promise.all([createTestNode(), createTestNode()])
  holderStore = new MemoryChunkStore()
  service = await startChunkService(holder.libp2p, holder.privateKey, { store: holderStore })
  await connect(client, holder)
})

afterAll(async () => {
  await service?.stop()
  await Promise.all([client, holder].map(async node => await node?.libp2p.stop()))
})

/** An honest 10 + 5 object still goes in and comes back out. */
async function expectServesHonestly (seed: number): Promise<void> {
  const object = await makeObject(honest, { seed })
  await storeShard(client.libp2p, holder.libp2p.peerId, { manifest: object.manifest, manifestBytes: object.manifestBytes, shardIndex: 0, shard: object.shards[0] })
  const fetched = await fetchShards(client.libp2p, holder.libp2p.peerId, { objectId: object.manifest.objectId })
  expect(fetched.map(shard => shard.shardIndex)).toEqual([0])
}

describe('repair amplification (issue 15 item 3)', () => {
  it('refuses a k = 1, m = 255 object stored under its owner\'s own key with UNSUPPORTED_STRIPE, and keeps nothing', async () => {
    // The attacker needs no real encoding: a holder checks only the shard it is given against the manifest's hash.
    const shardSize = 64 * 1024
    const shard = new Uint8Array(shardSize).fill(7)
    const { manifest } = buildManifest(attacker, {
      namespace: NS_HISTORY,
      placementKey: placementKeyFor(NS_HISTORY, attacker.address),
      k: 1,
      m: 255,
      originalLength: shardSize,
      shards: new Array<Uint8Array>(256).fill(shard),
      createdAt: Date.now()
    })
    // What a repairer would build to restore one lost shard of it: the whole codeword, 256 shards from 1.
    const codewordBytes = (manifest.k + manifest.m) * manifest.shardSize
    expect(codewordBytes / shardSize).toBe(256) // with a maximal 4 MiB shard: 1 GiB built and 255 shards written

    const refused = await storeShard(client.libp2p, holder.libp2p.peerId, { manifest, manifestBytes: encodeSignedManifest(manifest), shardIndex: 0, shard })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RemoteUnsupportedStripeError)
    expect((refused as Error).message).toMatch(/1\+255.*accepts only 10\+5/)
    expect(await holderStore.listObjectShards(manifest.objectId)).toEqual([])
    await expectServesHonestly(1)
  })

  it('accepts another stripe only when the holder is configured for it', async () => {
    const other = await makeObject(attacker, { seed: 2, k: 4, m: 2 })
    const input = { manifest: other.manifest, manifestBytes: other.manifestBytes, shardIndex: 1, shard: other.shards[1] }
    await expect(storeShard(client.libp2p, holder.libp2p.peerId, input)).rejects.toBeInstanceOf(RemoteUnsupportedStripeError)
    const wider = await createTestNode()
    try {
      const store = new MemoryChunkStore()
      await startChunkService(wider.libp2p, wider.privateKey, { store, allowedStripes: [{ k: 10, m: 5 }, { k: 4, m: 2 }] })
      await connect(client, wider)
      await storeShard(client.libp2p, wider.libp2p.peerId, input)
      expect(await store.listObjectShards(other.manifest.objectId)).toHaveLength(1)
    } finally {
      await wider.libp2p.stop()
    }
  })
})
