/**
 * Access to kad-dht's routing table. The DHT keeps it private; we need to read it (node panel, candidate
 * peers) and to re-add peers whose addresses arrived after identify (ENVIRONMENT.md: a tab with no listen
 * address yet is dropped and never retried).
 */
import type { MeshLibp2p } from './libp2p.ts'
import type { PeerId } from '@libp2p/interface'

interface KBucketPeer { peerId: PeerId, kadId: Uint8Array }
interface InternalRoutingTable {
  kb?: { toIterable(): Iterable<KBucketPeer> }
  add(peerId: PeerId): Promise<void>
  remove(peerId: PeerId): Promise<void>
}

function table (libp2p: MeshLibp2p): InternalRoutingTable | undefined {
  return (libp2p.services.dht as unknown as { routingTable?: InternalRoutingTable }).routingTable
}

export function routingTablePeers (libp2p: MeshLibp2p): PeerId[] {
  const kb = table(libp2p)?.kb
  return kb == null ? [] : [...kb.toIterable()].map(p => p.peerId)
}

export async function addToRoutingTable (libp2p: MeshLibp2p, peerId: PeerId): Promise<void> {
  await table(libp2p)?.add(peerId)
}

export async function removeFromRoutingTable (libp2p: MeshLibp2p, peerId: PeerId): Promise<void> {
  await table(libp2p)?.remove(peerId)
}
