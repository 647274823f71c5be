import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { mulberry32, randomBytes, randomInt } from '../testing/seeded-random.ts'
import { WalletIdentity } from '../identity/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { holdersOf, isRunning, objectStoreDeps, stopNodes, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { placementKeyFor, rankPeers } from '../placement/index.ts'
import type { ObjectId, ShardIndex } from '../types/index.ts'
import type { SignedManifest } from '../wire/index.ts'
import { DEFAULT_FALLBACK_DELAY_MS, DEFAULT_HANDOFF_GRACE_MS, DEFAULT_RESURVEY_AFTER_MS, type RepairRound } from './repair-settings.ts'
import { REPAIRER_SPREAD, spreadOf } from './plan.ts'
import { Repairer } from './repair.ts'
import type { RepairTask } from './report.ts'
import { connectAll, createHealingMesh, manifestsOf, restartNode, shardLayout, stopHealingMesh, type ShardLayout } from '../testing/heal-mesh.ts'

const KIB = 1024
const OBJECTS = 10
/**
 * The repairers' clock. Grace periods and fallback delays are measured on it, and it moves only when a test moves
 * it, so how long rounds take on a busy machine cannot change what a test sees; the production defaults apply.
 */
const clock = { ms: Date.now() }
const advance = (ms: number): void => { clock.ms += ms }
/** A fresh instant: tasks started from now on have `startedAt` at or after it, earlier ones before it. */
const mark = (): number => { advance(1); return clock.ms }
/** Each test takes 2-8 s here; a machine shared with other work can make a round ten times slower. */
const SLOW = 180_000

describe('Repairer over 21 real libp2p storage nodes', () => {
  let nodes: MeshNode[] = []
  /** Nodes that have joined: every node but the newcomer at first. */
  let members: MeshNode[] = []
  let newcomer: MeshNode
  let wallet: WalletIdentity
  let placementKey: Uint8Array
  let manifests: Map<ObjectId, SignedManifest>
  const originals = new Map<ObjectId, Uint8Array>()
  const repairers = new Map<string, Repairer>()
  const logs: string[] = []
  const closestPeers = xorClosestPeers(() => members, { liveOnly: true })

  const byId = (peerId: string): MeshNode => nodes.find(node => node.peerId === peerId)!
  const live = (): MeshNode[] => members.filter(isRunning)
  /** Live members, nearest to the wallet's placement key first. */
  const ranking = async (): Promise<string[]> => await closestPeers(placementKey, nodes.length)
  /** The repairer of `objectId` among `holders` (nearest first): the nearest few take the objects in turn. */
  const repairerAmong = (objectId: string, holders: readonly string[]): string =>
    holders[spreadOf(objectId) % Math.min(REPAIRER_SPREAD, holders.length)]

  const newRepairer = (node: MeshNode): Repairer => new Repairer({
    libp2p: node.libp2p,
    store: node.store,
    holders: holdersOf(closestPeers),
    isDead: peer => !isRunning(byId(peer)),
    nodeKey: node.privateKey,
    requestTimeoutMs: 10_000,
    // Every key surveyed every round, so each test sees the effect of what it changed in the next one (leaving
    // unchanged keys alone is tested on its own).
    resurveyAfterMs: 0,
    // Shards are stored on the real clock and the test moves its own: no grace for new objects here (tested last).
    newObjectGraceMs: 0,
    now: () => clock.ms,
    log: message => logs.push(`${node.peerId.slice(-6)} ${message}`)
  })

  /** One round on every live member (but `skip`), all at once as in production. */
  const round = async (skip: string[] = []): Promise<RepairRound[]> =>
    await Promise.all(live().filter(node => !skip.includes(node.peerId)).map(async node => await repairers.get(node.peerId)!.runOnce()))

  /**
   * Rounds until a quiet one (nothing done, every node heard from every other, and unless `waiting`, nothing put
   * off); returns them all. The clock stands still meanwhile, so no fallback or grace period ends during it. On a
   * loaded machine a request may time out and a task fail; the next round retries it, as in production.
   */
  const settle = async ({ skip = [], waiting = false }: { skip?: string[], waiting?: boolean } = {}): Promise<RepairRound[]> => {
    const all: RepairRound[] = []
    const maxRounds = 8
    for (let i = 0; i < maxRounds; i++) {
      const rounds = await round(skip)
      all.push(...rounds)
      const quiet = (r: RepairRound): boolean =>
        r.rebuilt + r.handedOff + r.dropped + r.corrupt + r.unanswered + r.failures + (waiting ? 0 : r.waiting) === 0
      if (rounds.every(quiet)) return all
    }
    throw new Error(`no quiet round after ${maxRounds} rounds:\n${logs.slice(-20).join('\n')}`)
  }

  /** Finished tasks of every node that started at or after `since` (on the repairers' clock). */
  const tasksSince = (since: number, kind?: RepairTask['kind']): Array<RepairTask & { node: string }> =>
    [...repairers.entries()].flatMap(([node, repairer]) => repairer.status().finished
      .filter(task => task.startedAt >= since && (kind === undefined || task.kind === kind))
      .map(task => ({ ...task, node })))
  const doneSince = (since: number, kind: RepairTask['kind']): Array<RepairTask & { node: string }> =>
    tasksSince(since, kind).filter(task => task.status === 'done')

  /**
   * No round hit an unexpected error, and every task that failed since `since` failed for a reason the next round
   * cures (a holder that did not answer in time on a busy machine), not for a wrong decision.
   */
  const expectClean = (rounds: RepairRound[], since: number): void => {
    expect(rounds.reduce((sum, r) => sum + r.errors, 0), logs.slice(-10).join('\n')).toBe(0)
    for (const task of tasksSince(since).filter(task => task.status === 'failed')) {
      expect(task.error).toMatch(/^(RepairShortOfShardsError|ChunkPeerUnreachableError|RemoteBusyError|NoShardTargetError)/)
    }
  }

  const layout = async (): Promise<ShardLayout> => await shardLayout(nodes, manifests)

  /** Every object has all its shards, verified, each exactly once, on `distinct` different live nodes. */
  const expectFullyPlaced = (current: ShardLayout, maxPerNode = 1): void => {
    for (const [objectId, byIndex] of current.holders) {
      expect([...byIndex.keys()].sort((a, b) => a - b), objectId).toEqual(Array.from({ length: 15 }, (_, i) => i))
      for (const holders of byIndex.values()) expect(holders).toHaveLength(1)
      expect(current.corrupt.get(objectId)).toEqual([])
      const perHolder = new Map<string, number>()
      for (const [holder] of byIndex.values()) perHolder.set(holder, (perHolder.get(holder) ?? 0) + 1)
      expect(Math.max(...perHolder.values())).toBeLessThanOrEqual(maxPerNode)
      expect(perHolder.size).toBe(Math.min(15, live().length))
      for (const holder of perHolder.keys()) expect(isRunning(byId(holder))).toBe(true)
    }
  }

  const expectReadable = async (): Promise<void> => {
    const reader = live().at(-1)!
    const objects = new ObjectStore(objectStoreDeps(reader, wallet, closestPeers, { fetchTimeoutMs: 10_000 }))
    const fetched = await objects.fetchObjects()
    expect(fetched.failed).toEqual([])
    expect(fetched.objects).toHaveLength(OBJECTS)
    for (const object of fetched.objects) expect(object.bytes).toEqual(originals.get(object.objectId))
  }

  beforeAll(async () => {
    nodes = await createHealingMesh(21)
    // Storage nodes keep connections to each other (the peer keeper's job); open them before anything is timed.
    await connectAll(nodes)
    wallet = WalletIdentity.generate()
    placementKey = placementKeyFor(NS_HISTORY, wallet.address)
    // The newcomer is the node nearest the key: when it joins, it belongs among the holders of every object.
    members = nodes
    newcomer = byId((await ranking())[0])
    members = nodes.filter(node => node !== newcomer)
    const sender = members[0]
    // Objects in both manifest formats under one key: new ones (version 2, shards with proofs) and ones written
    // before it (version 1), which every holder keeps repairing.
    const writers = [new ObjectStore(objectStoreDeps(sender, wallet, closestPeers)), new ObjectStore({ ...objectStoreDeps(sender, wallet, closestPeers), manifestVersion: 1 })]
    const random = mulberry32(0x4ea1)
    const sizes = [0, 1, 48 * KIB, ...Array.from({ length: OBJECTS - 3 }, () => randomInt(random, 48 * KIB))]
    for (const [i, size] of sizes.entries()) {
      const bytes = randomBytes(random, size)
      const { objectId } = await writers[i % 2].storeObject(bytes)
      originals.set(objectId, bytes)
    }
    manifests = await manifestsOf(nodes, originals.keys())
    expect([...manifests.values()].map(manifest => manifest.version).sort()).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    for (const node of nodes) repairers.set(node.peerId, newRepairer(node))
  }, SLOW)

  afterAll(async () => { await stopHealingMesh(repairers.values(), nodes) }, 30_000)

  it('does nothing while every object is fully placed', async () => {
    const since = mark()
    const rounds = await settle()
    expectClean(rounds, since)
    expect(tasksSince(since)).toEqual([])
    expectFullyPlaced(await layout())
    // A holder's co-holders, for its health monitor: the 15 holders and the next 5 nodes, itself excluded.
    const ring = (await ranking()).slice(0, 20)
    expect(new Set(repairers.get(ring[3])!.coHolders())).toEqual(new Set(ring.filter(id => id !== ring[3])))
  }, SLOW)

  it('leaves a fully placed key unsurveyed until its ring or the node\'s shards change, or the resurvey time', async () => {
    const holder = byId((await ranking())[4])
    const production = new Repairer({
      libp2p: holder.libp2p, store: holder.store, holders: holdersOf(closestPeers), isDead: peer => !isRunning(byId(peer)), nodeKey: holder.privateKey,
      newObjectGraceMs: 0, now: () => clock.ms
    })
    expect(await production.runOnce()).toMatchObject({ objects: OBJECTS, unchangedKeys: 0, rebuilt: 0 })
    advance(DEFAULT_RESURVEY_AFTER_MS - 1)
    expect(await production.runOnce()).toMatchObject({ objects: 0, unchangedKeys: 1, unanswered: 0 })
    advance(1)
    expect(await production.runOnce()).toMatchObject({ objects: OBJECTS, unchangedKeys: 0 })
    // One of its own shards gone (as after a scrub): the key is surveyed at once (the object it held is no longer
    // among the ones it examines).
    const [record] = await holder.store.listObjectShards([...originals.keys()][0])
    await holder.store.delete(record.objectId, record.shardIndex)
    try {
      expect(await production.runOnce()).toMatchObject({ objects: OBJECTS - 1, unchangedKeys: 0 })
    } finally {
      await holder.store.put(record)
    }
  }, SLOW)

  it('hands shards to a node that joins closest to the key only after the grace period', async () => {
    const pushedOut = (await ranking())[14]
    members = [...members, newcomer]
    const joinedAt = mark()
    // The hand-off is put off until the grace period ends: these rounds are quiet but for that.
    const early = await settle({ waiting: true })
    advance(DEFAULT_HANDOFF_GRACE_MS - 1)
    early.push(...await settle({ waiting: true }))
    expectClean(early, joinedAt)
    expect((await newcomer.store.stats()).shards).toBe(0)
    expect(tasksSince(joinedAt)).toEqual([])

    advance(1)
    const handedOffAt = mark()
    expectClean(await settle(), handedOffAt)
    const handoffs = doneSince(handedOffAt, 'handoff')
    expect(handoffs).toHaveLength(OBJECTS)
    for (const task of handoffs) expect(task).toMatchObject({ node: pushedOut, to: [newcomer.peerId] })
    expect(tasksSince(handedOffAt, 'rebuild')).toEqual([])
    expect((await newcomer.store.stats()).shards).toBe(OBJECTS)
    expect((await byId(pushedOut).store.stats()).shards).toBe(0)
    expectFullyPlaced(await layout())
  }, SLOW)

  let firstDead: MeshNode[] = []

  it('rebuilds the shards of 5 stopped holders by exactly one node per object, onto the next-closest live nodes', async () => {
    const before = await ranking()
    firstDead = before.slice(0, 15).filter((_, i) => i % 3 === 1).map(byId)
    const deadIds = firstDead.map(node => node.peerId)
    const deadShards = await Promise.all(firstDead.map(async node => (await node.store.stats()).shards))
    const placed = await layout()
    const lostIndices = (objectId: ObjectId): number[] => [...placed.holders.get(objectId)!.entries()]
      .filter(([, holders]) => deadIds.includes(holders[0])).map(([index]) => index).sort((a, b) => a - b)
    const survivors = before.filter(id => !deadIds.includes(id))
    await stopNodes(firstDead)
    const stoppedAt = mark()
    // The first round after the deaths: the 3 nodes nearest the key survey it (the repairer is among them); the
    // other holders wait one fallback delay, so a death does not cost a survey by every holder.
    const holding = new Set<string>()
    for (const node of live()) if ((await node.store.stats()).shards > 0) holding.add(node.peerId)
    const firstRounds = await round()
    const ids = live().map(node => node.peerId)
    ids.forEach((id, i) => {
      if (!holding.has(id)) return
      expect(firstRounds[i].deferredKeys, `rank ${survivors.indexOf(id)}`).toBe(survivors.indexOf(id) < 3 ? 0 : 1)
    })
    expectClean([...firstRounds, ...await settle()], stoppedAt)

    expectFullyPlaced(await layout())
    // Exactly one repair per object, by its turn among the three nearest surviving holders (a timed-out attempt
    // is retried by the same node).
    const rebuilds = doneSince(stoppedAt, 'rebuild')
    expect(rebuilds.map(task => task.objectId).sort()).toEqual([...originals.keys()].sort())
    for (const task of tasksSince(stoppedAt, 'rebuild')) expect(task.node).toBe(repairerAmong(task.objectId, survivors))
    for (const task of rebuilds) {
      const shardSize = manifests.get(task.objectId as ObjectId)!.shardSize
      expect(task.shardIndices).toEqual(lostIndices(task.objectId as ObjectId))
      expect(task.shardIndices).toHaveLength(5)
      expect(task.rejectedShards).toBe(0)
      // Onto the five next-closest live nodes, which held nothing of the object.
      expect(new Set(task.to)).toEqual(new Set(survivors.slice(10, 15)))
      // k shards read (one of them its own), one written per rebuilt shard.
      expect(task.bytesRead).toBe(10 * shardSize)
      expect(task.bytesFetched).toBe(9 * shardSize)
      expect(task.bytesWritten).toBe(5 * shardSize)
    }
    expect(tasksSince(stoppedAt).filter(task => task.kind !== 'rebuild')).toEqual([])
    // What the node panel shows: nothing pending, the repairs among the finished tasks, and the totals.
    const statuses = survivors.slice(0, REPAIRER_SPREAD).map(id => repairers.get(id)!.status())
    for (const status of statuses) {
      expect(status.pending).toEqual([])
      expect(status.lastRound).toMatchObject({ rebuilt: 0, errors: 0 })
    }
    expect(statuses.flatMap(status => status.finished.filter(task => task.startedAt >= stoppedAt && task.status === 'done'))).toHaveLength(OBJECTS)
    expect(statuses.reduce((sum, status) => sum + status.counters.shardsRebuilt, 0)).toBeGreaterThanOrEqual(5 * OBJECTS)
    // Nothing was written to a stopped node.
    expect(await Promise.all(firstDead.map(async node => (await node.store.stats()).shards))).toEqual(deadShards)
  }, SLOW)

  it('falls back to the next holder after the delay when the repairer does not act', async () => {
    const ranked = await ranking()
    const emptied = ranked[7]
    // Two objects with the same repairer: one of the three nearest holders has at least 4 of the 10 objects.
    const byRepairer = new Map<string, ObjectId[]>()
    for (const id of originals.keys()) byRepairer.set(repairerAmong(id, ranked), [...(byRepairer.get(repairerAmong(id, ranked)) ?? []), id])
    const [primary, [objectA, objectB]] = [...byRepairer].find(([, ids]) => ids.length >= 2)!
    // Next in turn after it: the one after it among the three nearest, in rotation.
    const nearest = ranked.slice(0, REPAIRER_SPREAD)
    const second = nearest[(nearest.indexOf(primary) + 1) % REPAIRER_SPREAD]
    for (const objectId of [objectA, objectB]) {
      const [record] = await byId(emptied).store.listObjectShards(objectId)
      await byId(emptied).store.delete(objectId, record.shardIndex) // a live holder that lost its shard
    }
    const lostAt = mark()
    // The repairer is stuck: it runs no rounds. The others see the shortage and wait their turn.
    const rounds = await round([primary])
    advance(DEFAULT_FALLBACK_DELAY_MS - 1)
    rounds.push(...await round([primary]))
    expect(tasksSince(lostAt, 'rebuild')).toEqual([])

    // The next holder's turn comes one delay after it first saw the shortage, the one after it two delays after.
    advance(1)
    rounds.push(...await settle({ skip: [primary] }))
    expectClean(rounds, lostAt)
    const rebuilds = doneSince(lostAt, 'rebuild')
    expect(rebuilds.map(task => task.objectId).sort()).toEqual([objectA, objectB].sort())
    for (const task of rebuilds) expect(task).toMatchObject({ to: [emptied] })
    expect(new Set(tasksSince(lostAt, 'rebuild').map(task => task.node))).toEqual(new Set([second]))
    expectFullyPlaced(await layout())
    const back = mark()
    expectClean(await settle(), back) // the repairer, back, finds nothing left to do
    expect(tasksSince(back)).toEqual([])
  }, SLOW)

  it('never rebuilds from a shard corrupted in a holder\'s store, and repairs the corrupted shard itself', async () => {
    const ranked = await ranking()
    const [, corrupted, , , , emptied] = ranked
    // The largest object whose repairer is not the corrupted holder.
    const [objectId] = [...originals.entries()].filter(([id]) => repairerAmong(id, ranked) !== corrupted)
      .sort(([, a], [, b]) => b.length - a.length)[0]
    const primary = repairerAmong(objectId, ranked)
    const [bad] = await byId(corrupted).store.listObjectShards(objectId)
    const data = Uint8Array.from(bad.data)
    data[3] ^= 0x5a
    await byId(corrupted).store.put({ ...bad, data }) // bytes changed; the record's hash and the LIST summary are not
    const [lost] = await byId(emptied).store.listObjectShards(objectId)
    await byId(emptied).store.delete(objectId, lost.shardIndex)
    const startedAt = mark()

    // The corrupted holder runs no round yet, so its bad shard is still there to be offered to the repairer.
    expectClean(await settle({ skip: [corrupted] }), startedAt)
    const [rebuild] = doneSince(startedAt, 'rebuild')
    expect(rebuild).toMatchObject({ node: primary, objectId, shardIndices: [lost.shardIndex], to: [emptied] })
    expect(rebuild.rejectedShards).toBeGreaterThanOrEqual(1)
    expect(rebuild.from).not.toContain(corrupted)
    expect(rebuild.from).toHaveLength(10)
    expect((await layout()).holders.get(objectId)!.get(lost.shardIndex)).toEqual([emptied])

    const scrubbedAt = mark()
    expectClean(await settle(), scrubbedAt)
    expect(tasksSince(scrubbedAt, 'scrub')).toMatchObject([{ node: corrupted, objectId, shardIndices: [bad.shardIndex] }])
    // The corrupted holder deleted its shard, so it is no holder of the object when the rebuild is planned.
    const repairer = repairerAmong(objectId, ranked.filter(id => id !== corrupted))
    expect(doneSince(scrubbedAt, 'rebuild')).toMatchObject([{ node: repairer, shardIndices: [bad.shardIndex], to: [corrupted] }])
    expectFullyPlaced(await layout())
    expect((await byId(corrupted).store.get(objectId, bad.shardIndex as ShardIndex))!.data).not.toEqual(data)
  }, SLOW)

  it('keeps every object readable after 5 more current holders stop, and restores every shard on the 11 live nodes', async () => {
    const holders = (await ranking()).slice(0, 15)
    await stopNodes(holders.filter((_, i) => i % 3 === 0).map(byId)) // the repairer among them
    expect(live()).toHaveLength(11)
    await expectReadable()
    const since = mark()
    expectClean(await settle(), since)
    expectFullyPlaced(await layout(), 2)
    await expectReadable()
  }, SLOW)

  it('lets nodes that return after their shards were rebuilt elsewhere cause no new copies, then drops the extra ones', async () => {
    const recordsBefore = (await layout()).records
    for (const node of firstDead) {
      await restartNode(node, members)
      repairers.set(node.peerId, newRepairer(node)) // a restarted node remembers nothing of its last run
    }
    expect(live()).toHaveLength(16)
    const returnedAt = mark()
    const returned = await layout()
    // Back with the shards they held before: copies of shards that were rebuilt elsewhere meanwhile.
    expect(returned.records).toBe(recordsBefore + firstDead.length * OBJECTS)
    const rounds = await settle({ waiting: true })
    advance(DEFAULT_HANDOFF_GRACE_MS - 1)
    rounds.push(...await settle({ waiting: true }))
    // Within the grace period: nothing rebuilt, nothing dropped, no copy made (a shard may move within the set).
    expect(tasksSince(returnedAt).filter(task => task.kind !== 'handoff')).toEqual([])
    expect((await layout()).records).toBe(returned.records)

    advance(1)
    rounds.push(...await settle())
    expectClean(rounds, returnedAt)
    const current = await layout()
    expectFullyPlaced(current)
    expect(current.records).toBe(OBJECTS * 15) // no duplicate left anywhere
    expect(tasksSince(returnedAt, 'rebuild')).toEqual([])
    expect(doneSince(returnedAt, 'drop').length).toBeGreaterThan(0)
  }, SLOW)

  it('survives a third round of 5 stopped holders', async () => {
    const holders = (await ranking()).slice(0, 15)
    await stopNodes(holders.filter((_, i) => i % 3 === 2).map(byId))
    await expectReadable()
    const since = mark()
    expectClean(await settle(), since)
    expectFullyPlaced(await layout(), 2)
    await expectReadable()
  }, SLOW)

  it('leaves objects alone while their owner may still be placing shards, unless one of their expected holders dies', async () => {
    const ring = await closestPeers(placementKey, 15)
    // A node that has not surveyed the key yet, with a grace for new objects that has not run out.
    const youngRepairer = (node: MeshNode): Repairer => new Repairer({
      libp2p: node.libp2p, store: node.store, holders: holdersOf(closestPeers), isDead: peer => !isRunning(byId(peer)), nodeKey: node.privateKey,
      newObjectGraceMs: 60 * 60_000
    })
    const nearest = byId(ring[0])
    const settled = newRepairer(nearest)
    expect((await settled.runOnce()).objects).toBeGreaterThan(0)
    // The same shards, seen by a node whose grace for new objects has not run out: not examined, nothing done.
    const young = youngRepairer(nearest)
    expect(await young.runOnce()).toMatchObject({ objects: 0, rebuilt: 0, handedOff: 0, dropped: 0 })
    // A live peer reported dead (a stale verdict) changes nothing; a stopped node that would be one of the key's
    // expected holders does: the objects' missing shards are then a loss, not a store in progress.
    young.peerDied(ring[5])
    expect((await young.runOnce()).objects).toBe(0)
    const lost = nodes.find(node => !isRunning(node) && node !== newcomer &&
      rankPeers(placementKey, [...ring, node.peerId]).indexOf(node.peerId) < 15)
    expect(lost, 'a stopped node among the expected holders').toBeDefined()
    young.peerDied(lost!.peerId)
    expect((await young.runOnce()).objects).toBeGreaterThan(0)
    // A holder farther from the key leaves that first survey to the nearest ones, for one fallback delay.
    const far = youngRepairer(byId(ring[10]))
    far.peerDied(lost!.peerId)
    expect(await far.runOnce()).toMatchObject({ objects: 0, deferredKeys: 1 })
    // One fallback delay more per rank beyond the nearest three: still waiting after the first delay, surveying
    // once its turn could have come.
    let at = Date.now()
    const farther = new Repairer({
      libp2p: byId(ring[10]).libp2p, store: byId(ring[10]).store, holders: holdersOf(closestPeers), isDead: peer => !isRunning(byId(peer)),
      nodeKey: byId(ring[10]).privateKey, newObjectGraceMs: 60 * 60_000, fallbackDelayMs: 1_000, now: () => at
    })
    farther.peerDied(lost!.peerId)
    expect(await farther.runOnce()).toMatchObject({ objects: 0, deferredKeys: 1 })
    at += 1_000
    expect(await farther.runOnce()).toMatchObject({ objects: 0, deferredKeys: 1 })
    at += 20 * 1_000
    expect((await farther.runOnce()).objects).toBeGreaterThan(0)
  }, SLOW)

  it('examines at once an object whose shard a node was given (a rebuild) long after its owner created it', async () => {
    // A shard rebuilt in an earlier test: stored on its node well after every object was created.
    const createdAt = Math.max(...[...manifests.values()].map(manifest => manifest.createdAt))
    let found: { node: MeshNode, storedAt: number } | undefined
    for (const node of live()) {
      for (const { objectId, storedAt } of await node.store.listShardKeys()) {
        if (manifests.has(objectId) && storedAt - createdAt > 1000 && storedAt > (found?.storedAt ?? 0)) found = { node, storedAt }
      }
    }
    expect(found, 'a node holding a rebuilt shard').toBeDefined()
    const { node, storedAt } = found!
    // Its newest shard is 1 ms old, but every object it holds was created a whole grace period ago.
    const at = storedAt + 1
    const repairer = new Repairer({
      libp2p: node.libp2p, store: node.store, holders: holdersOf(closestPeers), isDead: peer => !isRunning(byId(peer)), nodeKey: node.privateKey,
      newObjectGraceMs: at - createdAt, now: () => at
    })
    const held = new Set((await node.store.listShardKeys()).filter(s => manifests.has(s.objectId)).map(s => s.objectId))
    expect((await repairer.runOnce()).objects).toBe(held.size)
  }, SLOW)
})
