/**
 * A node's availability class, read from its peer ID, so that every node classes every other the same way without
 * asking it (placement must agree on who holds a key). A browser tab ('tab') is online a few hours a day; an
 * operator's headless storage node ('operator') nearly always. The class is one bit of the namespaced SHA-256 of
 * the peer ID, independent of its Kademlia ID and of its node-ID work: a node generates its key until the bit
 * matches what it is (two key generations on average, once), but only in a mesh that places by class
 * (`operatorHolders`); elsewhere the bit means nothing.
 *
 * Like the agent a node announces, the class is the node's own claim: nothing proves a node with the operator bit
 * is online more than a tab. What it buys is agreement: the writer, the readers and every repairer of a key compute
 * the same holders from the same peer IDs.
 *
 * Placement by class (DURABILITY.md, "Results at the target mix"): objects of a stripe with h operator holders go
 * to the h operator nodes closest to their placement key and the k + m - h closest tabs, so readability comes from
 * the operators and durability from not writing off tabs that come back.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { hashWithNamespace } from '../crypto/index.ts'
import { rankPeers } from './rank.ts'
import type { Stripe } from './rules.ts'

/** Namespace of the node-class hash. */
export const NS_NODE_CLASS = 'zentalk/node-class/v1'

export type NodeClass = 'operator' | 'tab'

/** The class a peer ID (its multihash bytes) carries: the first bit of its node-class hash, 1 for an operator node. */
export function nodeClassOfMultihash (peerIdMultihash: Uint8Array): NodeClass {
  return (hashWithNamespace(NS_NODE_CLASS, peerIdMultihash)[0] & 0x80) !== 0 ? 'operator' : 'tab'
}

const MAX_CACHED = 10_000
const classes = new Map<string, NodeClass>()

/** The class a peer ID (string form) carries; cached. A string that is not a peer ID is a 'tab'. */
export function nodeClassOf (peerId: string): NodeClass {
  let found = classes.get(peerId)
  if (found === undefined) {
    try {
      found = nodeClassOfMultihash(peerIdFromString(peerId).toMultihash().bytes)
    } catch {
      found = 'tab'
    }
    if (classes.size >= MAX_CACHED) classes.clear()
    classes.set(peerId, found)
  }
  return found
}

/** A stripe whose objects have `operators` of their k + m shards on operator nodes (the setting `operatorHolders`). */
export interface StripeOperators {
  readonly k: number
  readonly m: number
  readonly operators: number
}

/** How many of a stripe's holders are operator nodes under `table`: its entry's, else 0 (the closest nodes, any class). */
export function operatorHoldersOf (stripe: Stripe, table: readonly StripeOperators[] = []): number {
  return table.find(entry => entry.k === stripe.k && entry.m === stripe.m)?.operators ?? 0
}

/**
 * `peers` (duplicates removed) in placement order around `key`: first the `total` holders, then every other peer,
 * each part nearest first. With `operators` 0 that is XOR order, the mesh's placement. Otherwise the holders are the
 * `operators` operator-class peers nearest the key and the `total - operators` nearest tabs; a class with too few
 * peers leaves its places to the nearest of the other class, so an object never has fewer holders than the
 * closest-nodes placement would give it.
 */
export function placementOrder (key: Uint8Array, peers: Iterable<string>, total: number, operators: number,
  classOf: (peerId: string) => NodeClass = nodeClassOf): string[] {
  const ranked = rankPeers(key, peers)
  if (operators <= 0) return ranked
  const ops = ranked.filter(peer => classOf(peer) === 'operator')
  const tabs = ranked.filter(peer => classOf(peer) !== 'operator')
  const tabPlaces = Math.min(Math.max(0, total - operators), tabs.length)
  const opPlaces = Math.min(ops.length, total - tabPlaces)
  const tabsTaken = Math.min(tabs.length, total - opPlaces)
  const holders = new Set([...ops.slice(0, opPlaces), ...tabs.slice(0, tabsTaken)])
  return [...ranked.filter(peer => holders.has(peer)), ...ranked.filter(peer => !holders.has(peer))]
}
