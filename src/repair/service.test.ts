/**
 * The repair service as a node runs it: the peer keeper's class of each holder reaches the grace a dead holder gets.
 * Real libp2p storage nodes; the health monitor's verdicts and the repairer's clock are the test's own.
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
import { repairService, type RepairService, type RepairServiceComponents, type RepairServiceInit } from './service.ts'

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

describe('repair service: the grace of a dead holder follows the class the keeper knows', () => {
  let nodes: MeshNode[] = []
  let key: Uint8Array
  const objectIds: ObjectId[] = []
  const services: RepairService[] = []
  const clock = { ms: 0 }

  beforeAll(async () => {
    nodes = await createHealingMesh(NODES)
    await connectAll(nodes)
    const wallet = WalletIdentity.generate()
    key = placementKeyFor(NS_HISTORY, wallet.address)
    const objects = new ObjectStore(objectStoreDeps(nodes[0], wallet, xorClosestPeers(() => nodes, { liveOnly: true })))
    const random = mulberry32(0xc1a55)
    for (let i = 0; i < OBJECTS; i++) objectIds.push((await objects.storeObject(randomBytes(random, 2_000 + 1_000 * i))).objectId)
    // Past the grace of new objects: every stored object is examined from the first round.
    clock.ms = Date.now() + 60_000
  }, SLOW)

  afterAll(async () => { await stopHealingMesh(services.map(service => ({ stop: async () => { await service.stop() } })), nodes) }, 30_000)

  /** A repair service on `node` as create-node assembles one, with the keeper's classes `classes` and the test's clock. */
  const serviceOn = (node: MeshNode, health: RepairServiceComponents['health'], classes: Map<string, HolderClass>, init: Partial<RepairServiceInit>): RepairService => {
    const service = repairService({
      healthIntervalMs: HEALTH_INTERVAL_MS,
      handoffGraceMs: DEFAULT_HANDOFF_GRACE_MS,
      placementRules: DEFAULT_PLACEMENT_RULES,
      requestsPerHolder: DEFAULT_REQUESTS_PER_HOLDER,
      maxConcurrentObjects: 4,
      now: () => clock.ms,
      ...init
    })({
      libp2p: node.libp2p,
      store: node.store,
      nodeKey: node.privateKey,
      holders: holdersOf(xorClosestPeers(() => nodes, { liveOnly: false })),
      health,
      keeper: { classOf: peerId => classes.get(peerId) ?? 'unknown' }
    })
    services.push(service)
    return service
  }

  it('rebuilds a dead best-effort tab\'s shards after the operators\' grace, and keeps counting a dead tab with persistent storage', async () => {
    const ranked = await xorClosestPeers(() => nodes, { liveOnly: true })(key, NODES)
    const byId = (peerId: string): MeshNode => nodes.find(node => node.peerId === peerId)!
    const [nearest, bestEffortTab, persistentTab] = [ranked[0], ranked[2], ranked[3]].map(byId)
    const classes = new Map<string, HolderClass>(ranked.map(peerId => [peerId, 'operator']))
    classes.set(bestEffortTab.peerId, 'best-effort-tab')
    classes.set(persistentTab.peerId, 'tab')
    const layout = await shardLayout(nodes, await manifestsOf(nodes, objectIds))
    const indicesOn = (node: MeshNode): Map<ObjectId, number[]> => new Map([...layout.holders].map(([objectId, byIndex]) =>
      [objectId, [...byIndex].filter(([, holders]) => holders.includes(node.peerId)).map(([index]) => index)]))
    const bestEffortShards = indicesOn(bestEffortTab)
    expect([...bestEffortShards.values()].flat()).toHaveLength(OBJECTS)

    const health = fakeHealth()
    const service = serviceOn(nearest, health, classes, { lostAfterMs: HOUR, tabLostAfterMs: DAY })
    await service.start()
    service.startAfterJoin()
    await until('a first round that saw every holder', () => service.status().lastRound?.objects === OBJECTS)
    const rebuilds = (): RepairTask[] => service.status().finished.filter(task => task.kind === 'rebuild')
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
