/**
 * Equivocation (issue 15 item 10): a sender signs one manifest whose data shard hashes are those of message A and
 * whose parity shard hashes are those of message B. Every shard verifies against its hash, so holders take them
 * all; a reader that decoded the first k verified shards would read A from the data shards and B from a set with
 * enough parity. Readers must refuse the object, whichever k shards reach them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { encode } from '../erasure/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import { storeShard } from '../protocols/index.ts'
import { connectTo, createStorageNodes, objectStoreDeps, stopNodes, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { buildManifest, encodeSignedManifest, type SignedManifest } from '../wire/index.ts'
import { decodeCommitted } from './committed-decode.ts'
import { ManifestCommitmentError, ObjectStore } from './index.ts'

const sender = WalletIdentity.generate()
const textA = new TextEncoder().encode('Transfer 10 to Carol. '.repeat(40))
const textB = new TextEncoder().encode('Transfer 99 to Mallory'.repeat(40))

/** Subsets of 10 shard indices a reader may end up with: all data, all parity, and mixes. */
const SUBSETS: number[][] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
  [0, 2, 4, 6, 8, 10, 11, 12, 13, 14],
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 14]
]

describe('a manifest that commits to two different objects', () => {
  let nodes: MeshNode[]
  let reader: MeshNode
  let manifest: SignedManifest
  let manifestBytes: Uint8Array
  let shards: Uint8Array[]

  beforeAll(async () => {
    expect(textA.length).toBe(textB.length)
    const a = await encode(textA, 10, 5)
    const b = await encode(textB, 10, 5)
    shards = [...a.shards.slice(0, 10), ...b.shards.slice(10)]
    ;({ manifest } = buildManifest(sender, {
      namespace: NS_HISTORY, placementKey: placementKeyFor(NS_HISTORY, sender.address), k: 10, m: 5,
      originalLength: textA.length, shards, createdAt: Date.now()
    }))
    manifestBytes = encodeSignedManifest(manifest)
    nodes = await createStorageNodes(11)
    reader = nodes[0]
    await connectTo(reader, nodes)
  }, 60_000)

  afterAll(async () => {
    await stopNodes(nodes ?? [])
  }, 30_000)

  it('is refused with ManifestCommitmentError on fetch, whichever 10 shards arrive, and other objects still read', async () => {
    const holders = nodes.slice(1)
    const objects = new ObjectStore(objectStoreDeps(reader, sender, xorClosestPeers(() => holders)))
    for (const subset of SUBSETS) {
      for (const node of holders) await node.store.delete(manifest.objectId)
      // One shard of the subset per holder; holders accept each (it matches its hash).
      await Promise.all(subset.map(async (index, at) => {
        await storeShard(reader.libp2p, holders[at].libp2p.peerId, { manifest, manifestBytes, shardIndex: index, shard: shards[index] })
      }))
      const fetched = await objects.fetchObjects()
      expect(fetched.objects.map(object => object.objectId)).not.toContain(manifest.objectId)
      const failure = fetched.failed.find(object => object.objectId === manifest.objectId)
      expect(failure?.error, `subset ${subset.join(',')}`).toBeInstanceOf(ManifestCommitmentError)
      expect((failure!.error as ManifestCommitmentError).mismatchedShards.length).toBeGreaterThan(0)
    }
    // The same holders still serve an honest object of the same sender.
    for (const node of holders) await node.store.delete(manifest.objectId)
    const honest = await objects.storeObject(textA)
    const again = await objects.fetchObjects()
    expect(again.failed).toEqual([])
    expect(again.objects.map(object => object.objectId)).toEqual([honest.objectId])
    expect(again.objects[0].bytes).toEqual(textA)
  })

  it('decodes an honest object from any 10 of its shards', async () => {
    const honest = await encode(textB, 10, 5)
    const { manifest: good } = buildManifest(sender, {
      namespace: NS_HISTORY, placementKey: placementKeyFor(NS_HISTORY, sender.address), k: 10, m: 5,
      originalLength: textB.length, shards: honest.shards, createdAt: 1
    })
    for (const subset of SUBSETS) {
      const slots = honest.shards.map((shard, index) => subset.includes(index) ? shard : null)
      expect(await decodeCommitted(good, slots)).toEqual(textB)
    }
    const slots = shards.map((shard, index) => SUBSETS[0].includes(index) ? shard : null)
    await expect(decodeCommitted(manifest, slots)).rejects.toBeInstanceOf(ManifestCommitmentError)
  })
})
