/**
 * The lookup scenario of `npm run sim`: N real nodes in one process (bench/lookup/mesh.ts), then
 * - K random keys, each asked of A random nodes through the node's own `closestPeers` (the answer a store places
 *   shards by): how many answers equal the true 15 closest storage nodes, and the smallest overlap of any answer;
 * - the same keys looked up through the DHT alone, counting hops (rounds of the iterative lookup until the answer's
 *   farthest member was learned) and messages (queries sent) per lookup;
 * - a node started into the settled mesh: seconds from its start until its answers are exact;
 * - the idle mesh: CPU and heap per node, connections per node, connections opened per tab-like node per hour.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { EventTypes } from '@libp2p/kad-dht'
import { peerIdFromString } from '@libp2p/peer-id'
import { forEachLimit } from '../../src/async/index.ts'
import { askClosest, isUsableConnection } from '../../src/net/index.ts'
import type { NodeSettings } from '../../src/config/index.ts'
import { kadIdOf, kadIdOfKey, rankByDistance } from '../../src/placement/index.ts'
import { mulberry32, randomBytes, randomInt } from '../../src/testing/seeded-random.ts'
import { SimMesh, type SimNode } from './mesh.ts'

export const PLACEMENT = 15

export interface LookupScenarioOptions {
  nodes: number
  /** Share of tab-like nodes. */
  tabFraction: number
  keys: number
  /** Nodes each key is asked of. */
  askers: number
  seed: number
  /** Seconds the settled mesh is watched idle for CPU and heap. */
  idleSeconds: number
  /** Seconds left alone after the last lookup before the idle window starts. */
  settleSeconds: number
  /** Write a CPU profile of the idle phase to this file (.cpuprofile, for Chrome DevTools). */
  idleProfile?: string
  /** Node settings on top of the defaults (as `?name=value` in a tab's URL or `--name` for a headless node). */
  settings?: Partial<NodeSettings>
  /** Connection budget of the tab-like nodes; null or undefined: none. */
  tabConnectionBudget?: number | null
  /** Lookups in flight at once. */
  concurrency?: number
  /**
   * Seconds the mesh is left alone once every node is ready, before the first lookup (default 0): the last nodes to
   * start have then been up at least this long, as a node in a running mesh has.
   */
  warmupSeconds?: number
  /**
   * After the warmup, wait (at most `maxSettleSeconds`, default 120) until every tab-like node has held a connection to
   * an operator node for at least this many seconds (default 0: no wait). Operator nodes answer tabs' lookups and
   * learn of a tab from the operator it is connected to once that connection has lasted a few seconds; a tab that
   * has not met one yet is known only to its neighbours. How long the wait took is in the report.
   */
  operatorContactSeconds?: number
  maxSettleSeconds?: number
  /** Keys whose raw DHT lookups are measured for hops and messages (default: all `keys`). */
  hopKeys?: number
  log?: (line: string) => void
}

export interface LookupReport {
  scenario: 'lookup'
  nodes: number
  tabNodes: number
  operatorNodes: number
  keys: number
  askers: number
  seed: number
  answers: number
  exactAnswers: number
  exactFraction: number
  minAgreement: number
  meanAgreement: number
  lookupMsP50: number
  lookupMsP99: number
  hopsP50: number
  hopsP99: number
  hopsMax: number
  hopsHistogram: Record<string, number>
  messagesPerLookupP50: number
  messagesPerLookupP99: number
  /** DHT lookups (of the hops count) that ran out of DHT_LOOKUP_TIMEOUT_MS. */
  dhtLookupsTimedOut: number
  log2Nodes: number
  hopsTarget: number
  meshReadySeconds: number
  /** Seconds from the end of the warmup until every tab-like node had held an operator connection long enough. */
  operatorContactWaitSeconds: number
  /** Tab-like nodes still without such a connection when the lookups started (the wait ran out). */
  tabsWithoutOperatorContact: number
  joinExactSeconds: number
  idleCpuPerNodePct: number
  heapPerNodeMb: number
  baselineHeapMb: number
  connectionBudget: number | null
  connectionsPerNodeMean: number
  connectionsPerNodeMax: number
  /** Nodes by connections held at the end, in bins of CONNECTION_BIN (key: the bin's lower bound). */
  connectionsHistogram: Record<string, number>
  maxConnectionsPerTab: number
  /** Connections a tab-like node opened or accepted after the mesh was up, per hour (RTCPeerConnection-equivalents). */
  openedPerTabPerHour: number
  /** The same, counted over the idle window only: what a settled tab opens when nobody looks anything up. */
  openedPerTabPerHourIdle: number
  /** Connections a tab-like node opened or accepted while the mesh was built (all nodes starting at once). */
  openedPerTabWhileBuilding: number
}

const MIB = 1024 * 1024
const CONNECTION_BIN = 8
const DHT_LOOKUP_TIMEOUT_MS = 30_000

function quantile (values: number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

function histogram (values: number[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}

function collectGarbage (): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
}

/** Starts the V8 profiler of this process; `stop` writes the profile. */
async function startProfile (): Promise<{ stop: (file: string) => Promise<void> }> {
  const session = new Session()
  session.connect()
  const post = async (method: string): Promise<any> => await new Promise((resolve, reject) => {
    session.post(method, (err, result) => { if (err != null) reject(err); else resolve(result) })
  })
  await post('Profiler.enable')
  await post('Profiler.start')
  return {
    stop: async file => {
      const { profile } = await post('Profiler.stop')
      writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
    }
  }
}

/** One DHT lookup of `key` from `node`: hops until the closest `count` were learned, and queries sent. */
async function dhtLookup (node: SimNode, key: Uint8Array, count: number): Promise<{ hops: number, messages: number, timedOut: boolean }> {
  const signal = AbortSignal.timeout(DHT_LOOKUP_TIMEOUT_MS)
  const depth = new Map<string, number>()
  const responded = new Set<string>()
  let messages = 0
  let timedOut = false
  try {
    for await (const event of node.node.libp2p.services.dht.getClosestPeers(key, { signal })) {
      if (event.type === EventTypes.SEND_QUERY) {
        messages++
        const to = event.to.toString()
        if (!depth.has(to)) depth.set(to, 1)
      } else if (event.type === EventTypes.PEER_RESPONSE) {
        const from = event.from.toString()
        responded.add(from)
        const d = depth.get(from) ?? 1
        for (const peer of event.closer) {
          const id = peer.id.toString()
          if (!depth.has(id)) depth.set(id, d + 1)
        }
      }
    }
  } catch (err) {
    // Out of time: the hops so far still count, and the lookup is reported as timed out.
    if (!signal.aborted) throw err
    timedOut = true
  }
  const self = node.node.peerId
  const closest = rankByDistance(kadIdOfKey(key), [...responded].filter(id => id !== self), kadIdOf).slice(0, count)
  // The round in which the farthest of the answer was asked: the lookup cannot end before it.
  const hops = closest.reduce((max, r) => Math.max(max, depth.get(r.item) ?? 1), 0)
  return { hops, messages, timedOut }
}

/** Why an answer missed: how long it was, and what the asker knew of each true holder it left out. */
async function describeMiss (mesh: SimMesh, asker: SimNode, key: Uint8Array, answer: string[], truth: Set<string>): Promise<string> {
  const node = asker.node
  const missing = [...truth].filter(id => !answer.includes(id))
  const connected = new Set(node.libp2p.getConnections().map(c => c.remotePeer.toString()))
  const entries = new Map(node.status().buckets.flatMap(b => b.peers).map(p => [p.peerId, p]))
  const what = missing.map(id => {
    const entry = entries.get(id)
    return `${id.slice(-6)}:${connected.has(id) ? 'conn' : 'noconn'}:${entry === undefined ? 'no-rt' : entry.storage ? 'storage' : 'unclassified'}`
  })
  const details = await Promise.all(missing.map(async id => {
    const index = mesh.nodes.findIndex(n => n.node.peerId === id)
    try {
      const peer = await node.libp2p.peerStore.get(peerIdFromString(id))
      const agent = peer.metadata.get('AgentVersion')
      return `${id.slice(-6)}: node #${index} ${mesh.nodes[index]?.kind}, protocols ${peer.protocols.join(',')}, agent ${agent === undefined ? 'none' : new TextDecoder().decode(agent)}`
    } catch (err: any) {
      return `${id.slice(-6)}: node #${index} ${mesh.nodes[index]?.kind}, not in the peer store (${err?.name})`
    }
  }))
  // Where the missing nodes stood in the mesh: how long they had been up, and the operator nodes they were connected
  // to (an operator vouches for a connected tab to the other operators once the connection has lasted a few seconds).
  const kindOf = new Map(mesh.nodes.map(n => [n.node.peerId, n.kind]))
  const standing = missing.map(id => {
    const missed = mesh.nodes.find(n => n.node.peerId === id)
    if (missed === undefined) return `${id.slice(-6)}: not in the mesh`
    const now = Date.now()
    const ops = missed.node.libp2p.getConnections().filter(c => kindOf.get(c.remotePeer.toString()) === 'operator')
      .map(c => `${c.remotePeer.toString().slice(-6)} ${((now - c.timeline.open) / 1000).toFixed(0)} s`)
    return `${id.slice(-6)}: up ${((performance.now() - missed.startedAt) / 1000).toFixed(0)} s, ${missed.node.libp2p.getConnections().length} connections, to operators [${ops.join(', ')}]`
  })
  const operators = [...new Set(node.libp2p.getConnections().filter(c => kindOf.get(c.remotePeer.toString()) === 'operator').map(c => c.remotePeer.toString()))]
  // What the asker holds against them (the health checks' verdict), and which of its operators know them now.
  const dead = new Set(node.status().dead.map(d => d.peerId))
  const knownBy = await Promise.all(operators.map(async id => {
    try {
      const named = await askClosest(node.libp2p, peerIdFromString(id), key, PLACEMENT, AbortSignal.timeout(5_000))
      return `${id.slice(-6)} names ${missing.filter(m => named.some(p => p.peerId === m)).length}`
    } catch (err: any) {
      return `${id.slice(-6)} failed (${err?.name})`
    }
  }))
  const verdicts = `dead on the asker: ${missing.filter(id => dead.has(id)).length} of ${missing.length}; the asker's operators now: ${knownBy.join(', ')}`
  // Asked again now: a miss that mends itself is a late discovery, one that stays is a hole.
  const again = await node.closestPeers(key, PLACEMENT).catch(() => [] as string[])
  const mended = missing.filter(id => again.includes(id)).length
  return `${asker.kind} ${node.peerId.slice(-6)} key ${Buffer.from(key).toString('hex').slice(0, 8)} answered ${answer.length} [${answer.map(a => a.slice(-6)).join(',')}], missing ${missing.length} [${what.join(' ')}] (connections ${connected.size}, ` +
    `to operators [${operators.map(id => id.slice(-6)).join(', ')}]); ${details.join('; ')}; ${standing.join('; ')}; ${verdicts}; asked again: ${mended} of ${missing.length} found`
}

export async function runLookupScenario (options: LookupScenarioOptions): Promise<LookupReport> {
  const log = options.log ?? (() => {})
  const random = mulberry32(options.seed ^ 0x5eed)
  collectGarbage()
  const baselineHeap = process.memoryUsage().heapUsed
  const mesh = new SimMesh({
    nodes: options.nodes,
    tabFraction: options.tabFraction,
    seed: options.seed,
    settings: options.settings,
    tabConnectionBudget: options.tabConnectionBudget,
    onProgress: (ready, total) => { if (ready % Math.max(1, Math.round(total / 10)) === 0) log(`  ${ready} of ${total} nodes ready`) }
  })
  const started = performance.now()
  // Peak connections per node, sampled every second for the whole run.
  const peak = new Map<SimNode, number>()
  const sampler = setInterval(() => {
    for (const n of mesh.nodes) peak.set(n, Math.max(peak.get(n) ?? 0, n.node.libp2p.getConnections().length))
  }, 1000)
  try {
    await mesh.start()
    const meshReadySeconds = (performance.now() - started) / 1000
    const readyAt = performance.now()
    const openedAtReady = new Map(mesh.nodes.map(n => [n, n.opened()]))
    log(`mesh ready in ${meshReadySeconds.toFixed(1)} s`)
    if ((options.warmupSeconds ?? 0) > 0) {
      await new Promise(resolve => setTimeout(resolve, options.warmupSeconds! * 1000))
      log(`left alone ${options.warmupSeconds} s before the lookups`)
    }
    const contact = await waitForOperatorContact(mesh, options.operatorContactSeconds ?? 0, options.maxSettleSeconds ?? 120)
    if ((options.operatorContactSeconds ?? 0) > 0) {
      log(`every tab-like node held an operator connection for ${options.operatorContactSeconds} s after ${contact.waitSeconds.toFixed(1)} s more` +
        (contact.lagging > 0 ? ` (${contact.lagging} still without one when the wait ran out)` : ''))
    }

    // Exactness and agreement of the answers placement uses.
    const keys = Array.from({ length: options.keys }, () => randomBytes(random, 32))
    const asks: Array<{ key: Uint8Array, node: SimNode, truth: Set<string> }> = []
    for (const key of keys) {
      const truth = new Set(mesh.trueClosest(key, PLACEMENT))
      const askers = new Set<number>()
      while (askers.size < Math.min(options.askers, mesh.nodes.length)) askers.add(randomInt(random, mesh.nodes.length))
      for (const index of askers) asks.push({ key, node: mesh.nodes[index], truth })
    }
    let exactAnswers = 0
    let minAgreement = PLACEMENT
    let agreementSum = 0
    const lookupMs: number[] = []
    let done = 0
    const misses: string[] = []
    await forEachLimit(asks, options.concurrency ?? 4, async ask => {
      const t0 = performance.now()
      const answer = await ask.node.node.closestPeers(ask.key, PLACEMENT)
      lookupMs.push(performance.now() - t0)
      const agreement = answer.filter(id => ask.truth.has(id)).length
      if (agreement === PLACEMENT && answer.length === PLACEMENT) exactAnswers++
      else if (misses.length < 20) misses.push(await describeMiss(mesh, ask.node, ask.key, answer, ask.truth))
      minAgreement = Math.min(minAgreement, agreement)
      agreementSum += agreement
      if (++done % Math.max(1, Math.round(asks.length / 10)) === 0) log(`  ${done} of ${asks.length} answers, ${exactAnswers} exact`)
    })
    log(`answers: ${exactAnswers} of ${asks.length} exact, min agreement ${minAgreement}`)
    for (const miss of misses) log(`  miss: ${miss}`)

    // Hops and messages of the DHT lookups themselves.
    const hops: number[] = []
    const messages: number[] = []
    let dhtLookupsTimedOut = 0
    await forEachLimit(keys.slice(0, options.hopKeys ?? keys.length), options.concurrency ?? 4, async key => {
      const node = mesh.nodes[randomInt(random, mesh.nodes.length)]
      const result = await dhtLookup(node, key, PLACEMENT)
      hops.push(result.hops)
      messages.push(result.messages)
      if (result.timedOut) dhtLookupsTimedOut++
    })
    const hopsHistogram = histogram(hops)

    // A node joining the settled mesh: how soon are its answers exact?
    const joinStarted = performance.now()
    const joiner = await mesh.addNode('tab')
    const probeKeys = Array.from({ length: 10 }, () => randomBytes(random, 32))
    let joinExactSeconds = Number.NaN
    while ((performance.now() - joinStarted) < 120_000) {
      const answers = await Promise.all(probeKeys.map(async key => await joiner.node.closestPeers(key, PLACEMENT)))
      const exact = answers.every((answer, i) => {
        const truth = new Set(mesh.trueClosest(probeKeys[i], PLACEMENT))
        return answer.length === PLACEMENT && answer.every(id => truth.has(id))
      })
      if (exact) {
        joinExactSeconds = (performance.now() - joinStarted) / 1000
        break
      }
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    log(`a new node's answers exact ${joinExactSeconds.toFixed(1)} s after its start`)

    // The idle mesh, once the join's discovery lookups have quietened.
    await new Promise(resolve => setTimeout(resolve, options.settleSeconds * 1000))
    collectGarbage()
    const heapPerNodeMb = (process.memoryUsage().heapUsed - baselineHeap) / MIB / mesh.nodes.length
    const profile = options.idleProfile === undefined ? undefined : await startProfile()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const openedAtIdle = new Map(mesh.nodes.map(n => [n, n.opened()]))
    await new Promise(resolve => setTimeout(resolve, options.idleSeconds * 1000))
    const cpu = process.cpuUsage(cpu0)
    if (profile !== undefined && options.idleProfile !== undefined) {
      await profile.stop(options.idleProfile)
      log(`idle CPU profile: ${options.idleProfile}`)
    }
    const idleMs = performance.now() - t0
    log(`idle ${connectionBreakdown(mesh, t0, idleMs)}`)
    log(`since the mesh was ready (lookups, the join, the idle window) ${connectionBreakdown(mesh, readyAt, performance.now() - readyAt)}`)
    const idleCpuPerNodePct = ((cpu.user + cpu.system) / 1000) / idleMs * 100 / mesh.nodes.length

    // Connections opened once the mesh was up (lookups, the join, the idle window), per tab-like node and hour.
    const settledHours = (performance.now() - readyAt) / 3_600_000
    const tabs = mesh.nodes.filter(n => n.kind === 'tab')
    const connections = mesh.nodes.map(n => n.node.libp2p.getConnections().length)
    // The node's own peak (counted at every connection it opens) and the once-a-second samples.
    const maxConnectionsPerTab = Math.max(0, ...tabs.map(n => Math.max(peak.get(n) ?? 0, n.node.connectionSummary().peak)))
    const openedPerTabPerHour = tabs.length === 0
      ? 0
      : tabs.reduce((sum, n) => sum + n.opened() - (openedAtReady.get(n) ?? 0), 0) / tabs.length / settledHours
    const openedPerTabPerHourIdle = tabs.length === 0
      ? 0
      : tabs.reduce((sum, n) => sum + n.opened() - (openedAtIdle.get(n) ?? 0), 0) / tabs.length / (idleMs / 3_600_000)
    const log2Nodes = Math.log2(mesh.nodes.length)
    return {
      scenario: 'lookup',
      nodes: mesh.nodes.length,
      tabNodes: tabs.length,
      operatorNodes: mesh.nodes.length - tabs.length,
      keys: options.keys,
      askers: options.askers,
      seed: options.seed,
      answers: asks.length,
      exactAnswers,
      exactFraction: asks.length === 0 ? 0 : exactAnswers / asks.length,
      minAgreement,
      meanAgreement: asks.length === 0 ? 0 : agreementSum / asks.length,
      lookupMsP50: quantile(lookupMs, 0.5),
      lookupMsP99: quantile(lookupMs, 0.99),
      hopsP50: quantile(hops, 0.5),
      hopsP99: quantile(hops, 0.99),
      hopsMax: Math.max(0, ...hops),
      hopsHistogram,
      messagesPerLookupP50: quantile(messages, 0.5),
      messagesPerLookupP99: quantile(messages, 0.99),
      dhtLookupsTimedOut,
      log2Nodes,
      hopsTarget: Math.max(1, Math.log2(mesh.nodes.length / 20) + 1),
      meshReadySeconds,
      operatorContactWaitSeconds: contact.waitSeconds,
      tabsWithoutOperatorContact: contact.lagging,
      joinExactSeconds,
      idleCpuPerNodePct,
      heapPerNodeMb,
      baselineHeapMb: baselineHeap / MIB,
      connectionBudget: mesh.connectionBudget,
      connectionsPerNodeMean: connections.reduce((a, b) => a + b, 0) / connections.length,
      connectionsPerNodeMax: Math.max(...connections),
      connectionsHistogram: histogram(connections.map(c => Math.floor(c / CONNECTION_BIN) * CONNECTION_BIN)),
      maxConnectionsPerTab,
      openedPerTabPerHour,
      openedPerTabPerHourIdle,
      openedPerTabWhileBuilding: tabs.length === 0 ? 0 : tabs.reduce((sum, n) => sum + (openedAtReady.get(n) ?? 0), 0) / tabs.length
    }
  } finally {
    clearInterval(sampler)
    await mesh.stop()
  }
}

/**
 * Waits until every tab-like node of `mesh` holds a usable connection to an operator node that has lasted `seconds`,
 * for at most `maxSeconds`: how long it waited, and how many tabs still had none.
 */
async function waitForOperatorContact (mesh: SimMesh, seconds: number, maxSeconds: number): Promise<{ waitSeconds: number, lagging: number }> {
  if (seconds <= 0) return { waitSeconds: 0, lagging: 0 }
  const operators = new Set(mesh.nodes.filter(n => n.kind === 'operator').map(n => n.node.peerId))
  const started = performance.now()
  const lagging = (): number => {
    const now = Date.now()
    return mesh.nodes.filter(n => n.kind === 'tab' && !n.node.libp2p.getConnections()
      .some(c => operators.has(c.remotePeer.toString()) && isUsableConnection(c) && now - c.timeline.open >= seconds * 1000)).length
  }
  while (lagging() > 0 && performance.now() - started < maxSeconds * 1000) await new Promise(resolve => setTimeout(resolve, 500))
  return { waitSeconds: (performance.now() - started) / 1000, lagging: lagging() }
}

/**
 * Where tab-like nodes' connections opened in a window came from: which way, to which kind of node, and how many went
 * to a peer the tab had held a connection to before (a redial).
 */
function connectionBreakdown (mesh: SimMesh, fromMs: number, windowMs: number): string {
  const kindOf = new Map(mesh.nodes.map(n => [n.node.peerId, n.kind]))
  const counts = new Map<string, number>()
  let redials = 0
  let total = 0
  const tabs = mesh.nodes.filter(n => n.kind === 'tab')
  for (const tab of tabs) {
    const before = new Set(tab.openLog.filter(o => o.atMs < fromMs).map(o => o.peerId))
    for (const o of tab.openLog) {
      if (o.atMs < fromMs || o.atMs > fromMs + windowMs) continue
      const key = `${o.direction} ${kindOf.get(o.peerId) ?? 'relay/other'}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
      if (before.has(o.peerId)) redials++
      before.add(o.peerId)
      total++
    }
  }
  const perTabHour = (n: number): string => (n / Math.max(1, tabs.length) / (windowMs / 3_600_000)).toFixed(0)
  return `connections opened by tab-like nodes, per tab and hour: ${perTabHour(total)} (${[...counts].map(([k, v]) => `${k} ${perTabHour(v)}`).join(', ')}; ` +
    `to a peer held before: ${perTabHour(redials)})`
}
