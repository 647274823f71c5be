/**
 * The relay process: a libp2p node with a circuit-relay-v2 server (WebRTC signalling between tabs), a kad-dht
 * server (the bootstrap peer) and identify/ping, behind the HTTP port that also serves the web app.
 * It stores nothing and never takes part in placement: it does not serve the storage-node protocol.
 */
import { createMeshLibp2p, MAX_CONNECTION_PING_INTERVAL_MS, type MeshLibp2p } from '../src/net/index.ts'
import { loadOrCreateNodeKey } from '../src/node/index.ts'
import { AddressList, LOOPBACK } from './addresses.ts'
import { startHttpServer } from './http-server.ts'
import { FileBytesStore } from './file-store.ts'
import { freeLoopbackPort } from './free-port.ts'
import { relayLimits, type RelayLimits } from './limits.ts'
import type { IceServer } from '../src/config/index.ts'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'

export interface RelayOptions {
  host: string
  port: number
  dataDir: string
  webRoot: string | undefined
  /** Host names or IPs to announce; default: the listen host, or 127.0.0.1 when listening on all interfaces. */
  announceHosts: string[]
  maxReservations: number
  maxConnections: number
  iceServers: IceServer[]
  /** Connections from one IPv4 address or IPv6 /64 (exempt addresses excepted); default 16. */
  maxConnectionsPerAddress?: number
  /** Reservations from one IPv4 address or IPv6 /64 (exempt addresses excepted); default 8. */
  maxReservationsPerAddress?: number
  /** Addresses and CIDR ranges that per-address limits do not apply to, besides loopback. */
  exemptAddresses?: string[]
  /**
   * Exempt loopback (127.0.0.0/8, ::1) too: the relay's own storage nodes and tabs on the relay's machine come
   * from there. Default true; tests turn it off to stand for remote clients with loopback addresses.
   */
  exemptLoopback?: boolean
  /** Reverse proxies whose X-Forwarded-For names the client; default none. */
  trustedProxies?: string[]
  /** Bearer token that unlocks the full `/api/status` (peer IDs) for non-loopback callers. */
  statusToken?: string
  /** Send Strict-Transport-Security (the relay is reached over TLS, e.g. behind a TLS proxy). */
  hsts?: boolean
  /** Where to say things an operator should know (default: console.warn). */
  warn?: (message: string) => void
}

export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 16
export const DEFAULT_MAX_RESERVATIONS_PER_ADDRESS = 8

export interface Relay {
  libp2p: MeshLibp2p
  http: Server
  limits: RelayLimits
  peerId: string
  multiaddrs: string[]
  url: string
  /**
   * Lets pages served here open WebSockets to `origin` (`ws://host:port`): the relay's own storage nodes, which
   * tabs without WebRTC reach that way.
   */
  allowConnectSource(origin: string): void
  stop(): Promise<void>
}

export async function startRelay (options: RelayOptions): Promise<Relay> {
  const privateKey = await loadOrCreateNodeKey(new FileBytesStore(options.dataDir))
  const wsPort = await freeLoopbackPort()
  const announce = options.announceHosts.map(h => `/${hostProto(h)}/${h}/tcp/${options.port}/ws`)
  const exempt = new AddressList([...(options.exemptLoopback === false ? [] : LOOPBACK), ...(options.exemptAddresses ?? [])])
  const limits = relayLimits({
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    maxReservationsPerAddress: options.maxReservationsPerAddress ?? DEFAULT_MAX_RESERVATIONS_PER_ADDRESS,
    exempt
  })
  const trustedProxies = new AddressList(options.trustedProxies ?? [])
  const libp2p = await createMeshLibp2p({
    privateKey,
    listen: [`/ip4/127.0.0.1/tcp/${wsPort}/ws`],
    announce,
    rtcConfiguration: { iceServers: [] },
    allowPrivateAddresses: true,
    // A reservation also ends when its peer's last connection closes (limits.attach).
    relayServer: { maxReservations: options.maxReservations, reservationTtlMs: 2 * 60 * 60 * 1000 },
    maxConnections: options.maxConnections,
    connectionGater: limits.gater,
    // Every tab of a LAN party, or of a test run, arrives from one address; per-address limits are the gater's.
    inboundConnectionThreshold: options.maxConnections,
    maxIncomingPendingConnections: options.maxConnections,
    dialTimeoutMs: 10_000,
    userAgent: 'zentalk-relay/0.1.0',
    // The relay's peers ping it too, and a closing tab or node ends its WebSocket (TCP) at once: its own pings only
    // find connections that died without a word, and a minute is soon enough for those.
    connectionPingIntervalMs: MAX_CONNECTION_PING_INTERVAL_MS
  })
  limits.attach(libp2p)
  await libp2p.start()
  const handleUpgrade = webSocketUpgradeHandler(libp2p)
  const peerId = libp2p.peerId.toString()
  const multiaddrs = announce.map(a => `${a}/p2p/${peerId}`)
  const connectSources = webSocketOrigins(options.announceHosts, options.port)
  const http = await startHttpServer({
    host: options.host,
    port: options.port,
    webRoot: options.webRoot,
    libp2pWsPort: wsPort,
    handleUpgrade,
    trustedProxies,
    statusToken: options.statusToken,
    // Loopback callers see peer IDs, unless the operator took their address out of the exempt list.
    statusTrusted: exempt,
    hsts: options.hsts,
    connectSources: () => connectSources,
    warn: options.warn ?? (message => { console.warn(`warning: ${message}`) }),
    bootstrap: () => ({ peerId, multiaddrs, iceServers: options.iceServers }),
    status: full => relayStatus(libp2p, limits, full)
  })
  const shownHost = options.announceHosts[0] ?? '127.0.0.1'
  return {
    libp2p,
    http,
    limits,
    peerId,
    multiaddrs,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${options.port}/`,
    allowConnectSource: origin => { if (!connectSources.includes(origin)) connectSources.push(origin) },
    stop: async () => {
      http.closeAllConnections()
      await new Promise<void>(resolve => http.close(() => resolve()))
      await libp2p.stop()
    }
  }
}

export interface RelayStatus {
  peerId: string
  /** Connected peer IDs; empty unless the caller is on loopback or holds the status token (`peersHidden`). */
  connectedPeers: string[]
  reservations: number
  connectedPeerCount: number
  peersHidden: boolean
  /** Connections and reservations refused by the per-address limits since start. */
  refused: { connections: number, reservations: number }
}

/**
 * What an operator (and the test suite) can see at `/api/status`: how many are connected and hold a reservation;
 * who they are only for loopback callers and holders of `--status-token`.
 */
function relayStatus (libp2p: MeshLibp2p, limits: RelayLimits, full: boolean): RelayStatus {
  const relay = libp2p.services.relay as { reservations?: { size: number } } | undefined
  const peers = [...new Set(libp2p.getConnections().filter(c => c.status === 'open').map(c => c.remotePeer.toString()))]
  return {
    peerId: libp2p.peerId.toString(),
    connectedPeers: full ? peers : [],
    reservations: relay?.reservations?.size ?? 0,
    connectedPeerCount: peers.length,
    peersHidden: !full,
    refused: { ...limits.refused }
  }
}

/** `ws://` and `wss://` origins of the relay's announced hosts, for the page's connect-src. */
function webSocketOrigins (hosts: string[], port: number): string[] {
  return hosts.filter(h => /^[A-Za-z0-9.:-]+$/.test(h)).flatMap(h => {
    const host = h.includes(':') ? `[${h}]` : h
    return [`ws://${host}:${port}`, `wss://${host}:${port}`]
  })
}

/**
 * libp2p's WebSocket listener takes upgrades from our HTTP server directly (its `onUpgrade`), so the connection
 * keeps the socket, and with it the client's address. The listener is reached through libp2p's transport manager;
 * if a libp2p upgrade ever moves it, the relay refuses to start rather than silently losing per-address limits.
 */
function webSocketUpgradeHandler (libp2p: MeshLibp2p): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  interface UpgradingListener { onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void }
  const components = (libp2p as unknown as { components?: { transportManager?: { getListeners?: () => unknown[] } } }).components
  const listener = components?.transportManager?.getListeners?.()
    .find((l): l is UpgradingListener => typeof (l as Partial<UpgradingListener>).onUpgrade === 'function')
  if (listener == null) throw new Error('libp2p\'s WebSocket listener takes no upgrades from the relay\'s HTTP server (libp2p internals changed?)')
  return (req, socket, head) => { listener.onUpgrade(req, socket, head) }
}

function hostProto (host: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return 'ip4'
  if (host.includes(':')) return 'ip6'
  return 'dns4'
}

