/**
 * The relay process: a libp2p node with a circuit-relay-v2 server (WebRTC signalling between tabs), a kad-dht
 * server (the bootstrap peer) and identify/ping, behind the HTTP port that also serves the web app.
 * It stores nothing and never takes part in placement: it does not serve the storage-node protocol.
 */
import { createServer } from 'node:net'
import { createMeshLibp2p, type MeshLibp2p } from '../src/net/index.ts'
import { loadOrCreateNodeKey } from '../src/node/index.ts'
import { startHttpServer } from './http-server.ts'
import { FileBytesStore } from './file-store.ts'
import type { IceServer } from '../src/config/index.ts'
import type { Server } from 'node:http'

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
}

export interface Relay {
  libp2p: MeshLibp2p
  http: Server
  peerId: string
  multiaddrs: string[]
  url: string
  stop(): Promise<void>
}

export async function startRelay (options: RelayOptions): Promise<Relay> {
  const privateKey = await loadOrCreateNodeKey(new FileBytesStore(options.dataDir))
  const wsPort = await freeLoopbackPort()
  const announce = options.announceHosts.map(h => `/${hostProto(h)}/${h}/tcp/${options.port}/ws`)
  const libp2p = await createMeshLibp2p({
    privateKey,
    listen: [`/ip4/127.0.0.1/tcp/${wsPort}/ws`],
    announce,
    rtcConfiguration: { iceServers: [] },
    allowPrivateAddresses: true,
    relayServer: { maxReservations: options.maxReservations, reservationTtlMs: 2 * 60 * 60 * 1000 },
    maxConnections: options.maxConnections,
    // Every tab of a LAN party, or of a test run, arrives from one address.
    inboundConnectionThreshold: options.maxConnections,
    maxIncomingPendingConnections: options.maxConnections,
    dialTimeoutMs: 10_000,
    userAgent: 'zentalk-relay/0.1.0'
  })
  await libp2p.start()
  const peerId = libp2p.peerId.toString()
  const multiaddrs = announce.map(a => `${a}/p2p/${peerId}`)
  const http = await startHttpServer({
    host: options.host,
    port: options.port,
    webRoot: options.webRoot,
    libp2pWsPort: wsPort,
    bootstrap: () => ({ peerId, multiaddrs, iceServers: options.iceServers }),
    status: () => relayStatus(libp2p)
  })
  const shownHost = options.announceHosts[0] ?? '127.0.0.1'
  return {
    libp2p,
    http,
    peerId,
    multiaddrs,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${options.port}/`,
    stop: async () => {
      http.closeAllConnections()
      await new Promise<void>(resolve => http.close(() => resolve()))
      await libp2p.stop()
    }
  }
}

/** What an operator (and the test suite) can see at `/api/status`: who is connected and who holds a reservation. */
function relayStatus (libp2p: MeshLibp2p): { peerId: string, connectedPeers: string[], reservations: number } {
  const relay = libp2p.services.relay as { reservations?: { size: number } } | undefined
  return {
    peerId: libp2p.peerId.toString(),
    connectedPeers: [...new Set(libp2p.getConnections().filter(c => c.status === 'open').map(c => c.remotePeer.toString()))],
    reservations: relay?.reservations?.size ?? 0
  }
}

function hostProto (host: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return 'ip4'
  if (host.includes(':')) return 'ip6'
  return 'dns4'
}

async function freeLoopbackPort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}
