/**
 * The repair service as a node runs it: the peer keeper's class of each holder reaches the grace a dead holder gets,
 * and the dead holders it counts outlive a restart through the node's key store. Real libp2p storage nodes; the
 * health monitor's verdicts, the key store (in memory) and the repairer's clock are the test's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import type { HealthEvents } from '../health/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import type { HolderClass } from '../net/index.ts'
import { DEFAULT_REQUESTS_PER_HOLDER, ObjectStore } from '../objects/index.ts'
import { DEFAULT_PLACEMENT_RULES, placementKeyFor } from '../placement/index.ts'
import { connectAll, createHealingMesh, manifestsOf, shardLayout, stopHealingMesh } from '../testing/heal-mesh.ts'
import { holdersOf, objectStoreDeps, stopNodes, xorClosestPeers, type MeshNode } from '../testing/object-mesh.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import type { ObjectId } from '../types/index.ts'
import { DEFAULT_HANDOFF_GRACE_MS, repairTimings } from './repair-settings.ts'
import type { RepairTask } from './report.ts'
import { decodeGraceRecord } from './grace-record.ts'
import { GRACE_RECORD_NAME, repairService, type LocalRecords, type RepairService, type RepairServiceComponents, type RepairServiceInit } from './service.ts'

const NODES = 16
const OBJECTS = 3
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Short, so rounds come often: every 5 health intervals (1 s), and one starts after each death. */
const HEALTH_INTERVAL_MS = 200
const SLOW = 180_000

/** Waits until `condition` holds, polling; `tick` runs between polls (the test's clock moving on). */
async function until (what: string, condition: () => boolean, tick: () => void = () => {}, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
    tick()
  }
}

/** A health monitor whose verdicts the test gives: `declareDead` tells the services that listen. */
function fakeHealth (): RepairServiceComponents['health'] & { declareDead: (peerId: string) => void } {
  const dead = new Set<string>()
  const listeners = new Set<(detail: HealthEvents['dead']) => void>()
  return {
    isDead: peerId => dead.has(peerId),
    on: (type, listener) => {
      if (type !== 'dead') return () => {}
      const deadListener = listener as (detail: HealthEvents['dead']) => void
      listeners.add(deadListener)
      return () => { listeners.delete(deadListener) }
    },
    watch: () => {},
    checkSoon: () => {},
    declareDead: peerId => {
      dead.add(peerId)
      for (const listener of listeners) listener({ peerId } as unknown as HealthEvents['dead'])
    }
  }
}

/** The repairers' clock: graces and fallback delays end only when a test moves it. */
const clock = { ms: 0 }
const logs: string[] = []

/**
 * For the enclosing describe: NODES storage nodes holding OBJECTS objects of one owner, and `serviceOn`, a repair
 * service on one of them as create-node assembles it, with the keeper's classes `classes` and the test's clock.
 */
function meshOfObjects () {
  const mesh: { nodes: MeshNode[], key: Uint8Array, objectIds: ObjectId[] } = { nodes: [], key: new Uint8Array(), objectIds: [] }
  const services: RepairService[] = []

  beforeAll(async () => {
    mesh.nodes = await createHealingMesh(NODES)
    await connectAll(mesh.nodes)
    const wallet = WalletIdentity.generate()
    mesh.key = placementKeyFor(NS_HISTORY, wallet.address)
    const objects = new ObjectStore(objectStoreDeps(mesh.nodes[0], wallet, xorClosestPeers(() => mesh.nodes, { liveOnly: true })))
    const random = mulberry32(0xc1a55)
    for (let i = 0; i < OBJECTS; i++) mesh.objectIds.push((await objects.storeObject(randomBytes(random, 2_000 + 1_000 * i))).objectId)
    // Past the grace of new objects: every stored object is examined from the first round.
    clock.ms = Date.now() + 60_000
  }, SLOW)

  afterAll(async () => { await stopHealingMesh(services.map(service => ({ stop: async () => { await service.stop() } })), mesh.nodes) }, 30_000)

  const serviceOn = (node: MeshNode, health: RepairServiceComponents['health'], classes: Map<string, HolderClass>, init: Partial<RepairServiceInit>,
    records?: LocalRecords): RepairService => {
    const service = repairService({
      healthIntervalMs: HEALTH_INTERVAL_MS,
      handoffGraceMs: DEFAULT_HANDOFF_GRACE_MS,
      placementRules: DEFAULT_PLACEMENT_RULES,
      requestsPerHolder: DEFAULT_REQUESTS_PER_HOLDER,
      maxConcurrentObjects: 4,
      now: () => clock.ms,
      log: message => logs.push(`${node.peerId.slice(-6)} ${message}`),
      ...init
    })({
      libp2p: node.libp2p,
      store: node.store,
      nodeKey: node.privateKey,
      holders: holdersOf(xorClosestPeers(() => mesh.nodes, { liveOnly: false })),
      health,
      keeper: { classOf: peerId => classes.get(peerId) ?? 'unknown' },
      records
    })
    services.push(service)
    return service
  }
  /** Live nodes, nearest the owner's placement key first. */
  const ranking = async (): Promise<MeshNode[]> =>
    (await xorClosestPeers(() => mesh.nodes, { liveOnly: true })(mesh.key, NODES)).map(peerId => mesh.nodes.find(node => node.peerId === peerId)!)
  /** Per object, the shard indices `node` holds. */
  const shardsOn = async (node: MeshNode): Promise<Map<ObjectId, number[]>> => {
    const layout = await shardLayout(mesh.nodes, await manifestsOf(mesh.nodes, mesh.objectIds))
    return new Map([...layout.holders].map(([objectId, byIndex]) =>
      [objectId, [...byIndex].filter(([, holders]) => holders.includes(node.peerId)).map(([index]) => index)]))
  }
  return { serviceOn, ranking, shardsOn }
}

const rebuildsOf = (service: RepairService): RepairTask[] => service.status().finished.filter(task => task.kind === 'rebuild')

describe('repair service: the grace of a dead holder follows the class the keeper knows', () => {
  const { serviceOn, ranking, shardsOn } = meshOfObjects()

  it('rebuilds a dead best-effort tab\'s shards after the operators\' grace, and keeps counting a dead tab with persistent storage', async () => {
    const ranked = await ranking()
    const [nearest, bestEffortTab, persistentTab] = [ranked[0], ranked[2], ranked[3]]
    const classes = new Map<string, HolderClass>(ranked.map(node => [node.peerId, 'operator']))
    classes.set(bestEffortTab.peerId, 'best-effort-tab')
    classes.set(persistentTab.peerId, 'tab')
    const bestEffortShards = await shardsOn(bestEffortTab)
    expect([...bestEffortShards.values()].flat()).toHaveLength(OBJECTS)

    const health = fakeHealth()
    const service = serviceOn(nearest, health, classes, { lostAfterMs: HOUR, tabLostAfterMs: DAY })
    await service.start()
    service.startAfterJoin()
    await until('a first round that saw every holder', () => service.status().lastRound?.objects === OBJECTS)
    const rebuilds = (): RepairTask[] => rebuildsOf(service)
    expect(rebuilds()).toEqual([])

    await stopNodes([bestEffortTab, persistentTab])
    health.declareDead(bestEffortTab.peerId)
    health.declareDead(persistentTab.peerId)
    await until('a round counting both dead tabs\' shards', () => service.status().lastRound?.graced === OBJECTS)
    expect(rebuilds()).toEqual([])

    // Past the operators' grace (the best-effort tab's), well inside the tabs' grace. The clock then moves on a
    // fallback delay per poll, so this node takes over the objects a nearer repairer would have rebuilt.
    clock.ms += HOUR
    const { fallbackDelayMs } = repairTimings(HEALTH_INTERVAL_MS)
    await until('every object rebuilt', () => new Set(rebuilds().filter(task => task.status === 'done').map(task => task.objectId)).size === OBJECTS,
      () => { clock.ms += fallbackDelayMs })
    // Only the best-effort tab's shard of each object: the persistent tab's still counts.
    for (const task of rebuilds()) expect(task.shardIndices).toEqual(bestEffortShards.get(task.objectId as ObjectId))
    expect(service.status().lastRound?.graced).toBe(OBJECTS)
    await service.stop()
  }, SLOW)
})

describe('repair service: the dead holders are kept across a restart', () => {
  const { serviceOn, ranking, shardsOn } = meshOfObjects()

  it('restarted within a health interval, keeps counting a dead holder until the grace of its first death ends', async () => {
    const ranked = await ranking()
    const [nearest, holder] = [ranked[0], ranked[4]]
    const classes = new Map<string, HolderClass>(ranked.map(node => [node.peerId, 'operator']))
    const holderShards = await shardsOn(holder)
    // The node's key store, in memory.
    const kept = new Map<string, Uint8Array>()
    let writes = 0
    const records: LocalRecords = {
      get: async name => kept.get(name),
      put: async (name, bytes) => { writes++; kept.set(name, bytes) }
    }
    const health = fakeHealth()
    const first = serviceOn(nearest, health, classes, { lostAfterMs: HOUR }, records)
    await first.start()
    first.startAfterJoin()
    await until('a first round that saw every holder', () => first.status().lastRound?.objects === OBJECTS)
    await stopNodes([holder])
    health.declareDead(holder.peerId)
    const diedAt = clock.ms
    await until('a round counting the dead holder\'s shards', () => first.status().lastRound?.graced === OBJECTS)
    // Written once a health interval when a holder died, without waiting for the stop.
    await until('the record written after the death', () => writes > 0)
    clock.ms += HOUR / 2
    await first.stop()
    const record = decodeGraceRecord(kept.get(GRACE_RECORD_NAME)!)
    expect(record.dead.map(spell => [spell.peer, spell.deadSince])).toEqual([[holder.peerId, diedAt]])

    // Back after less than a health interval; the new run's health monitor finds the holder dead again.
    clock.ms += HEALTH_INTERVAL_MS / 2
    const again = fakeHealth()
    again.declareDead(holder.peerId)
    const second = serviceOn(nearest, again, classes, { lostAfterMs: HOUR }, records)
    await second.start()
    second.startAfterJoin()
    await until('a first round after the restart', () => second.status().lastRound?.objects === OBJECTS)
    // Its shards still count: without the record this node would not know what it held, and rebuild them now.
    expect(second.status().lastRound?.graced).toBe(OBJECTS)
    expect(rebuildsOf(second)).toEqual([])
    // The grace ends an hour after the holder died, not an hour after the restart.
    clock.ms = diedAt + HOUR
    const { fallbackDelayMs } = repairTimings(HEALTH_INTERVAL_MS)
    await until('every object rebuilt', () => new Set(rebuildsOf(second).filter(task => task.status === 'done').map(task => task.objectId)).size === OBJECTS,
      () => { clock.ms += fallbackDelayMs }, 30_000)
    for (const task of rebuildsOf(second)) expect(task.shardIndices).toEqual(holderShards.get(task.objectId as ObjectId))
    await second.stop()
  }, SLOW)
})
