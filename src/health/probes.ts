/**
 * Production probes for the health monitor. `pingProbe` asks libp2p's ping service (one round trip on a stream,
 * dialling first when no connection is open); `chunkServiceProbe` lists an empty placement key through the chunk
 * protocol, which also proves the peer still serves shards, not just that its libp2p is up.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { isUsableConnection } from '../net/index.ts'
import { RemoteBusyError, listShards, type ChunkDialer } from '../protocols/index.ts'
import { ProbeInconclusiveError, type HealthProbe } from './health.ts'
import type { AbortOptions, Connection, PeerId } from '@libp2p/interface'

/** What `pingProbe` needs from libp2p (a `MeshLibp2p` is one). */
export interface PingCapable {
  services: { ping: { ping(peer: PeerId, options?: AbortOptions): Promise<number> } }
}

export function pingProbe (libp2p: PingCapable): HealthProbe {
  return async (peerId, signal) => await libp2p.services.ping.ping(peerIdFromString(peerId), { signal })
}

/** A placement key no owner derives (all zero), so the answer is an empty list and costs the holder nothing. */
const PROBE_KEY = new Uint8Array(32)

/**
 * A holder that answers BUSY answered: it is alive and serves the protocol, only at its limit (perhaps because
 * others keep it busy on purpose), so BUSY counts as a passed check, never as evidence of death.
 */
export function chunkServiceProbe (libp2p: ChunkDialer, timeoutMs = 10_000): HealthProbe {
  return async (peerId, signal) => {
    try {
      return await listShards(libp2p, peerId, { placementKey: PROBE_KEY, signal, timeoutMs, maxPages: 1 })
    } catch (error) {
      if (error instanceof RemoteBusyError) return []
      throw error
    }
  }
}

/** What `connectedOrProbe` needs from libp2p: its open connections to a peer. */
export interface ConnectionsView {
  getConnections(peerId?: PeerId): Array<Pick<Connection, 'status' | 'limits'>>
}

/**
 * A peer with an open, unlimited connection (whose muxer is open) counts as answering without a probe: libp2p's connection monitor
 * pings every connection and closes one whose pings fail, and a crashed peer's TCP connections close at once.
 * Only peers without one are probed (which dials them). Probing every connected peer every round would cost
 * each node a stream per peer per round for nothing, and a busy node that misses a probe deadline would declare
 * a peer it is talking to dead.
 */
export function connectedOrProbe (libp2p: ConnectionsView, probe: HealthProbe): HealthProbe {
  return async (peerId, signal) => {
    const open = libp2p.getConnections(peerIdFromString(peerId)).some(isUsableConnection)
    if (open) return true
    return await probe(peerId, signal)
  }
}

/** What `unlessIsolated` needs from libp2p: the addresses it knows for a peer. */
export interface AddressBook {
  peerStore: { get(peerId: PeerId): Promise<{ addresses: Array<{ multiaddr: { toString(): string } }> }> }
}

/**
 * A node that has lost its relay cannot reach a peer known only by relayed addresses (a tab: WebRTC needs the relay
 * for signalling), dead or alive. Such a check is inconclusive instead of a failure, so a relay outage does not
 * make a node declare every tab it had lost its connection to dead. Peers with a direct address this node dials are
 * probed as usual; a tab dials no WebSocket address but its relay's, so to a tab a headless node is relayed only.
 */
export function unlessIsolated (
  libp2p: AddressBook,
  relayConnected: () => boolean,
  probe: HealthProbe,
  /** Whether this node would dial an address itself; a tab dials no WebSocket address but a relay's. */
  dialable: (multiaddr: string) => boolean = () => true
): HealthProbe {
  return async (peerId, signal) => {
    if (!relayConnected() && await onlyRelayed(libp2p, peerId, dialable)) {
      throw new ProbeInconclusiveError(`${peerId} is reachable only through a relay, and this node is not connected to one`)
    }
    return await probe(peerId, signal)
  }
}

async function onlyRelayed (libp2p: AddressBook, peerId: string, dialable: (multiaddr: string) => boolean): Promise<boolean> {
  try {
    const { addresses } = await libp2p.peerStore.get(peerIdFromString(peerId))
    return addresses.every(({ multiaddr }) => multiaddr.toString().includes('/p2p-circuit') || !dialable(multiaddr.toString()))
  } catch {
    return true // no address known: only the relay could find it
  }
}
