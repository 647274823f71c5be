/**
 * `createNode(config)`: assembles a storage node from the lower layers. The same code runs in a browser tab and
 * in a headless storage node; only the key store, listen addresses and RTC configuration differ.
 */
import { createMeshLibp2p, dialable, isDirect, relayAddressMatcher } from '../net/index.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerKeeper } from '../net/index.ts'
import { removeFromRoutingTable, routingTablePeers } from '../net/index.ts'
import { DEFAULT_NEW_OBJECT_GRACE_MS, DEFAULT_REQUEST_JITTER_MS, DEFAULT_RESURVEY_AFTER_MS, Repairer, type RepairStatus } from '../repair/index.ts'
import { DEFAULT_RETRY_DELAY_MS, HealthMonitor, chunkServiceProbe, connectedOrProbe, unlessIsolated, type DeadPeer } from '../health/index.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { ManifestCache } from '../repair/index.ts'
import { ClosestPeers } from '../net/index.ts'
import { bucketIndex, formatDistance, kadIdOfPeer, xorDistance } from '../placement/index.ts'
import { STORAGE_NODE_PROTOCOL } from '../wire/index.ts'
import { startChunkService } from '../protocols/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { cachedClosest } from '../net/index.ts'
import { CHAT_PLACEMENT_RULES } from '../placement/index.ts'
import { DEFAULT_MAX_CONCURRENT_REQUESTS_PER_PEER } from '../protocols/index.ts'
import { verifyShard } from '../wire/index.ts'
import type { ChunkStore, ChunkStoreStats } from '../store/index.ts'
import type { Signer } from '../identity/index.ts'
import { initErasure } from '../erasure/index.ts'
import { loadOrCreateNodeKey } from './node-key.ts'
import type { BytesStore } from './node-key.ts'
import type { MeshLibp2p, MeshRTCConfiguration } from '../net/index.ts'
import type { PendingPeer, RelayRegained } from '../net/index.ts'
import type { PeerId } from '@libp2p/interface'
import type { NodeSettings } from '../config/index.ts'

export type { BytesStore } from './node-key.ts'
export { MemoryBytesStore } from './node-key.ts'

export interface NodeConfig {
  settings: NodeSettings
  keyStore: BytesStore
  /** Relay multiaddrs, each ending in /p2p/<relay peer id>. */
  relayAddrs: string[]
  /** Extra listen addresses (a headless node's WebSocket port); `/p2p-circuit` and `/webrtc` are always on. */
  extraListen?: string[]
  /** Let this node dial other nodes' plain WebSocket addresses (headless nodes only; browsers use WebRTC). */
  dialWebSocketPeers?: boolean
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
   * The identity of the person using this node, which signs the objects they store. Tabs have one (per browser
   * profile); headless nodes only hold other people's shards and have none.
   */
  wallet?: Signer
  /** Health checks and repairs report here what they decide (headless nodes print it for the operator). */
  log?: (message: string) => void
}

export interface ConnectionInfo { peerId: string, remoteAddr: string, direct: boolean }
export interface BucketEntry { peerId: string, distance: string, storage: boolean, connected: boolean }
export interface NodeStatus {
  peerId: string
  kadId: string
  relay: { connected: boolean, reservation: boolean, addrs: string[] }
  addresses: string[]
  connections: ConnectionInfo[]
  buckets: Array<{ index: number, peers: BucketEntry[] }>
  /** Storage nodes this node fails to reach directly, and why. */
  pending: PendingPeer[]
  /** Peers the health checks marked dead (left out of placement until they answer again). */
  dead: DeadPeer[]
  /** Repairs and hand-offs of the shards this node holds: pending, finished, totals. */
  repair: RepairStatus
}

export interface ZenTalkNode {
  readonly libp2p: MeshLibp2p
  readonly peerId: string
  /** Resolves once the node runs, holds a relay reservation and has bootstrapped its DHT. */
  readonly ready: Promise<void>
  connections(): ConnectionInfo[]
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
  stop(): Promise<void>
}

export interface HeldShard { objectId: string, shardIndex: number, owner: string, size: number, intact: boolean }

export const DEFAULT_PLACEMENT_COUNT = 15
/**
 * After joining, a node waits one health interval, and at least five of them up to this long, before its first
 * repair round (the default 5-minute interval waits 5 minutes; a 2-second one, as in tests, 10 s).
 */
export const REPAIR_START_DELAY_MS = 30_000

/** How long after joining a node starts repairing, for a given health interval. */
export function repairStartDelayMs (healthIntervalMs: number): number {
  return Math.max(healthIntervalMs, Math.min(REPAIR_START_DELAY_MS, 5 * healthIntervalMs))
}
/** A repair sweep runs every this many health intervals (and at once when a peer dies or comes back). */
export const REPAIR_SWEEP_EVERY_HEALTH_ROUNDS = 5
/** Per holder, from when the request is sent; see `createNode`. */
export const NODE_FETCH_TIMEOUT_MS = 30_000

export async function createNode (config: NodeConfig): Promise<ZenTalkNode> {
  const { settings } = config
  const privateKey = await loadOrCreateNodeKey(config.keyStore)
  const relayPeerIds = new Set(config.relayAddrs.map(a => a.split('/p2p/').at(-1)!))
  const isRelayAddress = relayAddressMatcher(() => relayPeerIds)
  const libp2p = await createMeshLibp2p({
    privateKey,
    listen: [...(config.extraListen ?? []), '/p2p-circuit', '/webrtc'],
    rtcConfiguration: { iceServers: settings.iceServers, ...config.rtc },
    allowPrivateAddresses: settings.allowPrivate,
    relayPeerIds: () => relayPeerIds,
    dialWebSocketPeers: config.dialWebSocketPeers,
    maxConnections: Math.max(settings.targetPeers * 2, 100),
    inboundConnectionThreshold: 1000,
    maxIncomingPendingConnections: 1000,
    dialTimeoutMs: settings.dialTimeoutMs,
    userAgent: config.userAgent
  })
  // Serving this protocol is what makes a node a storage node in everyone's placement.
  await libp2p.handle(STORAGE_NODE_PROTOCOL, async (stream) => { await stream.close() })
  // The chunk protocol is handled before the node starts, so no peer ever sees a storage node without it.
  // Every node holds chat data too (history, inboxes, key bundles, presence), under the same rules everywhere.
  const chunkService = await startChunkService(libp2p, privateKey, { store: config.chunkStore, placementRules: CHAT_PLACEMENT_RULES })
  await libp2p.start()

  const keeper = new PeerKeeper(libp2p, {
    relayAddrs: config.relayAddrs,
    intervalMs: settings.keeperIntervalMs,
    discoveryIntervalMs: settings.discoveryIntervalMs,
    targetPeers: settings.targetPeers,
    dialTimeoutMs: settings.dialTimeoutMs,
    dialerGraceMs: settings.dialerGraceMs,
    maxParallelDials: 8,
    onRelayLost: config.onRelayLost,
    onRelayRegained: config.onRelayRegained
  })
  keeper.start()
  let health: HealthMonitor | undefined
  const closest = new ClosestPeers(libp2p, keeper, {
    lookupTimeoutMs: settings.lookupTimeoutMs,
    dialTimeoutMs: settings.dialTimeoutMs,
    livenessGraceMs: settings.livenessGraceMs,
    selfIsStorage: true,
    isDead: peerId => health?.isDead(peerId) ?? false
  })
  const closestLookup = cachedClosest(async (key, count) => await closest.find(key, count))
  // Self-healing (seed §4): every health interval each node checks its routing-table peers and the co-holders of
  // its shards; a peer that never answers is dead, leaves the routing table and placement, and the shards it
  // held are rebuilt on the next-closest nodes by one surviving holder.
  const repairer = new Repairer({
    libp2p,
    store: config.chunkStore,
    nodeKey: privateKey,
    // Every holder of a key checks it every few rounds: a DHT lookup each time (dozens of FIND_NODE requests, every
    // answer merged into the peer store) would cost the mesh far more than the repair. The peers this node knows
    // suffice; the survey then finds out which of them answer and what they hold.
    closestPeers: async (key, count) => closest.findKnown(key, count),
    isDead: peerId => health?.isDead(peerId) ?? false,
    placementRules: CHAT_PLACEMENT_RULES,
    // A full sweep surveys every co-holder of every key this node holds: too costly for every health round. Deaths
    // and returns start a round at once; the sweep finds the rest (hand-offs to newcomers, shards lost in place).
    intervalMs: settings.healthIntervalMs * REPAIR_SWEEP_EVERY_HEALTH_ROUNDS,
    // A key found in order is left alone until its ring or this node's shards of it change; every few sweeps it is
    // surveyed anyway, for shards lost on live holders (at most an hour apart).
    resurveyAfterMs: Math.min(DEFAULT_RESURVEY_AFTER_MS, 6 * settings.healthIntervalMs * REPAIR_SWEEP_EVERY_HEALTH_ROUNDS),
    handoffGraceMs: settings.handoffGraceMs,
    // A store in progress is not a loss: wait a few rounds (at most 30 s) before examining a new object.
    newObjectGraceMs: Math.min(DEFAULT_NEW_OBJECT_GRACE_MS, 5 * settings.healthIntervalMs),
    // Rounds after a death start within a quarter of a health interval (at most 1 s), spread over it.
    requestJitterMs: Math.min(DEFAULT_REQUEST_JITTER_MS, settings.healthIntervalMs / 4),
    // After a death the nearest surviving holder rebuilds every object of the key at once: one owner's history is
    // many small objects, each waiting on a few network round trips, so keep many in flight.
    maxConcurrentObjects: 16,
    // As many requests to one holder as a holder serves for one peer at once; more would be refused as BUSY.
    requestsPerHolder: DEFAULT_MAX_CONCURRENT_REQUESTS_PER_PEER,
    log: config.log
  })
  health = new HealthMonitor({
    // Storage nodes only: the relay is in the routing table too, but serves no shards.
    peers: () => [...routingTablePeers(libp2p).map(String), ...repairer.coHolders()]
      .filter(id => !keeper.isRelay(id) && !keeper.nonStoragePeers.has(id)),
    probe: connectedOrProbe(libp2p, unlessIsolated(libp2p, () => keeper.relayConnected(), chunkServiceProbe(libp2p), addr => {
      let ma
      try {
        ma = multiaddr(addr)
      } catch {
        return false
      }
      return dialable(ma, { dialWebSocketPeers: config.dialWebSocketPeers, allowPrivateAddresses: settings.allowPrivate, isRelayAddress })
    })),
    self: libp2p.peerId.toString(),
    intervalMs: settings.healthIntervalMs,
    retries: settings.healthRetries,
    // Retries 2 s apart, or closer when the interval is short (tests), so that a check fits in one interval: a
    // round waits for its slowest check, and a peer that died just after its check would wait a long round more.
    retryDelayMs: Math.min(DEFAULT_RETRY_DELAY_MS, settings.healthIntervalMs / (settings.healthRetries + 1)),
    log: config.log
  })
  health.on('dead', ({ peerId }) => {
    void removeFromRoutingTable(libp2p, peerIdFromString(peerId)).catch(() => {})
    repairer.peerDied(peerId)
  })
  health.on('alive', () => { repairer.requestRound() })
  const onConnect = (event: CustomEvent<PeerId>): void => { health?.noteAlive(event.detail.toString()) }
  libp2p.addEventListener('peer:connect', onConnect)
  const objects = config.wallet === undefined
    ? undefined
    : new ObjectStore({
      libp2p,
      wallet: config.wallet,
      closestPeers: closestLookup,
      selfStore: config.chunkStore,
      nodeKey: privateKey,
      placementRules: CHAT_PLACEMENT_RULES,
      // A holder's FETCH answer carries every shard it keeps for the owner (hundreds of KiB for a long history)
      // over WebRTC from a node that may be busy; a fetch stops waiting for holders once it has what it needs,
      // so only a fetch that is short of shards ever waits this long.
      fetchTimeoutMs: NODE_FETCH_TIMEOUT_MS
    })
  const selfKadId = kadIdOfPeer(libp2p.peerId.toMultihash().bytes)
  const stopController = new AbortController()
  const heldManifests = new ManifestCache()

  const hasReservation = (): boolean => libp2p.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit'))

  const ready = (async () => {
    const signal = stopController.signal
    await keeper.waitForRelay(signal)
    while (!hasReservation() || routingTablePeers(libp2p).length === 0) {
      signal.throwIfAborted()
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    // One lookup of our own ID fills the routing table with our neighbourhood before we call ourselves ready.
    await closest.find(libp2p.peerId.toMultihash().bytes, DEFAULT_PLACEMENT_COUNT, signal)
  })()
  ready.catch(() => {})
  // Repair waits until the node has joined and had time to meet its neighbourhood: a node that just (re)started
  // knows few peers yet, and would take shards held by peers it has not met for lost, or double shards up as if
  // the mesh were smaller than 15 nodes.
  let repairTimer: ReturnType<typeof setTimeout> | undefined
  ready.then(() => {
    // The first check one interval after joining: until then the node is still opening its direct connections,
    // and a peer it has not reached yet is not dead.
    health?.start(settings.healthIntervalMs)
    // The erasure code's WASM is compiled now rather than by the first repair (seconds on a busy machine).
    initErasure().catch(error => { config.log?.(`erasure coding is unavailable: ${error instanceof Error ? error.message : String(error)}`) })
    repairTimer = setTimeout(() => { repairer.start() }, repairStartDelayMs(settings.healthIntervalMs))
  }, () => {})

  const connections = (): ConnectionInfo[] => libp2p.getConnections()
    .filter(c => c.status === 'open')
    .map(c => ({ peerId: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), direct: isDirect(c) }))

  return {
    libp2p,
    peerId: libp2p.peerId.toString(),
    ready,
    connections,
    routingTable: () => routingTablePeers(libp2p).map(p => p.toString()),
    closestPeers: async (key, count = DEFAULT_PLACEMENT_COUNT) => await closest.find(key, count),
    status: () => {
      const connected = new Set(connections().map(c => c.peerId))
      const buckets = new Map<number, BucketEntry[]>()
      for (const p of routingTablePeers(libp2p)) {
        const id = p.toString()
        const kad = closest.kadIdOf(id)
        const index = bucketIndex(selfKadId, kad)
        const list = buckets.get(index) ?? []
        list.push({ peerId: id, distance: formatDistance(xorDistance(selfKadId, kad)), storage: keeper.storagePeers.has(id), connected: connected.has(id) })
        buckets.set(index, list)
      }
      return {
        peerId: libp2p.peerId.toString(),
        kadId: toHex(selfKadId),
        relay: { connected: keeper.relayConnected(), reservation: hasReservation(), addrs: config.relayAddrs },
        addresses: libp2p.getMultiaddrs().map(ma => ma.toString()),
        connections: connections(),
        buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([index, peers]) => ({ index, peers })),
        pending: keeper.pending(),
        dead: health?.deadPeers() ?? [],
        repair: repairer.status()
      }
    },
    storageStats: async () => await config.chunkStore.stats(),
    heldShards: async () => await heldShards(config.chunkStore, heldManifests),
    chunkStore: config.chunkStore,
    objects,
    stop: async () => {
      stopController.abort()
      keeper.stop()
      libp2p.removeEventListener('peer:connect', onConnect)
      clearTimeout(repairTimer)
      await health?.stop()
      await repairer.stop()
      await chunkService.stop()
      await libp2p.stop()
      await config.chunkStore.close()
    }
  }
}

/**
 * Every shard this node holds, each checked against its owner-signed manifest. Read one placement key at a time
 * (one read per key: a tab busy storing shards for its peers serves a read per shard only slowly), and a
 * manifest's signature is checked once per object (`manifests` remembers it): a busy tab asked for its shards
 * every second must not spend its time recovering the same public keys again.
 */
async function heldShards (store: ChunkStore, manifests: ManifestCache): Promise<HeldShard[]> {
  const held: HeldShard[] = []
  const keys = await store.listShardKeys()
  manifests.retain(new Set(keys.map(key => key.objectId)))
  const placementKeys = new Map(keys.map(key => [toHex(key.placementKey), key.placementKey]))
  for (const placementKey of placementKeys.values()) {
    for (const record of await store.listByPlacementKey(placementKey)) {
      const manifest = manifests.verified(record.objectId, record.manifest)
      const intact = !(manifest instanceof Error) && verifyShard(manifest, record.shardIndex, record.data)
      held.push({ objectId: record.objectId, shardIndex: record.shardIndex, owner: record.owner, size: record.size, intact })
    }
  }
  return held
}

function toHex (bytes: Uint8Array): string {
  return [...bytes].map(b => b.toString(16).padStart(2, '0')).join('')
}
export { loadOrCreateNodeKey } from './node-key.ts'
