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
