/**
 * `createNode(config)`: assembles a storage node from the lower layers' services. The same code runs in a browser
 * tab and in a headless storage node; only the key store, listen addresses, RTC configuration and stores differ.
 * Policy lives in the services; this file only connects them.
 */
import { ChatService, type MessageCache } from '../chat/index.ts'
import type { NodeSettings } from '../config/index.ts'
import { healthService } from '../health/index.ts'
import type { Signer, WalletIdentity } from '../identity/index.ts'
import { agentWithBudget, agentWithStorage, BackboneDirectory, ConnectionBudget, connectionPingIntervalFor, serveClosest, createMeshLibp2p, decodeNeighbourhood, dialNeighbours, encodeNeighbourhood, neighbourhoodSnapshot, restoreNeighbourhood, isTabAgent, isTabClass, MeshHolderSelector, PeerKeeper, pingOnlyConnected, routingTablePeers, whenJoined, type MeshLibp2p, type MeshRTCConfiguration, type MeshTransport, type RelayRegained, type ConnectionBudgetStats } from '../net/index.ts'
import { DEFAULT_REQUESTS_PER_HOLDER, ObjectStore } from '../objects/index.ts'
import { CHAT_PLACEMENT_RULES } from '../placement/index.ts'
import { DEFAULT_MAX_CONCURRENT_REQUESTS_PER_PEER, createChunkExchange, startChunkService } from '../protocols/index.ts'
import { ManifestCache, repairService } from '../repair/index.ts'
import type { ChunkStore, ChunkStoreStats } from '../store/index.ts'
import { STORAGE_NODE_PROTOCOL } from '../wire/index.ts'
import { heldShards, type HeldShard } from './held-shards.ts'
import { loadOrCreateNodeKey, type BytesStore } from './node-key.ts'
import { connectionsOf, nodeStatus, type ConnectionInfo, type NodeStatus } from './status.ts'

export interface NodeConfig {
  settings: NodeSettings
  keyStore: BytesStore
  /** Relay multiaddrs, each ending in /p2p/<relay peer id>. */
  relayAddrs: string[]
  /** Extra listen addresses (a headless node's WebSocket port); `/p2p-circuit` is always on, `/webrtc` unless `webrtc: false`. */
  extraListen?: string[]
  /**
   * Let this node dial other nodes' plain WebSocket addresses: headless nodes, and a browser that cannot open
   * WebRTC (`webrtc: false`) on a page that may open `ws://` sockets. Other browsers reach peers over WebRTC.
   */
  dialWebSocketPeers?: boolean
  /**
   * Let this node dial `/webrtc-direct` addresses: browsers, which reach headless nodes listening for WebRTC-Direct
   * without the relay. Headless nodes reach each other over WebSockets.
   */
  dialWebRTCDirect?: boolean
  /**
   * Whether this node can open WebRTC connections (default true). A node that cannot (a browser that offers no
   * ICE candidate) is no storage node: no one could reach it to store or fetch. It then serves no shards, stays
   * out of other nodes' routing tables, reaches storage nodes over WebSockets, and still chats in full (live
   * delivery over the relay).
   */
  webrtc?: boolean
  /**
   * Transports in place of WebSockets and WebRTC: the simulation runs many nodes in one process over
   * `@libp2p/memory`. Such a node listens on `extraListen` only (no relay reservation, no `/webrtc`): the relay
   * is its first contact, not its signalling path.
   */
  transports?: MeshTransport[]
  /** Extra RTC settings (node-datachannel's `bindAddress`). */
  rtc?: Partial<MeshRTCConfiguration>
  userAgent: string
  /** Told when the node loses its relay (headless nodes print it for the operator). */
  onRelayLost?: () => void
  /** Called when the relay connection is back after `onRelayLost`. */
  onRelayRegained?: (info: RelayRegained) => void
  /** Where this node keeps the shards it holds for others: IndexedDB in a tab, SQLite on a headless node. */
  chunkStore: ChunkStore
  /**
   * A tab's: whether the browser made its storage persistent (`navigator.storage.persist()`); false, best-effort
   * storage the browser may evict under storage pressure. Announced in the node's agent (other nodes then wait no
   * longer for a dead best-effort tab than for an operator node) and shown in its status. Unset on headless nodes.
   */
  persistentStorage?: boolean
  /**
   * The identity of the person using this node, which signs the objects they store. Tabs have one (per browser
   * profile); headless nodes only hold other people's shards and have none.
   */
  wallet?: Signer
  /** Chat for the wallet's identity (a tab's): the node runs the chat service too. Needs `wallet`. */
  chat?: NodeChatConfig
  /** Health checks and repairs report here what they decide (headless nodes print it for the operator). */
  log?: (message: string) => void
  /** Startup stages that ran before the node was created (a tab: identity, databases, bootstrap), in order. */
  earlierStages?: StartupStage[]
  /**
   * Call the node ready once its DHT is bootstrapped (the first lookup of its own ID has answered: it knows its
   * neighbourhood) instead of once that lookup has reached every neighbour. A tab does: it can store, serve and
   * send from then on, and connecting to each neighbour goes on behind it (`joined`). Health checks and repairs
   * wait for `joined` either way.
   */
  readyAtFirstAnswer?: boolean
}

/** One step of a node's start and when it finished: `performance.now()` (a tab: ms since the page began loading). */
export interface StartupStage { stage: string, atMs: number }

/** Appends `stage`, finished now, to `stages`. */
export function recordStage (stages: StartupStage[], stage: string): void {
  stages.push({ stage, atMs: Math.round(performance.now()) })
}

export interface NodeChatConfig {
  /** A wallet whose private key derives the chat key (the node's `wallet`). */
  wallet: WalletIdentity
  /** This device's sealed-envelope cache (default: in memory). */
  cache?: MessageCache
  /** Published in the key bundle. */
  displayName?: string
}

export interface ZenTalkNode {
  readonly libp2p: MeshLibp2p
  readonly peerId: string
  /** Resolves once the node runs, holds a relay reservation and has bootstrapped its DHT. */
  readonly ready: Promise<void>
  connections(): ConnectionInfo[]
  /** The connection budget, connections open now, the peak and how many this node opened in its lifetime. */
  connectionSummary(): ConnectionBudgetStats
  routingTable(): string[]
  closestPeers(key: Uint8Array, count?: number): Promise<string[]>
  status(): NodeStatus
  /** Shards held for others, bytes used and the quotas. */
  storageStats(): Promise<ChunkStoreStats>
  /**
   * Every shard this node holds for others, each checked against its owner-signed manifest (`intact` is false
   * for a shard whose bytes no longer match; the repair scrub replaces those).
   */
  heldShards(): Promise<HeldShard[]>
  /** This node's shard store (closed by `stop()`). */
  readonly chunkStore: ChunkStore
  /** Store and fetch of erasure-coded objects; present when the node has a wallet. */
  readonly objects: ObjectStore | undefined
  /**
   * Resolves once the lookup of the node's own ID has reached its neighbourhood (the 15 closest storage nodes are
   * connected or checked). The same moment as `ready`, unless the node was created with `readyAtFirstAnswer`.
   */
  readonly joined: Promise<void>
  /** The chat service; present when the node was created with `chat`. */
  readonly chat: ChatService | undefined
  /**
   * Resolves once the chat identity's key bundle and presence are published (tried again every few seconds
   * until it works), so others can write to it. Never resolves without `chat`.
   */
  readonly chatReady: Promise<void>
  /** When each startup stage finished, in order (page or process clock), for the node panel and benchmarks. */
  startup(): StartupStage[]
  stop(): Promise<void>
}

export const DEFAULT_PLACEMENT_COUNT = 15
/** Per holder, from when the request is sent. */
export const NODE_FETCH_TIMEOUT_MS = 30_000
/** Where a node keeps its neighbourhood between runs (in its key store, next to its node key). */
const NEIGHBOURHOOD_KEY = 'neighbourhood'
/** How often the remembered neighbourhood is brought up to date. */
const REMEMBER_NEIGHBOURHOOD_MS = 60_000
/**
 * How often while the node settles (its first minutes after joining, when it is still confirming its neighbours):
 * a tab reloaded then starts from the neighbourhood it had, not from the part it had confirmed when it joined.
 */
const REMEMBER_NEIGHBOURHOOD_SETTLING_MS = 5_000
/** How long after joining the node counts as settling (REMEMBER_NEIGHBOURHOOD_SETTLING_MS applies). */
const SETTLING_MS = 120_000
/** Remembered neighbours dialled at once on a restart. */
const REMEMBERED_DIALS = 6

/** How often publishing the key bundle and presence is tried again until it works once. */
export const CHAT_START_RETRY_MS = 5_000

export async function createNode (config: NodeConfig): Promise<ZenTalkNode> {
  const { settings } = config
  const stages: StartupStage[] = [...(config.earlierStages ?? [])]
  const reached = (stage: string): void => { recordStage(stages, stage) }
  const relayPeerIds = new Set(config.relayAddrs.map(a => a.split('/p2p/').at(-1)!))
  const storageNode = config.webrtc !== false
  // A storage node's peer ID carries the mesh's node-ID work, or no other node would place shards on it.
  const nodeIdWorkBits = storageNode ? settings.nodeIdWorkBits : 0
  // In a mesh that places by class, a storage node's peer ID also says what it is: a tab, or a headless node.
  const nodeClass = storageNode && settings.operatorHolders.length > 0 ? (isTabAgent(config.userAgent) ? 'tab' : 'operator') : undefined
  const privateKey = await loadOrCreateNodeKey(config.keyStore, {
    workBits: nodeIdWorkBits,
    nodeClass,
    onReplaced: old => config.log?.(`node key ${old} lacks ${nodeIdWorkBits} bits of node-ID work${nodeClass === undefined ? '' : ` or the ${nodeClass} class`}: generated a new one`)
  })
  reached(`node key ready (${nodeIdWorkBits} bits of node-ID work${nodeClass === undefined ? '' : `, ${nodeClass} class`})`)
  // An operator node: a storage node without a connection budget that is not a browser tab.
  const operator = storageNode && settings.connectionBudget === undefined && !isTabAgent(config.userAgent)
  // Chat peers this node may reach over the relay's limited connection (live delivery without a direct path).
  const relayedDialPeers = new Set<string>()
  // The relay's connection and the node's own neighbourhood are never closed to make room within the budget.
  let keeperRef: PeerKeeper | undefined
  const budget = new ConnectionBudget({
    max: settings.connectionBudget,
    isProtected: peerId => relayPeerIds.has(peerId) || keeperRef?.isNeighbour(peerId) === true
  })
  const libp2p = await createMeshLibp2p({
    privateKey,
    listen: [...(config.extraListen ?? []), ...(config.transports === undefined ? ['/p2p-circuit', ...(storageNode ? ['/webrtc'] : [])] : [])],
    transports: config.transports,
    rtcConfiguration: { iceServers: settings.iceServers, ...config.rtc },
    allowPrivateAddresses: settings.allowPrivate,
    relayPeerIds: () => relayPeerIds,
    dialWebSocketPeers: config.dialWebSocketPeers,
    dialWebRTCDirect: config.dialWebRTCDirect,
    webrtc: storageNode,
    relayedDialPeers,
    dhtClientMode: !storageNode,
    // Operator nodes are the DHT's backbone: a tab with a budget stays out of their routing tables and answers, so their
    // DHT walks never dial into its budget; they name it from the backbone directory instead.
    dhtLeavesOut: operator ? peerId => keeperRef?.budgetedPeers.has(peerId) === true : undefined,
    // With a budget, the budget's gater holds the exact limit; libp2p's own pruning stays out of its way.
    maxConnections: settings.connectionBudget === undefined ? Math.max(settings.targetPeers * 2, 100) : settings.connectionBudget + 8,
    connectionGater: budget.gater(),
    inboundConnectionThreshold: 1000,
    maxIncomingPendingConnections: 1000,
    dialTimeoutMs: settings.dialTimeoutMs,
    userAgent: agentWithBudget(agentWithStorage(config.userAgent, config.persistentStorage), settings.connectionBudget),
    connectionPingIntervalMs: connectionPingIntervalFor(settings.healthIntervalMs)
  })
  // Serving this protocol is what makes a node a storage node in everyone's placement.
  if (storageNode) await libp2p.handle(STORAGE_NODE_PROTOCOL, async (stream) => { await stream.close() })
  // The chunk protocol is handled before the node starts, so no peer ever sees a storage node without it.
  // Every node holds chat data too (history, inboxes, key bundles, presence), under the same rules everywhere.
  const chunkService = await startChunkService(libp2p, privateKey, {
    store: config.chunkStore,
    placementRules: CHAT_PLACEMENT_RULES,
    allowedStripes: settings.stripes,
    inboxLimits: {
      maxHeldObjects: settings.inboxMaxObjects,
      maxStrangerHeldObjects: settings.inboxStrangerObjects,
      maxStrangerObjectsPerWindow: settings.inboxStrangerRate,
      windowMs: 60_000
    }
  })
  budget.attach(libp2p)
  // Within a budget the routing table's liveness pings never dial (each dial would close a connection for room).
  if (settings.connectionBudget !== undefined) {
    pingOnlyConnected(libp2p, peerId => keeperRef !== undefined && keeperRef.sinceSeen(peerId) < settings.livenessGraceMs)
  }
  try {
    await libp2p.start()
  } catch (err) {
    // A listener that failed (a port taken) leaves the others open: close them, so the caller may start again.
    await Promise.resolve(libp2p.stop()).catch(() => {})
    throw err
  }
  reached('libp2p started')
  // The neighbourhood of the last run, dialled as soon as the relay (WebRTC's signalling path) is there.
  const remembered = await restoreNeighbourhood(libp2p, decodeNeighbourhood(await config.keyStore.get(NEIGHBOURHOOD_KEY).catch(() => undefined)))
    .catch(() => [])
  if (remembered.length > 0) reached(`neighbourhood of the last run restored: ${remembered.length} peers`)

  const keeper = new PeerKeeper(libp2p, {
    relayAddrs: config.relayAddrs,
    intervalMs: settings.keeperIntervalMs,
    discoveryIntervalMs: settings.discoveryIntervalMs,
    targetPeers: settings.targetPeers,
    connectionBudget: settings.connectionBudget,
    dhtBackbone: operator,
    nodeIdWorkBits: settings.nodeIdWorkBits,
    closedForRoom: connection => budget.wasClosedForRoom(connection),
    dialTimeoutMs: settings.dialTimeoutMs,
    dialerGraceMs: settings.dialerGraceMs,
    maxParallelDials: 8,
    onRelayLost: config.onRelayLost,
    onRelayRegained: config.onRelayRegained
  })
  keeperRef = keeper
  keeper.start()
  // Operator nodes tell one another which tabs with a budget are connected to them (see backbone-directory.ts).
  const directory = new BackboneDirectory(libp2p, keeper, { operator })
  await directory.start()
  const health = healthService({
    intervalMs: settings.healthIntervalMs,
    retries: settings.healthRetries,
    allowPrivateAddresses: settings.allowPrivate,
    dialWebSocketPeers: config.dialWebSocketPeers,
    dialWebRTCDirect: config.dialWebRTCDirect,
    webrtc: storageNode,
    closedForRoom: connection => budget.wasClosedForRoom(connection),
    budgeted: settings.connectionBudget !== undefined,
    log: config.log
  })({ libp2p, keeper })
  const holders = new MeshHolderSelector(libp2p, keeper, {
    lookupTimeoutMs: settings.lookupTimeoutMs,
    dialTimeoutMs: settings.dialTimeoutMs,
    livenessGraceMs: settings.livenessGraceMs,
    selfIsStorage: storageNode,
    isDead: peerId => health.isDead(peerId),
    nodeIdWorkBits: settings.nodeIdWorkBits,
    askConnected: settings.connectionBudget !== undefined,
    vouched: directory
  })
  // Every storage node tells those connected to it which storage nodes it knows closest to a key.
  if (storageNode) await serveClosest(libp2p, async (key, count) => await holders.select(key, count, { localOnly: true }))
  // Self-healing (seed §4): the health monitor finds dead peers; the repairer rebuilds what they held. The dead holders
  // it counts are kept in the key store, next to the node key, so a restart does not start their graces over.
  const repair = repairService({
    healthIntervalMs: settings.healthIntervalMs,
    handoffGraceMs: settings.handoffGraceMs,
    lostAfterMs: settings.lostAfterMs,
    // A dead tab keeps counting as a holder for the tabs' grace (they close for the night and come back), a tab whose
    // browser may evict its shards no longer than an operator node, any other holder for lostAfterMs. The class is
    // the keeper's: the agent a peer announced, kept after it disconnects.
    tabLostAfterMs: settings.tabLostAfterMs,
    repairThreshold: settings.repairThreshold,
    repairThresholds: settings.repairThresholds,
    operatorHolders: settings.operatorHolders,
    placementRules: CHAT_PLACEMENT_RULES,
    allowedStripes: settings.stripes,
    // As many requests to one holder as a holder serves for one peer at once; more would be refused as BUSY.
    requestsPerHolder: DEFAULT_MAX_CONCURRENT_REQUESTS_PER_PEER,
    // After a death the nearest surviving holder rebuilds every object of the key at once: one owner's history is
    // many small objects, each waiting on a few network round trips, so keep many in flight.
    maxConcurrentObjects: 16,
    // Tabs take a key's repairs only after every other holder: they learn of a crash seconds late (a dead peer's
    // WebRTC connection stays open) and rebuild slowly, so their share would wait for the next holder's turn.
    repairsLast: peerId => peerId === libp2p.peerId.toString() ? isTabAgent(config.userAgent) : isTabClass(keeper.classOf(peerId)),
    log: config.log
  })({ libp2p, store: config.chunkStore, nodeKey: privateKey, holders, health, keeper, records: config.keyStore })
  await health.start()
  await repair.start()

  const objects = config.wallet === undefined
    ? undefined
    : new ObjectStore({
      wallet: config.wallet,
      holders,
      exchange: createChunkExchange({
        libp2p, store: config.chunkStore, placementRules: CHAT_PLACEMENT_RULES, nodeKey: privateKey, requestsPerHolder: DEFAULT_REQUESTS_PER_HOLDER
      }),
      selfStore: config.chunkStore,
      // A holder's FETCH answer carries every shard it keeps for the owner (hundreds of KiB for a long history)
      // over WebRTC from a node that may be busy; a fetch stops waiting for holders once it has what it needs,
      // so only a fetch that is short of shards ever waits this long.
      fetchTimeoutMs: NODE_FETCH_TIMEOUT_MS,
      maxHedges: settings.storeHedges,
      // Namespaces written with a stripe other than the mesh's 10+5 (their reads ask k + m holders too).
      namespaceStripes: settings.namespaceStripes,
      // Stripes placed by class: their operator holders on the closest operator nodes, the rest on the closest tabs.
      operatorHolders: settings.operatorHolders,
      // Within a connection budget a read dials only the holders it needs beyond those it is connected to.
      readConnectedFirst: settings.connectionBudget !== undefined
    })

  const stopController = new AbortController()
  let answered: () => void = () => {}
  const firstAnswer = new Promise<void>(resolve => { answered = resolve })
  const joined = (async () => {
    const signal = stopController.signal
    await keeper.waitForRelay(signal)
    reached('relay connected')
    if (remembered.length > 0) {
      void dialNeighbours(libp2p, remembered, REMEMBERED_DIALS, signal)
        .then(connected => { reached(`neighbourhood of the last run: ${connected} of ${remembered.length} connected`) }, () => {})
    }
    await whenJoined(libp2p, signal, config.transports === undefined)
    reached('reservation and first routing-table peer')
    // One lookup of our own ID fills the routing table with our neighbourhood and connects to it.
    await holders.select(libp2p.peerId.toMultihash().bytes, DEFAULT_PLACEMENT_COUNT, {
      signal,
      onStep: step => {
        reached(`neighbourhood: ${step.text}`)
        if (step.kind === 'first-answer') answered()
      }
    })
    reached(config.readyAtFirstAnswer === true ? 'joined: own neighbourhood looked up' : 'ready: own neighbourhood looked up')
  })()
  joined.catch(() => {})
  const ready = config.readyAtFirstAnswer === true
    ? (async () => {
        await Promise.race([firstAnswer, joined])
        reached('ready: DHT bootstrapped (first answer to the lookup of its own ID)')
      })()
    : joined
  ready.catch(() => {})
  // Messages composed before the node has joined wait for it (shown as queued) instead of failing.
  const chat = config.chat === undefined || objects === undefined
    ? undefined
    : new ChatService({ wallet: config.chat.wallet, objects, libp2p, cache: config.chat.cache, displayName: config.chat.displayName, relayedDialPeers, nodeReady: ready })
  // Written only when it changed: in a settled mesh the neighbourhood stays the same for hours.
  let rememberedLast = ''
  let rememberedCount = 0
  const rememberNeighbourhood = async (): Promise<void> => {
    const peers = await neighbourhoodSnapshot(libp2p, keeper.storagePeers)
    const text = JSON.stringify(peers)
    if (peers.length === 0 || text === rememberedLast) return
    await config.keyStore.put(NEIGHBOURHOOD_KEY, encodeNeighbourhood(peers))
    rememberedLast = text
    rememberedCount = peers.length
  }
  let rememberTimer: ReturnType<typeof setTimeout> | undefined
  joined.then(() => {
    const joinedAt = Date.now()
    const remember = (): void => {
      if (stopController.signal.aborted) return
      void rememberNeighbourhood().catch(() => {}).finally(() => {
        if (stopController.signal.aborted) return
        const settling = Date.now() - joinedAt < SETTLING_MS
        rememberTimer = setTimeout(remember, settling ? REMEMBER_NEIGHBOURHOOD_SETTLING_MS : REMEMBER_NEIGHBOURHOOD_MS)
      })
    }
    remember()
  }, () => {})
  joined.then(() => {
    // The first check one interval after joining: until then the node is still opening its direct connections,
    // and a peer it has not reached yet is not dead.
    health.startChecks(settings.healthIntervalMs)
    repair.startAfterJoin()
  }, () => {})
  const chatReady = chat === undefined ? new Promise<void>(() => {}) : startChat(chat, ready, stopController.signal, step => { reached(`chat: ${step}`) })
  chatReady.then(() => { reached('chat: key bundle and presence published') }, () => {})

  const heldManifests = new ManifestCache()
  return {
    libp2p,
    peerId: libp2p.peerId.toString(),
    ready,
    joined,
    connections: () => connectionsOf(libp2p),
    connectionSummary: () => budget.stats(),
    routingTable: () => routingTablePeers(libp2p).map(String),
    closestPeers: async (key, count = DEFAULT_PLACEMENT_COUNT) => await holders.select(key, count, { fresh: true }),
    status: () => nodeStatus({ libp2p, keeper, budget, storageNode, nodeIdWorkBits: settings.nodeIdWorkBits, persistentStorage: config.persistentStorage, relayAddrs: config.relayAddrs, deadPeers: () => health.deadPeers(), repair: () => repair.status(), rememberedNeighbours: () => rememberedCount }),
    storageStats: async () => await config.chunkStore.stats(),
    heldShards: async () => await heldShards(config.chunkStore, heldManifests),
    chunkStore: config.chunkStore,
    objects,
    chat,
    chatReady,
    startup: () => stages.map(s => ({ ...s })),
    stop: async () => {
      stopController.abort()
      clearTimeout(rememberTimer)
      await chat?.stop()
      keeper.stop()
      directory.stop()
      budget.detach()
      await health.stop()
      await repair.stop()
      await chunkService.stop()
      await libp2p.stop()
      await config.chunkStore.close()
    }
  }
}

/** Publishes the key bundle and presence once the node has joined, trying again until it works once. */
async function startChat (chat: ChatService, ready: Promise<void>, signal: AbortSignal, onStep: (step: string) => void): Promise<void> {
  await ready
  for (;;) {
    signal.throwIfAborted()
    try {
      await chat.start(onStep)
      return
    } catch (error) {
      // The service stays started (deliveries are served; messages queued for this node's join go out), and
      // publishing is tried again.
      console.warn(`publishing the key bundle and presence failed, trying again: ${(error as Error).message}`)
      await new Promise(resolve => setTimeout(resolve, CHAT_START_RETRY_MS))
    }
  }
}

