/**
 * Production probes for the health monitor. `pingProbe` asks libp2p's ping service (one round trip on a stream,
 * dialling first when no connection is open); `chunkServiceProbe` lists an empty placement key through the chunk
 * protocol, which also proves the peer still serves shards, not just that its libp2p is up.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { listShards, type ChunkDialer } from '../protocols/chunks/index.ts'
import type { HealthProbe } from './health.ts'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/** What `pingProbe` needs from libp2p (a `MeshLibp2p` is one). */
export interface PingCapable {
  services: { ping: { ping(peer: PeerId, options?: AbortOptions): Promise<number> } }
}

export function pingProbe (libp2p: PingCapable): HealthProbe {
  return async (peerId, signal) => await libp2p.services.ping.ping(peerIdFromString(peerId), { signal })
}

/** A placement key no owner derives (all zero), so the answer is an empty list and costs the holder nothing. */
const PROBE_KEY = new Uint8Array(32)

export function chunkServiceProbe (libp2p: ChunkDialer, timeoutMs = 10_000): HealthProbe {
  return async (peerId, signal) => await listShards(libp2p, peerId, { placementKey: PROBE_KEY, signal, timeoutMs, maxPages: 1 })
}

/** What `connectedOrProbe` needs from libp2p: its open connections to a peer. */
export interface ConnectionsView {
  getConnections(peerId?: PeerId): Array<{ status: string, limits?: unknown }>
}

/**
 * A peer with an open, unlimited connection counts as answering without a probe: libp2p's connection monitor
 * pings every connection and closes one whose pings fail, and a crashed peer's TCP connections close at once.
 * Only peers without one are probed (which dials them). Probing every connected peer every round would cost
 * each node a stream per peer per round for nothing, and a busy node that misses a probe deadline would declare
 * a peer it is talking to dead.
 */
export function connectedOrProbe (libp2p: ConnectionsView, probe: HealthProbe): HealthProbe {
  return async (peerId, signal) => {
    const open = libp2p.getConnections(peerIdFromString(peerId)).some(c => c.status === 'open' && c.limits == null)
    if (open) return true
    return await probe(peerId, signal)
  }
}
