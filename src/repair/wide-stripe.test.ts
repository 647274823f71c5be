/**
 * A namespace written with a wider stripe than the mesh's 10+5 (`namespaceStripes`): its objects sit on the 10 + 20
 * closest nodes, are repaired at that stripe's own threshold (`repairThresholds`), and read back from the first 10 of
 * 30 holders with 20 of them gone. Real libp2p nodes on loopback; the repairers' clock is the test's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import { holdersOf, isRunning, objectStoreDeps, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { connectAll, createHealingMesh, manifestsOf, settleRepairs, shardLayout, stopHealingMesh, takeDown } from '../testing/heal-mesh.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import type { ObjectId } from '../types/index.ts'
import type { SignedManifest } from '../wire/index.ts'
import type { RepairRound } from './repair-settings.ts'
import { Repairer } from './repair.ts'

/** 30 holders, 7 of them to lose and replace, and spares. */
const NODES = 40
const OBJECTS = 2
const WIDE = { k: 10, m: 20 }
const STRIPES = [{ k: 10, m: 5 }, WIDE]
const NAMESPACE_STRIPES = [{ namespace: NS_HISTORY, stripe: WIDE }]
const SLOW = 240_000

describe('a namespace with a wider stripe: 10 + 20 on the 30 closest nodes', () => {
  let nodes: MeshNode[] = []
  let manifests: Map<ObjectId, SignedManifest>
  let wallet: WalletIdentity
  let key: Uint8Array
  const originals = new Map<ObjectId, Uint8Array>()
  const stored: Array<{ objectId: ObjectId, holders: string[] }> = []
  const declared = new Set<string>()
  let repairers = new Map<string, Repairer>()
  const logs: string[] = []
  const clock = { ms: Date.now() }
  const byId = (peerId: string): MeshNode => nodes.find(node => node.peerId === peerId)!
  const live = (): MeshNode[] => nodes.filter(isRunning)
  const ranking = async (): Promise<string[]> => await xorClosestPeers(() => nodes, { liveOnly: true })(key, NODES)

  const round = async (): Promise<RepairRound[]> =>
    await Promise.all(live().map(async node => await repairers.get(node.peerId)!.runOnce()))
  const settle = async (): Promise<RepairRound[]> => await settleRepairs(round, logs)
  const takeDownPeers = async (peerIds: readonly string[]): Promise<void> => { await takeDown(peerIds.map(byId), declared, repairers.values()) }
  const reader = (node: MeshNode, liveOnly: boolean): ObjectStore =>
    new ObjectStore(objectStoreDeps(node, wallet, xorClosestPeers(() => nodes, { liveOnly }), { fetchTimeoutMs: 10_000, namespaceStripes: NAMESPACE_STRIPES }))
  const expectReadable = async (store: ObjectStore): Promise<void> => {
    const fetched = await store.fetchObjects(wallet.address)
    expect(fetched.failed).toEqual([])
    expect(fetched.objects).toHaveLength(OBJECTS)
    for (const object of fetched.objects) expect(object.bytes).toEqual(originals.get(object.objectId))
  }

  beforeAll(async () => {
    nodes = await createHealingMesh(NODES, { allowedStripes: STRIPES })
    // One connection per pair, as the peer keeper keeps: every holder surveys 30-odd others, and pairs dialling each
    // other at once would hold two connections, past the test nodes' connection limit (LISTs then end unanswered).
    await connectAll(nodes)
    wallet = WalletIdentity.generate()
    key = placementKeyFor(NS_HISTORY, wallet.address)
    const writer = new ObjectStore(objectStoreDeps(nodes[0], wallet, xorClosestPeers(() => nodes, { liveOnly: true }), { namespaceStripes: NAMESPACE_STRIPES }))
    const random = mulberry32(0x5717)
    for (let i = 0; i < OBJECTS; i++) {
      const bytes = randomBytes(random, 3_000 + 2_000 * i)
      const result = await writer.storeObject(bytes)
      originals.set(result.objectId, bytes)
      stored.push({ objectId: result.objectId, holders: result.holders })
    }
    manifests = await manifestsOf(nodes, originals.keys())
    repairers = new Map(nodes.map(node => [node.peerId, new Repairer({
      libp2p: node.libp2p,
      store: node.store,
      // Every node known but those the health monitor declared dead, as a node's selector answers.
      holders: holdersOf(xorClosestPeers(() => nodes.filter(other => !declared.has(other.peerId)))),
      isDead: peer => declared.has(peer),
      nodeKey: node.privateKey,
      allowedStripes: STRIPES,
      // 10+20 is rebuilt once 7 of its holders are written off; 10+5 would be at once.
      repairThresholds: [{ k: 10, m: 20, threshold: 23 }],
      requestTimeoutMs: 10_000,
      resurveyAfterMs: 0,
      newObjectGraceMs: 0,
      now: () => clock.ms,
      log: message => logs.push(`${node.peerId.slice(-6)} ${message}`)
    })]))
  }, SLOW)

  afterAll(async () => { await stopHealingMesh(repairers.values(), nodes) }, 30_000)

  it('writes the namespace as 10 + 20 shards, shard i on the i-th closest node', async () => {
    const closest = (await ranking()).slice(0, 30)
    for (const { objectId, holders } of stored) {
      expect(manifests.get(objectId)).toMatchObject({ k: 10, m: 20 })
      expect(holders).toEqual(closest)
    }
    // Another namespace of the same writer keeps the mesh's stripe.
    const writer = new ObjectStore(objectStoreDeps(nodes[0], wallet, xorClosestPeers(() => nodes, { liveOnly: true }), { namespaceStripes: NAMESPACE_STRIPES }))
    expect(writer.stripeOf(NS_HISTORY)).toEqual(WIDE)
    expect(writer.stripeOf('zentalk/key-bundles/v1')).toEqual({ k: 10, m: 5 })
  }, SLOW)

  it('rebuilds nothing while 24 shards count, and all 7 lost shards in one task once 23 do', async () => {
    expect((await settle()).reduce((sum, r) => sum + r.rebuilt, 0)).toBe(0)
    const ranked = await ranking()
    const firstSix = [2, 5, 9, 14, 20, 27].map(rank => ranked[rank])
    const seventh = ranked[11]
    const since = ++clock.ms
    await takeDownPeers(firstSix)
    const rounds = await settle()
    const tasks = (): ReturnType<Repairer['status']>['finished'] => [...repairers.values()].flatMap(repairer => repairer.status().finished.filter(task => task.startedAt >= since))
    expect(tasks().filter(task => task.kind === 'rebuild')).toEqual([])
    expect(rounds.reduce((sum, r) => sum + r.heldBack, 0)).toBeGreaterThanOrEqual(OBJECTS)

    await takeDownPeers([seventh])
    await settle()
    const rebuilds = tasks().filter(task => task.kind === 'rebuild')
    expect(rebuilds.every(task => task.status === 'done'), JSON.stringify(rebuilds.map(task => task.error))).toBe(true)
    expect(rebuilds.map(task => task.objectId).sort()).toEqual([...originals.keys()].sort())
    for (const task of rebuilds) expect(task.to).toHaveLength(7)

    // Every object whole again: 30 distinct shards, each on one live node, all of them verified.
    const layout = await shardLayout(nodes, manifests)
    for (const [objectId, byIndex] of layout.holders) {
      expect([...byIndex.keys()].sort((a, b) => a - b), objectId).toEqual(Array.from({ length: 30 }, (_, i) => i))
      for (const holders of byIndex.values()) expect(holders).toHaveLength(1)
      expect(layout.corrupt.get(objectId)).toEqual([])
    }
  }, SLOW)

  it('reads back from the first 10 answers of 30 holders, with the 20 closest of them gone', async () => {
    const ranked = await ranking()
    const survivors = ranked.slice(20)
    await takeDownPeers(ranked.slice(0, 20))
    // This reader has not heard of any death: it asks the 30 nodes closest to the key, most of them gone, and one
    // spare for each that fails.
    await expectReadable(reader(byId(survivors.at(-1)!), false))
  }, SLOW)
})
