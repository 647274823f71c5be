import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_DELETE, NS_HISTORY } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import { RemoteObjectDeletedError, createChunkExchange, isValidTombstone, startChunkService, storeShard, type StoreShardInput } from '../protocols/index.ts'
import { connectAll, createHealingMesh, restartNode, shardLayout, stopHealingMesh } from '../testing/heal-mesh.ts'
import { holdersOf, isRunning, objectStoreDeps, stopNodes, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import type { ObjectId } from '../types/index.ts'
import { decodeSignedManifest, deleteAuthorization, type SignedManifest } from '../wire/index.ts'
import type { RepairRound } from './repair-settings.ts'
import { Repairer } from './repair.ts'

/**
 * The clock of the chunk services, the owner and the repairers: it moves only when the test moves it, so the delete
 * is as old as the test says when it is passed on (a day: far outside the owner's 10-minute delete window).
 */
const clock = { ms: Date.now() }
const DAY = 24 * 60 * 60_000
const SLOW = 180_000
const K = 10

describe('a delete passed on to holders that were offline during it, over 20 real libp2p storage nodes', () => {
  let nodes: MeshNode[] = []
  const repairers = new Map<string, Repairer>()
  const logs: string[] = []
  const closestPeers = xorClosestPeers(() => nodes, { liveOnly: true })
  const byId = (peerId: string): MeshNode => nodes.find(node => node.peerId === peerId)!
  const wallet = WalletIdentity.generate()
  const mallory = WalletIdentity.generate()
  const placementKey = placementKeyFor(NS_HISTORY, wallet.address)
  let objectId: ObjectId
  let manifest: SignedManifest
  /** What anyone who read the object before the delete may have kept: every shard with its manifest. */
  const saved: StoreShardInput[] = []
  /** Holders stopped during the delete (10 of the 15: enough to rebuild the object), and those that applied it. */
  let stale: MeshNode[] = []
  let applied: MeshNode[] = []
  let writer: MeshNode

  const newRepairer = (node: MeshNode): Repairer => new Repairer({
    libp2p: node.libp2p,
    store: node.store,
    holders: holdersOf(closestPeers),
    isDead: peer => !isRunning(byId(peer)),
    nodeKey: node.privateKey,
    requestTimeoutMs: 10_000,
    resurveyAfterMs: 0,
    newObjectGraceMs: 0,
    handoffGraceMs: 0,
    fallbackDelayMs: 0,
    now: () => clock.ms,
    log: message => logs.push(`${node.peerId.slice(-6)} ${message}`)
  })

  /** One round on every live node at once, as in production. */
  const round = async (): Promise<RepairRound[]> =>
    await Promise.all(nodes.filter(isRunning).map(async node => await repairers.get(node.peerId)!.runOnce()))

  /** Shards of the deleted object per live node, verified against its manifest. */
  const held = async (): Promise<Map<string, number[]>> => {
    const layout = await shardLayout(nodes, new Map([[objectId, manifest]]))
    const perNode = new Map<string, number[]>()
    for (const [index, holders] of layout.holders.get(objectId)!) {
      for (const holder of holders) perNode.set(holder, [...(perNode.get(holder) ?? []), index].sort((a, b) => a - b))
    }
    return perNode
  }
  const distinctIndices = (perNode: Map<string, number[]>): number => new Set([...perNode.values()].flat()).size
  const describeHeld = (perNode: Map<string, number[]>): string =>
    `${distinctIndices(perNode)} distinct shards on ${perNode.size} nodes (${[...perNode].map(([peer, indices]) => `${peer.slice(-6)}:${indices.join(',')}`).join(' ')})`

  beforeAll(async () => {
    nodes = await createHealingMesh(20)
    await connectAll(nodes)
    // Chunk services on the test clock.
    for (const node of nodes) {
      await node.service.stop()
      node.service = await startChunkService(node.libp2p, node.privateKey, { store: node.store, now: () => clock.ms })
    }
    const ranking = await closestPeers(placementKey, nodes.length)
    writer = byId(ranking[19]) // a survey spare: it holds no shard of the object
    const objects = new ObjectStore({ ...objectStoreDeps(writer, wallet, closestPeers), now: () => clock.ms })
    const bytes = randomBytes(mulberry32(0xde1e7e), 20_000)
    ;({ objectId } = await objects.storeObject(bytes))
    const holders = ranking.slice(0, 15).map(byId)
    for (const holder of holders) {
      for (const record of await holder.store.listObjectShards(objectId)) {
        manifest ??= decodeSignedManifest(record.manifest)
        saved.push({ manifest, manifestBytes: record.manifest, shardIndex: record.shardIndex, shard: record.data, shardProof: record.shardProof })
      }
    }
    expect(saved.map(shard => shard.shardIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i))
    stale = holders.filter((_, i) => i % 3 !== 0)
    applied = holders.filter((_, i) => i % 3 === 0)
    expect(stale).toHaveLength(K)

    // The owner deletes the object while 10 of its 15 holders are offline: 5 apply the delete and keep its tombstone.
    await stopNodes(stale)
    await objects.deleteObject(objectId)
    for (const node of applied) {
      expect(await node.store.listObjectShards(objectId)).toEqual([])
      expect(await node.store.getTombstone(objectId)).toMatchObject({ objectId, owner: wallet.address })
    }
    const deletedAt = (await applied[0].store.getTombstone(objectId))!.deletedAt

    // A day later the 10 come back with their shards: enough for anyone to rebuild the object.
    clock.ms += DAY
    for (const node of stale) await restartNode(node, nodes)
    const before = await held()
    expect(distinctIndices(before), describeHeld(before)).toBe(K)
    expect(clock.ms - deletedAt).toBeGreaterThan(10 * 60_000)
    for (const node of nodes) repairers.set(node.peerId, newRepairer(node))
  }, SLOW)

  afterAll(async () => { await stopHealingMesh(repairers.values(), nodes) }, 30_000)

  it('refuses a delete signed by someone else that a node passes on as its tombstone', async () => {
    // A node keeps a "tombstone" Mallory signed for Alice's object, under the object's placement key, and its
    // repairer passes it on to every node that claims shards of the object: a valid signature, by the wrong signer.
    const hostile = writer
    const signedAt = clock.ms - DAY
    const forged = {
      objectId, owner: mallory.address, deletedAt: signedAt, placementKey,
      signature: mallory.sign(NS_DELETE, deleteAuthorization(objectId, undefined, signedAt))
    }
    expect(isValidTombstone(forged)).toBe(true)
    await hostile.store.putTombstone(forged)
    // Alice named as the owner over Mallory's signature does not even leave the node (InvalidTombstoneError); the
    // holder's own refusal of it is tested in src/protocols/chunks/tombstone-handoff.test.ts.
    const exchange = createChunkExchange({ libp2p: hostile.libp2p, store: hostile.store, requestsPerHolder: 4, now: () => clock.ms })
    await expect(exchange.passOnTombstone(stale[0].peerId, { ...forged, owner: wallet.address })).rejects.toMatchObject({ name: 'InvalidTombstoneError' })

    const hostileRound = await repairers.get(hostile.peerId)!.runOnce()
    expect(hostileRound.tombstoneKeysSurveyed).toBe(1)
    expect(hostileRound.tombstonesPassedOn, logs.slice(-5).join('\n')).toBe(0) // every stale holder refused it
    expect(logs.filter(line => line.includes('RemoteNotOwnerError')).length).toBe(K)
    for (const node of stale) {
      expect(await node.store.listObjectShards(objectId)).toHaveLength(1)
      expect(await node.store.getTombstone(objectId)).toBeUndefined()
    }
    await hostile.store.purgeTombstones(Number.MAX_SAFE_INTEGER)
  }, SLOW)

  it('takes the object off every holder that missed the delete: none keeps or serves a shard, each refuses it, no rebuild is possible', async () => {
    const rounds: RepairRound[] = []
    for (let i = 0; i < 4; i++) {
      rounds.push(...await round())
      if ((await held()).size === 0) break
    }
    const after = await held()
    // (3) Nothing is left to rebuild from: no node, and not all nodes together, hold k shards of the object.
    expect(distinctIndices(after), `still held after ${rounds.length / nodes.length} rounds: ${describeHeld(after)}`).toBe(0)
    expect(rounds.reduce((sum, r) => sum + r.tombstonesPassedOn, 0)).toBeGreaterThanOrEqual(K)
    expect(rounds.reduce((sum, r) => sum + r.errors, 0), logs.slice(-10).join('\n')).toBe(0)

    const reader = createChunkExchange({ libp2p: writer.libp2p, store: writer.store, requestsPerHolder: 4, now: () => clock.ms })
    for (const node of stale) {
      // (1) It holds no shard of the object and serves none.
      expect(await node.store.listObjectShards(objectId)).toEqual([])
      expect(await reader.fetch(node.peerId, { objectId })).toEqual([])
      expect(await reader.list(node.peerId, placementKey)).toEqual([])
      // (2) It keeps the owner's signed delete, dated as the owner signed it, and refuses a saved copy of the object.
      const tombstone = await node.store.getTombstone(objectId)
      expect(tombstone).toMatchObject({ objectId, owner: wallet.address, deletedAt: clock.ms - DAY, placementKey })
      expect(isValidTombstone(tombstone!)).toBe(true)
      const mine = saved.find(shard => shard.shardIndex === stale.indexOf(node)) ?? saved[0]
      await expect(storeShard(writer.libp2p, node.peerId, mine)).rejects.toBeInstanceOf(RemoteObjectDeletedError)
    }
    // No node rebuilt the object anywhere meanwhile, and a reader finds nothing.
    const objects = new ObjectStore({ ...objectStoreDeps(writer, wallet, closestPeers, { fetchTimeoutMs: 10_000 }), now: () => clock.ms })
    await expect(objects.fetchObject(objectId)).rejects.toThrow()
  }, SLOW)
})
