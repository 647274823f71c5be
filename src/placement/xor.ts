/**
 * Kademlia XOR geometry, pure. A node's Kademlia ID is SHA-256 of its peer ID multihash bytes and a key's is
 * SHA-256 of the key, exactly as @libp2p/kad-dht computes them, so our ranking agrees with the DHT's.
 */
import { sha256 } from '@noble/hashes/sha2.js'

export const KAD_ID_BYTES = 32

/** Kademlia ID of a key: SHA-256 of the key bytes. */
export function kadIdOfKey (key: Uint8Array): Uint8Array {
  return sha256(key)
}

/** Kademlia ID of a peer: SHA-256 of its peer ID multihash bytes (`peerId.toMultihash().bytes`). */
export function kadIdOfPeer (peerIdMultihash: Uint8Array): Uint8Array {
  return sha256(peerIdMultihash)
}

export function xorDistance (a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError(`XOR distance needs equal lengths, got ${a.length} and ${b.length}`)
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i]
  return out
}

/** Orders two distances as big-endian unsigned integers: negative when `a` is closer. */
export function compareDistance (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return 0
}

/**
 * The seed's bucket numbering: bucket i holds peers at distance [2^i, 2^(i+1)), so bucket 255 holds the
 * farthest half of the ID space. Returns -1 for distance 0 (the node itself).
 */
export function bucketIndex (selfKadId: Uint8Array, peerKadId: Uint8Array): number {
  const d = xorDistance(selfKadId, peerKadId)
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== 0) return (d.length - i) * 8 - 1 - Math.clz32(d[i]) + 24
  }
  return -1
}

export interface Ranked<T> { item: T, distance: Uint8Array }

/**
 * Sorts items by XOR distance of their Kademlia IDs to `targetKadId`, nearest first. Ties (only possible for
 * identical IDs) keep input order, so the result is deterministic for a given input.
 */
export function rankByDistance<T> (targetKadId: Uint8Array, items: Iterable<T>, kadIdOf: (item: T) => Uint8Array): Array<Ranked<T>> {
  const ranked: Array<Ranked<T>> = []
  for (const item of items) ranked.push({ item, distance: xorDistance(targetKadId, kadIdOf(item)) })
  return ranked.sort((x, y) => compareDistance(x.distance, y.distance))
}

/** The `count` items closest to `targetKadId`, nearest first. */
export function closestTo<T> (targetKadId: Uint8Array, items: Iterable<T>, kadIdOf: (item: T) => Uint8Array, count: number): T[] {
  return rankByDistance(targetKadId, items, kadIdOf).slice(0, count).map(r => r.item)
}

/** Short hex form of a distance for display: the leading non-zero bytes, like the seed's `0x0012`. */
export function formatDistance (distance: Uint8Array, bytes = 4): string {
  let hex = ''
  for (const b of distance.subarray(0, bytes)) hex += b.toString(16).padStart(2, '0')
  return `0x${hex}…`
}
