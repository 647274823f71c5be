/**
 * XOR order of peers around a placement key, as every node computes it. Kademlia IDs are cached: they are hashed
 * from peer IDs, which stay the same for a node's lifetime, and every round ranks the same few dozen peers.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { kadIdOfKey, kadIdOfPeer, rankByDistance } from './xor.ts'

const MAX_CACHED = 10_000
const kadIds = new Map<string, Uint8Array>()

export function kadIdOf (peerId: string): Uint8Array {
  let id = kadIds.get(peerId)
  if (id === undefined) {
    id = kadIdOfPeer(peerIdFromString(peerId).toMultihash().bytes)
    if (kadIds.size >= MAX_CACHED) kadIds.clear()
    kadIds.set(peerId, id)
  }
  return id
}

/** `peers` (duplicates removed) nearest to `placementKey` first. */
export function rankPeers (placementKey: Uint8Array, peers: Iterable<string>): string[] {
  return rankByDistance(kadIdOfKey(placementKey), new Set(peers), kadIdOf).map(ranked => ranked.item)
}
