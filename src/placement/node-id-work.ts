/**
 * A cost on where a node ID lands (S/Kademlia's static crypto puzzle). A node's Kademlia ID is the SHA-256 of its
 * peer ID, and peer IDs cost one key generation each, so without a rule anyone could generate identities until 15
 * of them sit closer to a user's public placement key (an inbox, a key bundle) than any honest node: about
 * 15 x (N + 1) key generations in a mesh of N nodes, seconds at 10,000 nodes.
 *
 * The rule: a storage node counts as a holder only when the namespaced SHA-256 of its peer ID starts with
 * `bits` zero bits. That hash is independent of the Kademlia ID (another input to SHA-256), so a valid ID still
 * lands anywhere, and every key generation that might land near a key has a 2^-bits chance of being usable: the
 * attack above costs 2^bits times as much, and an honest node pays 2^bits key generations once (its key is kept).
 *
 * Every node of a mesh must apply the same `bits` (the setting `nodeIdWorkBits`, 10 by default: 1,024 key generations,
 * about 0.07 s in Node and 0.1 to 0.4 s in Chromium, once per node), or they disagree on who holds a key.
 */
import { hashWithNamespace } from '../crypto/index.ts'
import { peerIdFromString } from '@libp2p/peer-id'

/** Namespace of the node-ID work hash. */
export const NS_NODE_ID_WORK = 'zentalk/node-id-work/v1'

/** Leading zero bits of the node-ID work hash of a peer ID (its multihash bytes). */
export function nodeIdWorkOf (peerIdMultihash: Uint8Array): number {
  const hash = hashWithNamespace(NS_NODE_ID_WORK, peerIdMultihash)
  let bits = 0
  for (const byte of hash) {
    if (byte === 0) { bits += 8; continue }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

const MAX_CACHED = 10_000
const workOf = new Map<string, number>()

/**
 * Whether the peer ID (its string form) carries at least `bits` of node-ID work. Cached per peer ID (every
 * ranking checks the same few dozen peers); a string that is not a peer ID carries none.
 */
export function meetsNodeIdWork (peerId: string, bits: number): boolean {
  if (bits <= 0) return true
  let work = workOf.get(peerId)
  if (work === undefined) {
    try {
      work = nodeIdWorkOf(peerIdFromString(peerId).toMultihash().bytes)
    } catch {
      work = 0
    }
    if (workOf.size >= MAX_CACHED) workOf.clear()
    workOf.set(peerId, work)
  }
  return work >= bits
}
