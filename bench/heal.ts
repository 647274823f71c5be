/**
 * Healing benchmark over real libp2p nodes on loopback (Node only): every node runs a HealthMonitor (libp2p ping)
 * and a Repairer wired as createNode would wire them (a death triggers a repair round; placement skips peers the
 * node's own monitor holds dead). Stops holders of an owner's objects and measures
 *
 * - detection time: from the stop until each live node's monitor declares the holder dead;
 * - time to full redundancy: from the stop until every object again has k + m verified shards on distinct live nodes;
 * - bytes read per rebuilt shard (the floor for one lost shard is k shards; a repair of several lost shards of an
 *   object shares one read of k).
 *
 * Run: `node_modules/.bin/node --import tsx src/healing/bench.ts [nodes] [objects] [objectKiB]`
 */
import { pathToFileURL } from 'node:url'
import { NS_HISTORY } from '../src/crypto/index.ts'
import { mulberry32, randomBytes } from '../src/testing/seeded-random.ts'
import { WalletIdentity } from '../src/identity/index.ts'
import { ObjectStore } from '../src/objects/index.ts'
import { holdersOf, isRunning, objectStoreDeps, stopNodes, type MeshNode } from '../src/testing/object-mesh.ts'
import { kadIdOf, kadIdOfKey, placementKeyFor, rankByDistance } from '../src/placement/index.ts'
import type { ObjectId } from '../src/types/index.ts'
import type { SignedManifest } from '../src/wire/index.ts'
import { chunkServiceProbe, HealthMonitor, pingProbe } from '../src/health/index.ts'
import { Repairer } from '../src/repair/index.ts'
import { connectAll, createHealingMesh, manifestsOf, shardLayout } from '../src/testing/heal-mesh.ts'

export interface HealingBenchOptions {
  /** Storage nodes (default 21, so 15 remain after both default scenarios). */
  nodes?: number
  /** Objects stored by one owner (default 10). */
  objects?: number
  objectBytes?: number
  healthIntervalMs?: number
  healthRetries?: number
  /**
   * `chunks` (default): a LIST on the chunk protocol. `ping`: libp2p ping, whose one outbound stream per connection
   * collides with the connection monitor's own pings and fails attempts on a busy node.
   */
  probe?: 'chunks' | 'ping'
  retryDelayMs?: number
  probeTimeoutMs?: number
  /** Holders stopped at once, one scenario each (default 1, then 5). */
  failures?: number[]
  /** Give up waiting for full redundancy after this long (default 60 s). */
  deadlineMs?: number
  print?: (line: string) => void
  /** Receives the monitors' and repairers' log lines (default: dropped). */
  log?: (line: string) => void
}

export interface HealingBenchRow {
  stoppedHolders: number
  /** From the stop to the first, median and last live node declaring every stopped holder dead. */
  detectFirstMs: number
  detectMedianMs: number
  detectLastMs: number
  /** From the stop until every object has k + m verified shards on distinct live nodes (NaN: deadline passed). */
  fullRedundancyMs: number
  shardsRebuilt: number
  rebuildTasks: number
  shardBytes: number
  /** Rebuild bytes read (own shard included) per rebuilt shard, and the same in shards. */
  bytesReadPerRebuiltShard: number
  shardsReadPerRebuiltShard: number
  /** Network bytes only. */
  bytesFetchedPerRebuiltShard: number
}

export async function runHealingBench (options: HealingBenchOptions = {}): Promise<HealingBenchRow[]> {
  const {
    nodes: nodeCount = 21, objects: objectCount = 10, objectBytes = 64 * 1024, healthIntervalMs = 5000, healthRetries = 3,
    retryDelayMs = 500, probeTimeoutMs = 2000, probe = 'chunks', failures = [1, 5], deadlineMs = 60_000, print = console.log, log
  } = options
  const nodes = await createHealingMesh(nodeCount)
  await connectAll(nodes)
  const monitors = new Map<string, HealthMonitor>()
  const repairers = new Map<string, Repairer>()
  const deadSeen = new Map<string, Map<string, number>>() // victim → node → when declared dead
  const rows: HealingBenchRow[] = []

  try {
    for (const node of nodes) {
      const monitor = new HealthMonitor({
        peers: () => nodes.filter(other => other !== node).map(other => other.peerId),
        probe: probe === 'ping' ? pingProbe(node.libp2p) : chunkServiceProbe(node.libp2p, probeTimeoutMs),
        intervalMs: healthIntervalMs,
        retries: healthRetries,
        retryDelayMs,
        probeTimeoutMs,
        log: log === undefined ? undefined : line => log(`${node.peerId.slice(-6)} ${Date.now() % 100000} ${line}`)
      })
      const repairer = new Repairer({
        libp2p: node.libp2p, store: node.store, holders: holdersOf(closestFor(monitor, nodes)), isDead: peer => monitor.isDead(peer), nodeKey: node.privateKey,
        requestJitterMs: 300,
        newObjectGraceMs: 0, // objects are stored before the clock of the benchmark starts
        log: log === undefined ? undefined : line => log(`${node.peerId.slice(-6)} ${Date.now() % 100000} ${line}`)
      })
      monitor.on('dead', ({ peerId }) => {
        const seen = deadSeen.get(peerId) ?? new Map<string, number>()
        seen.set(node.peerId, Date.now())
        deadSeen.set(peerId, seen)
        repairer.peerDied(peerId)
      })
      monitor.on('alive', () => repairer.requestRound())
      monitors.set(node.peerId, monitor)
      repairers.set(node.peerId, repairer)
    }

    const wallet = WalletIdentity.generate()
    const placementKey = placementKeyFor(NS_HISTORY, wallet.address)
    const sender = nodes[0]
    const objects = new ObjectStore(objectStoreDeps(sender, wallet, closestFor(monitors.get(sender.peerId)!, nodes)))
    const random = mulberry32(0xbe4c)
    const ids: ObjectId[] = []
    for (let i = 0; i < objectCount; i++) ids.push((await objects.storeObject(randomBytes(random, objectBytes))).objectId)
    const manifests = await manifestsOf(nodes, ids)
    const shardBytes = [...manifests.values()][0].shardSize
    for (const monitor of monitors.values()) monitor.start()
    for (const repairer of repairers.values()) repairer.start()
    print(`healing bench: ${nodeCount} nodes, ${objectCount} objects of ${objectBytes} B (${shardBytes} B shards), ` +
      `${probe} probe every ${healthIntervalMs} ms with ${healthRetries} retries ${retryDelayMs} ms apart, ${probeTimeoutMs} ms per attempt`)

    for (const stopCount of failures) {
      await untilFullyPlaced(nodes, manifests, deadlineMs) // start from full redundancy
      const totalsBefore = totals(repairers)
      const ranking = rankByDistance(kadIdOfKey(placementKey), nodes.filter(isRunning).map(node => node.peerId), kadIdOf).map(r => r.item)
      // Holders other than the nearest, so the usual repairer survives and the numbers are comparable.
      const victims = ranking.slice(1, 15).filter((_, i) => i % 2 === 0).slice(0, stopCount)
      const victimNodes = victims.map(id => nodes.find(node => node.peerId === id)!)
      const stoppedAt = Date.now()
      await stopNodes(victimNodes)
      for (const id of victims) {
        monitors.get(id)?.stop().catch(() => {})
        await repairers.get(id)?.stop()
      }
      const fullAt = await untilFullyPlaced(nodes, manifests, deadlineMs)
      const watchers = nodes.filter(isRunning).map(node => node.peerId)
      await until(() => victims.every(victim => watchers.every(node => deadSeen.get(victim)?.has(node) === true)), deadlineMs)
      // A node "detects" the failure when it has declared every stopped holder dead.
      const detected = watchers.map(node => Math.max(...victims.map(victim => deadSeen.get(victim)?.get(node) ?? NaN)) - stoppedAt)
        .sort((a, b) => a - b)
      // Stores finish a moment before their task is closed and counted.
      await until(() => [...repairers.values()].every(repairer => repairer.status().pending.length === 0), deadlineMs)
      const after = totals(repairers)
      const rebuilt = after.shardsRebuilt - totalsBefore.shardsRebuilt
      const read = after.rebuildBytesRead - totalsBefore.rebuildBytesRead
      const row: HealingBenchRow = {
        stoppedHolders: stopCount,
        detectFirstMs: detected[0],
        detectMedianMs: detected[Math.floor(detected.length / 2)],
        detectLastMs: detected.at(-1)!,
        fullRedundancyMs: fullAt === undefined ? NaN : fullAt - stoppedAt,
        shardsRebuilt: rebuilt,
        rebuildTasks: after.rebuildTasks - totalsBefore.rebuildTasks,
        shardBytes,
        bytesReadPerRebuiltShard: rebuilt === 0 ? 0 : Math.round(read / rebuilt),
        shardsReadPerRebuiltShard: rebuilt === 0 ? 0 : Math.round(read / rebuilt / shardBytes * 100) / 100,
        bytesFetchedPerRebuiltShard: rebuilt === 0 ? 0 : Math.round((after.rebuildBytesFetched - totalsBefore.rebuildBytesFetched) / rebuilt)
      }
      rows.push(row)
      print(`  ${stopCount} holder(s) stopped: detected in ${row.detectFirstMs}/${row.detectMedianMs}/${row.detectLastMs} ms ` +
        `(first/median/last node); full redundancy after ${row.fullRedundancyMs} ms; ${row.shardsRebuilt} shards rebuilt in ` +
        `${row.rebuildTasks} repairs; ${row.bytesReadPerRebuiltShard} B read per rebuilt shard (${row.shardsReadPerRebuiltShard} shards; ` +
        `${row.bytesFetchedPerRebuiltShard} B over the network)`)
    }
  } finally {
    await Promise.all([...repairers.values()].map(async repairer => { await repairer.stop() }))
    await Promise.all([...monitors.values()].map(async monitor => { await monitor.stop() }))
    await stopNodes(nodes.filter(isRunning))
  }
  return rows
}

/** A node's own view of the closest live storage nodes: every node it has not found dead, by XOR distance. */
function closestFor (monitor: HealthMonitor, nodes: readonly MeshNode[]): (key: Uint8Array, count: number) => Promise<string[]> {
  return async (key, count) => rankByDistance(kadIdOfKey(key), nodes.map(node => node.peerId).filter(id => !monitor.isDead(id)), kadIdOf)
    .slice(0, count).map(ranked => ranked.item)
}

function totals (repairers: ReadonlyMap<string, Repairer>): { shardsRebuilt: number, rebuildBytesRead: number, rebuildBytesFetched: number, rebuildTasks: number } {
  const sum = { shardsRebuilt: 0, rebuildBytesRead: 0, rebuildBytesFetched: 0, rebuildTasks: 0 }
  for (const repairer of repairers.values()) {
    const status = repairer.status()
    sum.shardsRebuilt += status.counters.shardsRebuilt
    sum.rebuildBytesRead += status.counters.rebuildBytesRead
    sum.rebuildBytesFetched += status.counters.rebuildBytesFetched
    sum.rebuildTasks += status.counters.rebuildTasks
  }
  return sum
}

/** When every object has all its shards, each verified, once, on distinct live nodes; undefined past the deadline. */
async function untilFullyPlaced (nodes: readonly MeshNode[], manifests: ReadonlyMap<ObjectId, SignedManifest>,
  deadlineMs: number): Promise<number | undefined> {
  let at: number | undefined
  await until(async () => {
    const layout = await shardLayout(nodes, manifests)
    const live = nodes.filter(isRunning).length
    const full = [...layout.holders].every(([objectId, byIndex]) => {
      const manifest = manifests.get(objectId)!
      const total = manifest.k + manifest.m
      if (byIndex.size !== total) return false
      const holders = new Set([...byIndex.values()].flat())
      return holders.size === Math.min(total, live)
    })
    if (full) at = Date.now()
    return full
  }, deadlineMs)
  return at
}

async function until (condition: () => boolean | Promise<boolean>, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!await condition()) {
    if (Date.now() > deadline) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [nodes, objects, kib] = process.argv.slice(2).map(Number)
  runHealingBench({ nodes: nodes || undefined, objects: objects || undefined, objectBytes: kib > 0 ? kib * 1024 : undefined })
    .then(() => process.exit(0), error => { console.error(error); process.exit(1) })
}
