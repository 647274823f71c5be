/**
 * A rebuilt shard counts as placed on its target's signed receipt, and the repairer's next survey of the key holds
 * the target to it. Over real libp2p nodes on loopback: 16 honest storage nodes hold an object; a node generated to
 * sit nearest the key joins, acknowledges every STORE and keeps nothing, and claims nothing (so no spot check of
 * its LIST answers can catch it: it looks like a newcomer with room). A holder stops: its shard is rebuilt onto
 * that node, whose receipt the next survey finds held by no one; it is distrusted and the shard goes to an honest node.
 * Last, a survey right after a death checks no claims (it must be quick); a calm one does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { SignedManifest } from '../wire/index.ts'
import { createHealingMesh, introduce, manifestsOf, shardLayout, stopHealingMesh } from '../testing/heal-mesh.ts'
import { createStorageNodes, holdersOf, isRunning, objectStoreDeps, stopNodes, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import { SybilStore, grindKeysNear } from '../testing/sybil-nodes.ts'
import { Repairer } from './repair.ts'

const HONEST = 16
const TOTAL = 15
const SLOW = 120_000

describe('receipts of rebuilt shards', () => {
  let honest: MeshNode[] = []
  let silent: MeshNode
  let members: MeshNode[] = []
  let manifests: Map<ObjectId, SignedManifest>
  let placementKey: Uint8Array
  const repairers = new Map<string, Repairer>()
  const logs: string[] = []
  const closestPeers = xorClosestPeers(() => members, { liveOnly: true })
  const liveHonest = (): MeshNode[] => honest.filter(isRunning)

  beforeAll(async () => {
    honest = await createHealingMesh(HONEST)
    members = honest
    const wallet = WalletIdentity.generate()
    placementKey = placementKeyFor(NS_HISTORY, wallet.address)
    const writer = new ObjectStore(objectStoreDeps(honest[0], wallet, closestPeers))
    const { objectId } = await writer.storeObject(randomBytes(mulberry32(7), 3000))
    manifests = await manifestsOf(honest, [objectId])
    const ground = await grindKeysNear(placementKey, honest.map(node => node.peerId), 1)
    ;[silent] = await createStorageNodes(1, { privateKeys: ground.keys, store: () => new SybilStore('silent') })
    await introduce([...honest, silent], [...honest, silent])
    members = [...honest, silent]
    for (const node of honest) {
      repairers.set(node.peerId, new Repairer({
        libp2p: node.libp2p,
        store: node.store,
        holders: holdersOf(closestPeers),
        isDead: peer => ![...honest, silent].some(other => other.peerId === peer && isRunning(other)),
        nodeKey: node.privateKey,
        requestTimeoutMs: 10_000,
        resurveyAfterMs: 0,
        newObjectGraceMs: 0,
        fallbackDelayMs: 0,
        log: message => logs.push(`${node.peerId.slice(-6)} ${message}`)
      }))
    }
  }, SLOW)

  afterAll(async () => {
    await stopHealingMesh(repairers.values(), honest)
    await stopNodes([silent].filter(node => node !== undefined && isRunning(node)))
  }, 30_000)

  it('a target that acknowledged a rebuilt shard and kept nothing is caught at the next survey, and the shard goes to an honest node', async () => {
    const before = await shardLayout(honest, manifests)
    const [objectId] = manifests.keys()
    expect(before.holders.get(objectId)!.size).toBe(TOTAL)
    const holder = [...before.perNode.keys()][0]
    await stopNodes([honest.find(node => node.peerId === holder)!])

    for (let round = 0; round < 6; round++) {
      await Promise.all(liveHonest().map(async node => await repairers.get(node.peerId)!.runOnce()))
      const layout = await shardLayout(liveHonest(), manifests)
      if (layout.holders.get(objectId)!.size === TOTAL && logs.some(line => line.includes('no node of the ring holds it'))) break
    }
    // The silent node took a rebuilt shard on its word ...
    expect(logs.some(line => line.includes('rebuilt') && line.includes(silent.peerId)), logs.slice(-10).join('\n')).toBe(true)
    // ... and was caught by the receipt, not by a read-back or a spot check (it claims nothing).
    expect(logs.some(line => line.includes(`distrusting ${silent.peerId}`) && line.includes('no node of the ring holds it')),
      logs.slice(-10).join('\n')).toBe(true)
    // Before receipts were held to account, every repairer kept rebuilding onto it: 14 of 15 on honest nodes.
    const after = await shardLayout(liveHonest(), manifests)
    expect(after.holders.get(objectId)!.size).toBe(TOTAL)
  }, SLOW)

  it('a survey right after a death spot-checks no one; a calm one does', async () => {
    // The nearest live honest node: among the first holders to survey after a death (the others wait a while).
    const [nearest] = await xorClosestPeers(() => liveHonest(), { liveOnly: true })(placementKey, 1)
    const holder = honest.find(node => node.peerId === nearest)!
    const stopped = honest.find(node => !isRunning(node))!
    // A clock two minutes ahead, so the object is no longer new to either repairer.
    const fresh = (): Repairer => new Repairer({
      libp2p: holder.libp2p,
      store: holder.store,
      holders: holdersOf(closestPeers),
      isDead: peer => ![...honest, silent].some(other => other.peerId === peer && isRunning(other)),
      nodeKey: holder.privateKey,
      requestTimeoutMs: 10_000,
      resurveyAfterMs: 0,
      newObjectGraceMs: 60_000,
      now: () => Date.now() + 120_000
    })
    const afterDeath = fresh()
    afterDeath.peerDied(stopped.peerId)
    const urgent = await afterDeath.runOnce()
    expect(urgent.objects).toBe(1)
    expect(urgent.spotChecks).toBe(0)
    const calm = await fresh().runOnce()
    expect(calm.objects).toBe(1)
    expect(calm.spotChecks).toBeGreaterThan(0)
  }, SLOW)
})
