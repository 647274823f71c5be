/**
 * The only place that builds a libp2p node. Browser tabs, headless storage nodes and the relay all come from
 * `createMeshLibp2p`, so they agree on transports, encryption, muxing and the DHT protocol.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { circuitRelayAddressesLast, isPrivateIp, loopbackAddressLast, publicAddressesFirst, reliableTransportsFirst } from '@libp2p/utils'
import { WebSockets } from '@multiformats/multiaddr-matcher'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { cachePeerStore, type PeerStoreCacheOptions } from './peer-store-cache.ts'
import { keepOutOfRoutingTable, keepQueriesOffLeftOut } from './routing-table.ts'
import { closingWebSockets } from './websockets.ts'
import { KAD_PROTOCOL } from '../wire/index.ts'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { Address, Connection, ConnectionGater, Libp2p, PeerInfo, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'

// A type alias, not an interface: libp2p's ServiceMap needs an index-compatible type.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type MeshServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT
  relay?: unknown
}

export type MeshLibp2p = Libp2p<MeshServices>

/** node-datachannel's RTCPeerConnection takes `bindAddress` on top of the standard configuration. */
export type MeshRTCConfiguration = RTCConfiguration & { bindAddress?: string }

export interface MeshLibp2pOptions {
  privateKey: PrivateKey
  /** Multiaddrs to listen on, e.g. `['/p2p-circuit', '/webrtc']` for a tab. */
  listen: string[]
  /** Addresses to announce instead of the listen addresses (the relay behind its HTTP port). */
  announce?: string[]
  /** Passed to every RTCPeerConnection. Keep `iceServers: []` in tests: the defaults are public STUN hosts. */
  rtcConfiguration: MeshRTCConfiguration
  /** Allow dialing loopback and private addresses (local meshes, tests). */
  allowPrivateAddresses: boolean
  /**
   * Peer IDs of relays. Nodes dial other storage nodes over WebRTC; a plain WebSocket address is only used to
   * reach a relay, so traffic between storage nodes never hides behind a socket a browser could not open.
   */
  relayPeerIds?: () => Set<string>
  /** Accept WebSocket dials to non-relay peers (headless nodes reaching each other directly). */
  dialWebSocketPeers?: boolean
  /**
   * Dial `/webrtc-direct` addresses (browsers, which reach headless nodes that listen for it straight). Off for
   * headless nodes: they reach each other over WebSockets, and node-datachannel aborted the process in 1 of 5
   * dials to a WebRTC-Direct address whose listener had stopped.
   */
  dialWebRTCDirect?: boolean
  /**
   * This node can open WebRTC connections (default true). A browser that offers no ICE candidate cannot, so its
   * node never dials `/webrtc` addresses and reaches storage nodes over WebSockets instead.
   */
  webrtc?: boolean
  /**
   * Peers this node may reach over a plain relayed (limited) connection, for protocols that run on one (live
   * chat delivery when no direct path exists). Every other plain circuit dial stays refused.
   */
  relayedDialPeers?: ReadonlySet<string>
  /**
   * kad-dht in client mode: the node looks peers up but does not answer lookups, so no other node puts it in its
   * routing table (a node that others cannot dial).
   */
  dhtClientMode?: boolean
  /**
   * Peers this node's DHT leaves out: it neither adds them to its routing table nor names them in its FIND_NODE
   * answers, and its walks do not dial them (an operator node leaves out tabs with a connection budget: see
   * create-node.ts).
   */
  dhtLeavesOut?: (peerId: string) => boolean
  /** Run the circuit-relay-v2 server (the `node relay` process). */
  relayServer?: { maxReservations: number, reservationTtlMs: number }
  /** Connection limits: tabs on one machine all come from 127.0.0.1, so the per-IP defaults are far too low. */
  maxConnections: number
  inboundConnectionThreshold: number
  maxIncomingPendingConnections: number
  /**
   * Extra connection-gater checks (the relay's per-address limits). Merged with this module's own dial policy,
   * which always decides `denyDialMultiaddr`.
   */
  connectionGater?: Omit<ConnectionGater, 'denyDialMultiaddr'>
  dialTimeoutMs: number
  userAgent: string
  /**
   * How often libp2p pings each open connection (default `DEFAULT_CONNECTION_PING_INTERVAL_MS`). Nodes derive it
   * from their health interval (`connectionPingIntervalFor`).
   */
  connectionPingIntervalMs?: number
  /**
   * Transports in place of WebSockets and WebRTC (the circuit relay transport is always there): the simulation
   * runs many nodes in one process over `@libp2p/memory`.
   */
  transports?: MeshTransport[]
  /**
   * The peer-store cache (peer-store-cache.ts): merges that add nothing (the protocol of every stream, the
   * addresses of every peer a lookup names) and reads answered from each peer's last write, without the
   * datastore. Default: on, with its default settings. `false` leaves it out (benchmarks measure what it saves).
   */
  peerStoreCache?: false | PeerStoreCacheOptions
}

/** A libp2p transport factory, as `createLibp2p` takes it. */
export type MeshTransport = NonNullable<Libp2pOptions['transports']>[number]

/** libp2p's own liveness ping of every connection, when nothing else says otherwise. */
export const DEFAULT_CONNECTION_PING_INTERVAL_MS = 15_000
/** The longest pause between connection pings a node uses. */
export const MAX_CONNECTION_PING_INTERVAL_MS = 60_000

/**
 * The connection ping interval that goes with a health interval. A ping opens a stream on every connection (a
 * new data channel on WebRTC) on both ends, which in a settled mesh was the largest share of an idle node's work.
 * The health monitor counts an open connection as an answer, so a dead peer whose connection has not closed by
 * itself (WebRTC has no TCP reset) is found when a ping fails: pinging a fifth of the health interval apart, at
 * least 15 s and at most 60 s, leaves every round of checks (and its retries) a closed connection to see. The
 * tests' 2 s health interval keeps the 15 s pings of before; the default 5 minutes gets 60 s.
 */
export function connectionPingIntervalFor (healthIntervalMs: number): number {
  return Math.min(MAX_CONNECTION_PING_INTERVAL_MS, Math.max(DEFAULT_CONNECTION_PING_INTERVAL_MS, Math.round(healthIntervalMs / 5)))
}

export async function createMeshLibp2p (options: MeshLibp2pOptions): Promise<MeshLibp2p> {
  const relayIds = options.relayPeerIds ?? (() => new Set<string>())
  const services: Record<string, any> = {
    identify: identify({ timeout: options.dialTimeoutMs }),
    identifyPush: identifyPush(),
    // libp2p's connection monitor drops a connection whose ping fails for any reason, including the
    // per-connection stream limit. With the defaults (one outbound and two inbound ping streams, a 10 s answer
    // deadline) a ping still running on a busy node when the next one started ended a working connection, and a
    // node without its relay could not dial it again.
    ping: ping({ maxOutboundStreams: 4, maxInboundStreams: 8, timeout: 45_000 }),
    dht: kadDHT({
      protocol: KAD_PROTOCOL,
      // Every storage node, tab or headless, answers FIND_NODE for others. Only a node no one can dial (a browser
      // without WebRTC) runs as a client, so that it never enters other nodes' routing tables.
      clientMode: options.dhtClientMode === true,
      peerInfoMapper: leavingOut(options.allowPrivateAddresses ? passthroughMapper : removePrivateAddressesMapper, options.dhtLeavesOut),
      networkDialTimeout: { minTimeout: options.dialTimeoutMs, maxTimeout: options.dialTimeoutMs * 3 },
      onPeerConnectTimeout: options.dialTimeoutMs,
      // Refresh often at start so a new node learns the mesh quickly. Later the peer keeper's discovery looks up the
      // node's own ID (and a random one) anyway, so kad-dht's own self-query only backs it up.
      initialQuerySelfInterval: 1000,
      querySelfInterval: DHT_SELF_QUERY_INTERVAL_MS,
      // Three parallel queries per lookup, as in the Kademlia paper: the default of ten floods a small mesh
      // whose nodes all know each other, and costs every node CPU for no better answer.
      alpha: 3
    })
  }
  if (options.relayServer != null) {
    services.relay = circuitRelayServer({
      reservations: {
        maxReservations: options.relayServer.maxReservations,
        reservationTtl: options.relayServer.reservationTtlMs,
        // Relayed connections stay limited: they carry WebRTC signalling only, and protocols that are not
        // marked for limited connections (DHT, chunks) refuse them, so data always flows over direct WebRTC.
        applyDefaultLimit: true
      },
      maxInboundHopStreams: 4096,
      maxOutboundStopStreams: 4096
    })
  }

  const isRelayAddress = relayAddressMatcher(relayIds)

  const node = await createLibp2p({
    // Callers register their protocol handlers first, so identify never advertises a half-built node.
    start: false,
    privateKey: options.privateKey,
    nodeInfo: { userAgent: options.userAgent },
    addresses: { listen: options.listen, announce: options.announce },
    transports: [
      // WebRTC-Direct: tabs dial headless nodes that listen for it (`--webrtc-direct-port`) straight, with no
      // signalling through the relay; browsers cannot listen for it, so tabs only dial. Only where it is used: in
      // Node the transport makes a TLS certificate at every start, listening or not.
      ...(options.transports ?? [closingWebSockets(), webRTC({ rtcConfiguration: options.rtcConfiguration }),
        ...(usesWebRTCDirect(options) ? [webRTCDirect({ rtcConfiguration: options.rtcConfiguration })] : [])]),
      circuitRelayTransport({ reservationCompletionTimeout: Math.max(options.dialTimeoutMs, 10_000) })
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      ...options.connectionGater,
      denyDialMultiaddr: (ma: Multiaddr) => !dialable(ma, { ...options, isRelayAddress })
    },
    // libp2p pings every connection and drops it when a ping is late. Its default deadline is a few seconds,
    // which a busy two-core machine running dozens of nodes misses: every connection of a stalled process
    // dropped at once, then all redialled at once. Be patient; dead peers still go within a minute.
    connectionMonitor: {
      pingInterval: options.connectionPingIntervalMs ?? DEFAULT_CONNECTION_PING_INTERVAL_MS,
      pingTimeout: { minTimeout: 15_000, maxTimeout: 45_000 }
    },
    connectionManager: {
      maxConnections: options.maxConnections,
      inboundConnectionThreshold: options.inboundConnectionThreshold,
      maxIncomingPendingConnections: options.maxIncomingPendingConnections,
      dialTimeout: options.dialTimeoutMs,
      maxParallelDials: 16,
      addressSorter: preferredAddressesFirst
    },
    services
  }) as unknown as MeshLibp2p
  if (options.peerStoreCache !== false) cachePeerStore(node.peerStore, options.peerStoreCache)
  slowDhtTableRefresh(node)
  ungateDhtLookups(node)
  noRelaySearchByWalking(node)
  if (options.dhtLeavesOut !== undefined) {
    keepOutOfRoutingTable(node, options.dhtLeavesOut)
    keepQueriesOffLeftOut(node, options.dhtLeavesOut)
  }
  return node
}

/**
 * The order a peer's addresses are dialled in: plain WebSockets first (headless nodes among themselves; tabs never
 * dial them), then WebRTC-Direct (a tab's straight path to a headless node, with no signalling through the relay:
 * about 0.15 s on loopback), then libp2p's own order (loopback last, public first, relayed last, certified first,
 * reliable transports first). libp2p's own order alone put relay-signalled WebRTC before WebRTC-Direct.
 */
export function preferredAddressesFirst (a: Address, b: Address): -1 | 0 | 1 {
  const rank = (address: Address): number => {
    const text = address.multiaddr.toString()
    if (text.includes('/p2p-circuit')) return 2
    if (WebSockets.matches(address.multiaddr)) return 0
    return text.includes('/webrtc-direct') ? 1 : 2
  }
  if (rank(a) !== rank(b)) return rank(a) < rank(b) ? -1 : 1
  return loopbackAddressLast(a.multiaddr, b.multiaddr) || publicAddressesFirst(a.multiaddr, b.multiaddr) ||
    circuitRelayAddressesLast(a.multiaddr, b.multiaddr) || (a.isCertified === b.isCertified ? 0 : a.isCertified ? -1 : 1) ||
    reliableTransportsFirst(a.multiaddr, b.multiaddr)
}

/** Whether a node dials WebRTC-Direct (a browser) or listens for it (a headless node given a port). */
function usesWebRTCDirect (options: Pick<MeshLibp2pOptions, 'dialWebRTCDirect' | 'listen'>): boolean {
  return options.dialWebRTCDirect === true || options.listen.some(addr => addr.includes('/webrtc-direct'))
}

/** kad-dht's own self-query, after the first ones at start (its default is 5 minutes). */
export const DHT_SELF_QUERY_INTERVAL_MS = 30 * 60_000
/**
 * How often kad-dht refreshes its routing table: one lookup of a random ID per bucket in use, in every node at once.
 * Its default, 5 minutes, made these lookups (each asking most of a small mesh) a large share of an idle mesh's
 * work, while the peer keeper's discovery already looks up a random ID. The refresh at start stays.
 */
export const DHT_TABLE_REFRESH_INTERVAL_MS = 30 * 60_000

/** kad-dht takes no option for its table refresh interval: set the field its timer reads (before start). */
function slowDhtTableRefresh (node: MeshLibp2p): void {
  const refresh = (node.services.dht as unknown as { routingTableRefresh?: { refreshInterval?: number } }).routingTableRefresh
  if (typeof refresh?.refreshInterval === 'number') refresh.refreshInterval = DHT_TABLE_REFRESH_INTERVAL_MS
}

/**
 * kad-dht holds every lookup until its first self-query has ended, and that query runs until it has heard of 20
 * peers or for 5 s: in a mesh of fewer nodes a new tab waited the whole 5 s before its own first lookup (and its
 * readiness, which needs one) could even start. Lookups still wait for a first routing-table peer; this drops
 * only the self-query gate (kad-dht takes no option for it: clear the promise its query manager awaits).
 */
function ungateDhtLookups (node: MeshLibp2p): void {
  const manager = (node.services.dht as unknown as { queryManager?: { initialQuerySelfHasRun?: unknown } }).queryManager
  if (manager !== undefined && 'initialQuerySelfHasRun' in manager) manager.initialQuerySelfHasRun = undefined
}

interface RandomWalk { walk: (options?: { signal?: AbortSignal }) => AsyncGenerator<unknown> }

/**
 * The circuit-relay transport searches for a relay whenever it holds fewer reservations than its `/p2p-circuit`
 * listen address asks for (the relay went away): with libp2p's random walk, which looks up random IDs in the DHT
 * back to back, with no pause, until a relay turns up, plus a lookup of its own for each peer an answer named without
 * addresses. While the relay was down, that walk kept a process of five headless nodes at 96 % of a core, a connected
 * peer received over a hundred DHT requests a second from each such node, and tabs' lookups ran to their deadline
 * (6 to 8 s instead of 0.3 s). Relays are found without it: the peer keeper redials the configured relays, and the
 * transport reserves on any connected peer that serves the relay protocol (its topology) or that the peer store knows
 * to serve it. The walk it asks for names no peer, and ends when the transport stops searching. The random walk is
 * libp2p's internal component (no option turns it off); nothing else in this assembly uses it.
 */
function noRelaySearchByWalking (node: MeshLibp2p): void {
  const walker = (node as unknown as { components?: { randomWalk?: RandomWalk } }).components?.randomWalk
  if (walker === undefined) return
  walker.walk = async function * (options) {
    const signal = options?.signal
    if (signal == null || signal.aborted) return
    await new Promise<void>(resolve => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
  }
}

/** What decides whether this node dials an address (its connection gater applies exactly this). */
export interface DialPolicy {
  dialWebSocketPeers?: boolean
  /** See `MeshLibp2pOptions.dialWebRTCDirect`. */
  dialWebRTCDirect?: boolean
  /** False: this node cannot open WebRTC connections, so `/webrtc` addresses are never dialled. */
  webrtc?: boolean
  /** Peers whose plain relayed address may be dialled (see `MeshLibp2pOptions.relayedDialPeers`). */
  relayedDialPeers?: ReadonlySet<string>
  allowPrivateAddresses: boolean
  isRelayAddress: (ma: Multiaddr) => boolean
}

/** Whether an address ends in the peer ID of one of `relayIds`. */
export function relayAddressMatcher (relayIds: () => Set<string>): (ma: Multiaddr) => boolean {
  return ma => {
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    return id != null && relayIds().has(id)
  }
}

export function dialable (ma: Multiaddr, policy: DialPolicy): boolean {
  const addr = ma.toString()
  if (addr.includes('/webrtc')) {
    if (policy.webrtc === false) return false
    if (addr.includes('/webrtc-direct') && policy.dialWebRTCDirect !== true) return false
    if (addr.includes('/p2p-circuit')) return true
  } else if (isPlainRelayed(ma)) {
    // A plain relayed connection is limited and carries none of the storage protocols, so it is never dialled to
    // reach a peer in general: peers are reached over /p2p-circuit/webrtc (WebRTC's own signalling dial goes
    // straight to the transport and is not affected). Only a peer named for relayed protocols (chat delivery)
    // may be dialled this way.
    const peer = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    return peer != null && policy.relayedDialPeers?.has(peer) === true
  }
  if (WebSockets.matches(ma) && policy.dialWebSocketPeers !== true && !policy.isRelayAddress(ma)) return false
  if (policy.allowPrivateAddresses) return true
  return !isPrivateMultiaddr(ma)
}

/** A relayed address that is not WebRTC signalling: dialling it gives a limited connection through the relay. */
export function isPlainRelayed (ma: Multiaddr): boolean {
  const addr = ma.toString()
  return addr.includes('/p2p-circuit') && !addr.includes('/webrtc')
}

function isPrivateMultiaddr (ma: Multiaddr): boolean {
  const host = ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
  return host != null && isPrivateIp(host) === true
}

/** Open and not limited: a connection our protocols run over (limited relayed ones carry WebRTC signalling only). */
export function isUsableConnection (connection: Pick<Connection, 'status' | 'limits'>): boolean {
  return connection.status === 'open' && connection.limits == null && !isMuxerClosed(connection)
}

/**
 * A connection not yet closed whose stream muxer has closed (or is closing): every new stream on it fails ("The
 * connection muxer is closed"), and a WebRTC dial to its peer reuses it for signalling and fails the same way,
 * until libp2p's connection monitor removes it (a ping timeout later). The muxer is not part of the Connection
 * interface, so this reads the implementation's field, and says false when there is none.
 */
export function isMuxerClosed (connection: Pick<Connection, 'status'>): boolean {
  const muxer = (connection as { muxer?: { status?: string } }).muxer
  return connection.status !== 'closed' && typeof muxer?.status === 'string' && muxer.status !== 'open'
}

/**
 * Not through a relay: no relay limits, and either no circuit at all or a WebRTC connection (whose dialled
 * address reads `/p2p-circuit/webrtc` although its traffic flows peer to peer once signalling is done).
 */
export function isDirect (connection: { remoteAddr: Multiaddr, limits?: unknown }): boolean {
  const addr = connection.remoteAddr.toString()
  return connection.limits == null && (!addr.includes('/p2p-circuit') || addr.includes('/webrtc'))
}

/** A kad-dht peer-info mapper that also leaves out (no addresses: kad-dht skips such a peer) the peers `leavesOut` names. */
function leavingOut (mapper: (peer: PeerInfo) => PeerInfo, leavesOut?: (peerId: string) => boolean): (peer: PeerInfo) => PeerInfo {
  if (leavesOut === undefined) return mapper
  return peer => leavesOut(peer.id.toString()) ? { ...peer, multiaddrs: [] } : mapper(peer)
}
