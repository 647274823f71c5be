/**
 * An object's owner signature is checked once where it is needed, not once per shard: the storing node signs the
 * manifest and hands the decoded manifest to every STORE (each remote holder checks it once, as it must), and a
 * fetching node checks each object's manifest once however many holders send it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { WalletIdentity } from '../identity/index.ts'
import { connectTo, createStorageNodes, isRunning, objectStoreDeps, stopNodes, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import { ObjectStore } from './index.ts'

const signatureChecks = vi.hoisted(() => ({ count: 0 }))
vi.mock('../identity/index.ts', async importOriginal => {
  const identity = await importOriginal<typeof import('../identity/index.ts')>()
  return {
    ...identity,
    assertSignedBy: (...args: Parameters<typeof identity.assertSignedBy>) => {
      signatureChecks.count++
      identity.assertSignedBy(...args)
    }
  }
})

describe('manifest signature checks per object', () => {
  let nodes: MeshNode[]
  let objects: ObjectStore
  let sender: MeshNode

  beforeAll(async () => {
    nodes = await createStorageNodes(16)
    sender = nodes[0]
    await connectTo(sender, nodes)
    objects = new ObjectStore(objectStoreDeps(sender, WalletIdentity.generate(), xorClosestPeers(() => nodes)))
  }, 60_000)

  afterAll(async () => {
    await stopNodes(nodes?.filter(isRunning) ?? [])
  }, 30_000)

  it('a store checks the signature once on the storing node (as it builds the manifest) and once at each remote holder', async () => {
    const random = mulberry32(0x5167)
    for (const size of [1, 4096, 70_000]) {
      const before = signatureChecks.count
      const stored = await objects.storeObject(randomBytes(random, size))
      const remoteHolders = stored.holders.filter(holder => holder !== sender.peerId).length
      expect(remoteHolders).toBeGreaterThanOrEqual(14)
      // Building the manifest decodes it once, so a faulty signer is caught before anything is sent; the STOREs to
      // the holders then carry the decoded manifest and are not checked again here.
      expect(signatureChecks.count - before).toBe(remoteHolders + 1)
    }
  })

  it('a fetch checks each object\'s signature once, however many holders send its shards', async () => {
    const before = signatureChecks.count
    const fetched = await objects.fetchObjects()
    expect(fetched.objects).toHaveLength(3)
    expect(fetched.stats.answered).toBeGreaterThanOrEqual(10)
    expect(signatureChecks.count - before).toBe(3)
  })
})
