/**
 * Holders that crash fail the LIST of the survey that runs next, and the health monitor often declares them dead
 * while that survey is still running. The round must then rebuild, not wait for another round with every object
 * of the key uncertain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import { holdersOf, isRunning, objectStoreDeps, stopNodes, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { connectAll, createHealingMesh, manifestsOf, shardLayout, stopHealingMesh } from '../testing/heal-mesh.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import type { ObjectId } from '../types/index.ts'
import { Repairer } from './repair.ts'

const NODES = 18
const OBJECTS = 3
const SLOW = 180_000

describe('a death declared while the survey runs', () => {
  let nodes: MeshNode[] = []
  const repairers = new Map<string, Repairer>()
  /** Peers the health monitor has declared dead so far. */
  const declared = new Set<string>()
  /** [surveying node, peer it could not reach]: what each repairer told its health monitor to check now. */
  const suspected: Array<[string, string]> = []
  /** What the health monitor does besides, when a repairer tells it of a peer it could not reach. */
  let onSuspect: (by: string, peer: string) => void = () => {}
  const objectIds: ObjectId[] = []
  let wallet: WalletIdentity

  beforeAll(async () => {
    nodes = await createHealingMesh(NODES)
    await connectAll(nodes)
    wallet = WalletIdentity.generate()
    const everyone = xorClosestPeers(() => nodes, { liveOnly: true })
    const objects = new ObjectStore(objectStoreDeps(nodes[0], wallet, everyone))
    const random = mulberry32(0xdead)
    for (let i = 0; i < OBJECTS; i++) objectIds.push((await objects.storeObject(randomBytes(random, 3000 + i))).objectId)
    // Every node known, stopped or not, as a node's own view is until its health monitor speaks.
    const known = xorClosestPeers(() => nodes, { liveOnly: false })
    for (const node of nodes) {
      repairers.set(node.peerId, new Repairer({
        libp2p: node.libp2p,
        store: node.store,
        holders: holdersOf(known),
        isDead: peer => declared.has(peer),
        suspect: peer => {
          suspected.push([node.peerId, peer])
          onSuspect(node.peerId, peer)
        },
        nodeKey: node.privateKey,
        requestTimeoutMs: 10_000,
        resurveyAfterMs: 0,
        newObjectGraceMs: 0
      }))
    }
  }, SLOW)

  afterAll(async () => { await stopHealingMesh(repairers.values(), nodes) }, 30_000)

  it('leaves the dead out and rebuilds in the same round, surveying the nodes that move up', async () => {
    const key = placementKeyFor(NS_HISTORY, wallet.address)
    const ranked = await xorClosestPeers(() => nodes, { liveOnly: true })(key, NODES)
    const crashed = [ranked[1], ranked[4]].map(id => nodes.find(node => node.peerId === id)!)
    await stopNodes(crashed)
    const live = nodes.filter(isRunning)
    // Declared dead a moment after the rounds begin: after each repairer chose its ring, before its survey ends
    // (a LIST to a stopped node fails, and is asked once more after a pause).
    setTimeout(() => { for (const node of crashed) declared.add(node.peerId) }, 0)
    const rounds = await Promise.all(live.map(async node => await repairers.get(node.peerId)!.runOnce()))
    expect(rounds.reduce((sum, r) => sum + r.errors, 0)).toBe(0)
    // The nearest holders surveyed and found every lost shard; before, each saw 2 LISTs unanswered, every object
    // uncertain, and rebuilt nothing until a later round.
    expect(rounds.reduce((sum, r) => sum + r.unanswered, 0)).toBe(0)
    expect(rounds.reduce((sum, r) => sum + r.rebuilt, 0)).toBe(2 * OBJECTS)
    const layout = await shardLayout(live, await manifestsOf(live, objectIds))
    for (const objectId of objectIds) {
      const byIndex = layout.holders.get(objectId)!
      expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i))
      expect(layout.corrupt.get(objectId)).toEqual([])
    }
  }, SLOW)

  it('surveys a key again soon while a holder that is not declared dead stays silent, backing off each time', async () => {
    const key = placementKeyFor(NS_HISTORY, wallet.address)
    const ranked = await xorClosestPeers(() => nodes, { liveOnly: true })(key, NODES)
    const silent = nodes.find(node => node.peerId === ranked[2])!
    await stopNodes([silent])
    const nearest = nodes.find(node => node.peerId === ranked[0])!
    const repairer = repairers.get(nearest.peerId)!
    suspected.length = 0
    const delays: number[] = []
    for (let i = 0; i < 2; i++) {
      const round = await repairer.runOnce()
      expect(round.unanswered).toBe(1)
      expect(round.rebuilt).toBe(0)
      expect(round.waiting).toBe(OBJECTS)
      delays.push(round.nextDueAt! - (round.startedAt + round.durationMs))
    }
    // Each survey that could not reach it asked the health monitor to check it now, not at its next round.
    expect(suspected.filter(([by, peer]) => by === nearest.peerId && peer === silent.peerId).length).toBeGreaterThanOrEqual(2)
    expect(suspected.every(([, peer]) => !isRunning(nodes.find(node => node.peerId === peer)!))).toBe(true)
    // 30 s, then 60 s (default settings; a round takes a moment, so a little less), far before the 5-minute sweep.
    expect(delays[0]).toBeGreaterThan(25_000)
    expect(delays[0]).toBeLessThanOrEqual(30_000)
    expect(delays[1]).toBeGreaterThan(55_000)
    expect(delays[1]).toBeLessThanOrEqual(60_000)
  }, SLOW)

  it('sets a round aside when its node declares a death while it surveys, and the next rounds rebuild at once', async () => {
    const key = placementKeyFor(NS_HISTORY, wallet.address)
    // The holder stopped in the test above, silent and not declared dead yet.
    const silent = nodes.find(node => !isRunning(node) && !declared.has(node.peerId))!
    const live = nodes.filter(isRunning)
    const liveRanked = await xorClosestPeers(() => live, { liveOnly: true })(key, live.length)
    const [nearestId] = liveRanked
    // A holder far from the key surveys while the silent holder is not declared dead yet: its view of the key is
    // then not in order (a holder did not answer).
    const far = repairers.get(liveRanked[6])!
    expect((await far.runOnce()).unanswered).toBe(1)
    const repairer = repairers.get(nearestId)!
    const surveying = repairer.runOnce()
    setTimeout(() => {
      declared.add(silent.peerId)
      repairer.peerDied(silent.peerId)
    }, 0)
    const setAside = await surveying
    expect(setAside.aborted).toBe(true)
    expect(setAside.rebuilt).toBe(0)
    // Without it, that round waited on the silent holder: every object uncertain, nothing rebuilt until a retry 60 s on.
    const rounds = await Promise.all(live.map(async node => await repairers.get(node.peerId)!.runOnce()))
    expect(rounds.every(round => !round.aborted)).toBe(true)
    expect(rounds.reduce((sum, r) => sum + r.rebuilt, 0)).toBe(OBJECTS)
    // The far holder leaves that survey to the nearest ones although its last view was not in order: it is not
    // the one to rebuild, and its survey would only load the holders the rebuild reads from and stores on.
    expect(rounds[live.findIndex(node => node.peerId === liveRanked[6])]).toMatchObject({ deferredKeys: 1, objects: 0 })
  }, SLOW)

  it('carries on when the death declared while it surveys is of a peer whose LIST already failed, and plans its rebuilds in that round', async () => {
    const key = placementKeyFor(NS_HISTORY, wallet.address)
    const live = nodes.filter(isRunning)
    const [nearestId, crashedId] = await xorClosestPeers(() => live, { liveOnly: true })(key, 2)
    await stopNodes([nodes.find(node => node.peerId === crashedId)!])
    // The health monitor checks the peer the survey could not reach, and declares it dead while the survey runs.
    const repairer = repairers.get(nearestId)!
    onSuspect = (by, peer) => {
      if (by !== nearestId || peer !== crashedId || declared.has(peer)) return
      declared.add(peer)
      repairer.peerDied(peer)
    }
    try {
      const round = await repairer.runOnce()
      // Not set aside: the dead peer left the ring and every object was planned with its shards lost, each rebuilt
      // here or left to the holder whose turn it is (rebuilds are spread over the three nearest holders by object).
      expect(round, JSON.stringify(round)).toMatchObject({ aborted: false, unanswered: 0, objects: OBJECTS, failures: 0, errors: 0 })
      expect(round.rebuilt + round.waiting, JSON.stringify(round)).toBeGreaterThan(0)
    } finally {
      onSuspect = () => {}
    }
  }, SLOW)

  it('a holder far from the key that is waiting for its turn to rebuild surveys at once after another death', async () => {
    const key = placementKeyFor(NS_HISTORY, wallet.address)
    const live = nodes.filter(isRunning)
    const ranked = await xorClosestPeers(() => live, { liveOnly: true })(key, live.length)
    const far = nodes.find(node => node.peerId === ranked[6])!
    let at = Date.now()
    const repairer = new Repairer({
      libp2p: far.libp2p, store: far.store, holders: holdersOf(xorClosestPeers(() => nodes, { liveOnly: false })),
      isDead: peer => declared.has(peer), nodeKey: far.privateKey, newObjectGraceMs: 0, fallbackDelayMs: 1_000, now: () => at
    })
    // A holder dies and nobody rebuilds yet: the far holder sees the shortage, and waits for its turn.
    await stopNodes([nodes.find(node => node.peerId === ranked[1])!])
    declared.add(ranked[1])
    repairer.peerDied(ranked[1])
    expect(await repairer.runOnce()).toMatchObject({ rebuilt: 0, deferredKeys: 0 })
    // Another holder dies: the far holder keeps following the shortage (its turn runs only while it sees it).
    await stopNodes([nodes.find(node => node.peerId === ranked[2])!])
    declared.add(ranked[2])
    repairer.peerDied(ranked[2])
    at += 100
    const next = await repairer.runOnce()
    expect(next.deferredKeys).toBe(0)
    expect(next.objects).toBe(OBJECTS)
  }, SLOW)
})
