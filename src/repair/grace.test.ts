/**
 * Offline is not gone: a holder the health monitor declares dead keeps counting as holding its shards until it has
 * stayed dead `lostAfterMs` (`tabLostAfterMs` for a tab), and with a `repairThreshold` an object is rebuilt only
 * once its counted shards fall to it, then every missing shard at once. Real libp2p nodes; the repairers' clock is the test's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import { holdersOf, isRunning, objectStoreDeps, stopNodes, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { connectAll, createHealingMesh, manifestsOf, restartNode, settleRepairs, shardLayout, stopHealingMesh } from '../testing/heal-mesh.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import type { ObjectId } from '../types/index.ts'
import type { SignedManifest } from '../wire/index.ts'
import { DEFAULT_HANDOFF_GRACE_MS, type RepairRound, type RepairerInit } from './repair-settings.ts'
import { Repairer } from './repair.ts'
import type { RepairTask } from './report.ts'

const NODES = 20
const OBJECTS = 4
const GRACE_MS = 120_000
const SLOW = 180_000

const clock = { ms: Date.now() }
const advance = (ms: number): void => { clock.ms += ms }
const mark = (): number => { advance(1); return clock.ms }

describe('grace before an offline holder counts as lost, and the repair threshold', () => {
  let nodes: MeshNode[] = []
  let manifests: Map<ObjectId, SignedManifest>
  let wallet: WalletIdentity
  let key: Uint8Array
  const originals = new Map<ObjectId, Uint8Array>()
  /** Peers the health monitor has declared dead. */
  const declared = new Set<string>()
  /** The repairers of the running scenario, one per node. */
  let repairers = new Map<string, Repairer>()
  const logs: string[] = []
  const byId = (peerId: string): MeshNode => nodes.find(node => node.peerId === peerId)!
  const live = (): MeshNode[] => nodes.filter(isRunning)
  /** Live nodes, nearest the key first. */
  const ranking = async (): Promise<string[]> => await xorClosestPeers(() => nodes, { liveOnly: true })(key, NODES)

  /**
   * A repairer of `node` alone, outside the ones `useRepairers` runs: every node known, the health monitor's verdicts
   * from `declared`, the test's clock, no new-object grace, and `settings` on top.
   */
  const soleRepairer = (node: MeshNode, settings: Partial<RepairerInit>): Repairer => new Repairer({
    libp2p: node.libp2p, store: node.store, holders: holdersOf(xorClosestPeers(() => nodes, { liveOnly: false })),
    isDead: peer => declared.has(peer), nodeKey: node.privateKey, newObjectGraceMs: 0, now: () => clock.ms, ...settings
  })

  /** Stops `node` and declares it dead to `repairer` alone; returns the test clock's time of death. */
  const takeDownFor = async (repairer: Repairer, node: MeshNode): Promise<number> => {
    await stopNodes([node])
    declared.add(node.peerId)
    repairer.peerDied(node.peerId)
    return clock.ms
  }

  /** A fresh repairer on every node with `settings`, the stopped ones included (they run no rounds while stopped). */
  const useRepairers = async (settings: Partial<RepairerInit>): Promise<void> => {
    await Promise.all([...repairers.values()].map(async repairer => { await repairer.stop() }))
    repairers = new Map(nodes.map(node => [node.peerId, new Repairer({
      libp2p: node.libp2p,
      store: node.store,
      // Every node known, stopped or not, as a node's own view is: only the health monitor's verdict leaves one out.
      holders: holdersOf(xorClosestPeers(() => nodes, { liveOnly: false })),
      isDead: peer => declared.has(peer),
      nodeKey: node.privateKey,
      requestTimeoutMs: 10_000,
      resurveyAfterMs: 0,
      newObjectGraceMs: 0,
      now: () => clock.ms,
      log: message => logs.push(`${node.peerId.slice(-6)} ${message}`),
      ...settings
    })]))
  }

  /** The health monitor declares `node` dead (it was stopped) or alive again, and tells every repairer. */
  const declareDead = (node: MeshNode): void => {
    declared.add(node.peerId)
    for (const repairer of repairers.values()) repairer.peerDied(node.peerId)
  }
  const declareAlive = (node: MeshNode): void => {
    declared.delete(node.peerId)
    for (const repairer of repairers.values()) repairer.peerAlive(node.peerId)
  }

  const round = async (): Promise<RepairRound[]> =>
    await Promise.all(live().map(async node => await repairers.get(node.peerId)!.runOnce()))
  /** Rounds until one where nothing is done and every node heard from every other. */
  const settle = async (): Promise<RepairRound[]> => await settleRepairs(round, logs)
  const tasksSince = (since: number): RepairTask[] => [...repairers.values()].flatMap(repairer =>
    repairer.status().finished.filter(task => task.startedAt >= since))
  /** Shards stored by repair (rebuilt or handed off) since `since`, and the bytes written. */
  const storesSince = (since: number): { shards: number, bytes: number } => {
    const tasks = tasksSince(since).filter(task => task.kind === 'rebuild' || task.kind === 'handoff')
    return { shards: tasks.reduce((sum, task) => sum + task.to.length, 0), bytes: tasks.reduce((sum, task) => sum + task.bytesWritten, 0) }
  }

  /** Per object, the shard indices on each live node. */
  const placement = async (): Promise<Map<ObjectId, Map<number, string[]>>> => (await shardLayout(nodes, manifests)).holders
  const expectFullyPlaced = async (): Promise<void> => {
    const layout = await shardLayout(nodes, manifests)
    for (const [objectId, byIndex] of layout.holders) {
      expect([...byIndex.keys()].sort((a, b) => a - b), objectId).toEqual(Array.from({ length: 15 }, (_, i) => i))
      for (const holders of byIndex.values()) expect(holders).toHaveLength(1)
      expect(layout.corrupt.get(objectId)).toEqual([])
    }
  }
  const expectReadable = async (): Promise<void> => {
    const reader = live().at(-1)!
    const objects = new ObjectStore(objectStoreDeps(reader, wallet, xorClosestPeers(() => nodes, { liveOnly: true }), { fetchTimeoutMs: 10_000 }))
    const fetched = await objects.fetchObjects()
    expect(fetched.failed).toEqual([])
    expect(fetched.objects).toHaveLength(OBJECTS)
    for (const object of fetched.objects) expect(object.bytes).toEqual(originals.get(object.objectId))
  }
  /** Shard indices `peer` holds, per object. */
  const heldBy = async (peer: string): Promise<string> =>
    (await byId(peer).store.listShardKeys()).map(shard => `${shard.objectId}/${shard.shardIndex}`).sort().join(' ')

  beforeAll(async () => {
    nodes = await createHealingMesh(NODES)
    await connectAll(nodes)
    wallet = WalletIdentity.generate()
    key = placementKeyFor(NS_HISTORY, wallet.address)
    const objects = new ObjectStore(objectStoreDeps(nodes[0], wallet, xorClosestPeers(() => nodes, { liveOnly: true })))
    const random = mulberry32(0x9ace)
    for (let i = 0; i < OBJECTS; i++) {
      const bytes = randomBytes(random, 2_000 + 1_500 * i)
      originals.set((await objects.storeObject(bytes)).objectId, bytes)
    }
    manifests = await manifestsOf(nodes, originals.keys())
  }, SLOW)

  afterAll(async () => { await stopHealingMesh(repairers.values(), nodes) }, 30_000)

  /** Stops the holder of rank `rank` for a moment shorter than the grace; returns what repair stored meanwhile. */
  const blink = async (rank: number, awayMs: number): Promise<{ stores: { shards: number, bytes: number }, fetched: number, drops: number, rounds: RepairRound[] }> => {
    expect((await settle()).reduce((sum, r) => sum + r.rebuilt, 0)).toBe(0)
    const holder = byId((await ranking())[rank])
    const before = await heldBy(holder.peerId)
    const since = mark()
    await stopNodes([holder])
    declareDead(holder)
    const rounds = await settle()
    advance(awayMs)
    rounds.push(...await settle())
    await restartNode(holder, nodes)
    declareAlive(holder)
    rounds.push(...await settle())
    // Surplus copies (rebuilt while it was away) are dropped once it has been back for the hand-off grace.
    advance(DEFAULT_HANDOFF_GRACE_MS)
    rounds.push(...await settle())
    expect(await heldBy(holder.peerId)).toBe(before)
    await expectFullyPlaced()
    return { stores: storesSince(since), fetched: tasksSince(since).reduce((sum, task) => sum + task.bytesFetched, 0), drops: tasksSince(since).filter(task => task.kind === 'drop' && task.status === 'done').length, rounds }
  }

  it('with the defaults, a holder offline for a minute has its shards rebuilt, and the copies dropped on its return', async () => {
    await useRepairers({})
    const { stores, fetched, drops } = await blink(5, 60_000)
    // One shard per object rebuilt elsewhere, then dropped again: today's cost of a tab that blinks.
    expect(stores.shards).toBe(OBJECTS)
    expect(drops).toBe(OBJECTS)
    console.log(`defaults, holder away 60 s: ${stores.shards} shards stored by repair (${stores.bytes} B written, ${fetched} B fetched), ` +
      `${drops} dropped on its return`)
  }, SLOW)

  it('with a grace, a holder back inside it causes no rebuild at all, and its own shards are used again', async () => {
    await useRepairers({ lostAfterMs: GRACE_MS })
    const { stores, fetched, drops, rounds } = await blink(5, GRACE_MS - 1_000)
    expect(fetched).toBe(0)
    expect(stores).toEqual({ shards: 0, bytes: 0 })
    expect(drops).toBe(0)
    // The objects lacking its shard were seen, and its shards counted, not missed.
    expect(rounds.reduce((sum, r) => sum + r.graced, 0)).toBeGreaterThanOrEqual(OBJECTS)
    console.log(`lostAfterMs ${GRACE_MS}, holder away ${GRACE_MS - 1_000} ms: ${stores.shards} shards stored by repair ` +
      `(${stores.bytes} B written, ${fetched} B fetched), ${drops} dropped`)
    await expectReadable()
  }, SLOW)

  it('a holder that stays away past the grace has its shards rebuilt, and the objects read back byte-identical', async () => {
    expect((await settle()).reduce((sum, r) => sum + r.rebuilt, 0)).toBe(0)
    const holder = byId((await ranking())[8])
    const lost = new Map([...await placement()].map(([objectId, byIndex]) =>
      [objectId, [...byIndex].filter(([, holders]) => holders.includes(holder.peerId)).map(([index]) => index)]))
    const since = mark()
    await stopNodes([holder])
    declareDead(holder)
    // The nearest holders ask for a round when the grace ends (production rounds are minutes apart).
    expect((await settle()).some(r => r.nextDueAt === since + GRACE_MS)).toBe(true)
    advance(GRACE_MS - 1)
    await settle()
    expect(storesSince(since).shards).toBe(0)
    advance(1)
    await settle()
    const rebuilds = tasksSince(since).filter(task => task.kind === 'rebuild' && task.status === 'done')
    expect(rebuilds.map(task => task.objectId).sort()).toEqual([...originals.keys()].sort())
    for (const task of rebuilds) expect(task.shardIndices).toEqual(lost.get(task.objectId as ObjectId))
    await expectFullyPlaced()
    await expectReadable()
  }, SLOW)

  it('with threshold 12 on 10+5, losing 1 or 2 holders rebuilds nothing, losing a third rebuilds all 3 shards in one round', async () => {
    await useRepairers({ lostAfterMs: GRACE_MS, repairThreshold: 12 })
    expect((await settle()).reduce((sum, r) => sum + r.rebuilt, 0)).toBe(0)
    const since = mark()
    const ranked = await ranking()
    const victims = [ranked[3], ranked[7], ranked[12]].map(byId)
    // Offline, inside its grace, when the third holder is lost: its shard counts (12 with it) and is not rebuilt.
    const offline = byId(ranked[10])
    const offlineShards = await heldBy(offline.peerId)
    const lost = new Map<ObjectId, number[]>()
    for (const [objectId, byIndex] of await placement()) {
      lost.set(objectId, [...byIndex].filter(([, holders]) => victims.some(node => holders.includes(node.peerId))).map(([index]) => index).sort((a, b) => a - b))
    }
    for (const [n, victim] of victims.entries()) {
      await stopNodes([victim])
      declareDead(victim)
      await settle()
      if (n === 2) {
        advance(GRACE_MS / 2)
        await stopNodes([offline])
        declareDead(offline)
        await settle()
        advance(GRACE_MS / 2)
      } else {
        advance(GRACE_MS)
      }
      const rounds = await settle()
      if (n < 2) {
        // 14, then 13 shards counted: above the threshold.
        expect(tasksSince(since).filter(task => task.kind === 'rebuild')).toEqual([])
        expect(rounds.reduce((sum, r) => sum + r.heldBack, 0)).toBeGreaterThanOrEqual(OBJECTS)
      }
    }
    // 12 counted: each object rebuilt once, its three lost shards in that one task.
    const rebuilds = tasksSince(since).filter(task => task.kind === 'rebuild')
    expect(rebuilds.every(task => task.status === 'done'), JSON.stringify(rebuilds.map(task => task.error))).toBe(true)
    expect(rebuilds.map(task => task.objectId).sort()).toEqual([...originals.keys()].sort())
    for (const task of rebuilds) {
      expect(task.shardIndices).toEqual(lost.get(task.objectId as ObjectId))
      expect(task.to).toHaveLength(3)
    }
    await expectReadable()
    // The offline holder comes back with its shards, which are used again: nothing more is rebuilt.
    await restartNode(offline, nodes)
    declareAlive(offline)
    await settle()
    expect(await heldBy(offline.peerId)).toBe(offlineShards)
    expect(tasksSince(since).filter(task => task.kind === 'rebuild')).toHaveLength(OBJECTS)
    await expectFullyPlaced()
    await expectReadable()
  }, SLOW)

  it('leaves a key lacking only shards of an offline holder unsurveyed until that holder\'s grace ends', async () => {
    await useRepairers({ lostAfterMs: GRACE_MS })
    await settle()
    const [nearestId, , offlineId] = await ranking()
    const offline = byId(offlineId)
    // The nearest holder with the production resurvey time (an hour): only a change or a grace's end brings it back.
    const nearest = byId(nearestId)
    const repairer = soleRepairer(nearest, { lostAfterMs: GRACE_MS })
    try {
      expect(await repairer.runOnce()).toMatchObject({ objects: OBJECTS, rebuilt: 0, graced: 0 })
      const diedAt = await takeDownFor(repairer, offline)
      const first = await repairer.runOnce()
      expect(first).toMatchObject({ objects: OBJECTS, rebuilt: 0, graced: OBJECTS, heldBack: 0 })
      expect(first.nextDueAt).toBe(diedAt + GRACE_MS)
      advance(GRACE_MS - 1)
      expect(await repairer.runOnce()).toMatchObject({ objects: 0, unchangedKeys: 1 })
      advance(1)
      const after = await repairer.runOnce()
      expect(after).toMatchObject({ objects: OBJECTS, unchangedKeys: 0, graced: 0 })
      // Lost now: the objects are short, this node rebuilds those it is the repairer of, the others wait their turn.
      expect(after.rebuilt + after.waiting).toBeGreaterThan(0)
    } finally {
      await repairer.stop()
    }
  }, SLOW)

  it('gives a holder that is a tab the tab grace: its shards still count once the others\' grace is over', async () => {
    await useRepairers({ lostAfterMs: GRACE_MS })
    await settle()
    const [nearestId, , tabId] = await ranking()
    const tab = byId(tabId)
    const nearest = byId(nearestId)
    // The nearest holder, surveying every round; the holder of rank 2 announced itself as a tab.
    const repairer = soleRepairer(nearest, { resurveyAfterMs: 0, lostAfterMs: GRACE_MS, tabLostAfterMs: 2 * GRACE_MS, classOf: peer => peer === tabId ? 'tab' : 'operator' })
    try {
      expect(await repairer.runOnce()).toMatchObject({ objects: OBJECTS, rebuilt: 0, graced: 0 })
      const diedAt = await takeDownFor(repairer, tab)
      const first = await repairer.runOnce()
      expect(first).toMatchObject({ objects: OBJECTS, rebuilt: 0, graced: OBJECTS, heldBack: 0 })
      expect(first.nextDueAt).toBe(diedAt + 2 * GRACE_MS)
      // Past lostAfterMs, an operator holder would be lost now; the tab's shards still count.
      advance(GRACE_MS + 1_000)
      expect(await repairer.runOnce()).toMatchObject({ objects: OBJECTS, rebuilt: 0, waiting: 0, graced: OBJECTS })
      clock.ms = diedAt + 2 * GRACE_MS
      const after = await repairer.runOnce()
      expect(after).toMatchObject({ objects: OBJECTS, graced: 0 })
      expect(after.rebuilt + after.waiting).toBeGreaterThan(0)
    } finally {
      await repairer.stop()
    }
  }, SLOW)
})
