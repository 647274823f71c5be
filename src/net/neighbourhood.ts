/**
 * A node's neighbourhood, remembered across restarts: the storage nodes nearest to its own ID and their addresses.
 * A tab that reloads (or a headless node that restarts) dials them at once, several at a time, instead of learning
 * them again one Kademlia round after another. Peers that went away cost one failed dial each.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { kadIdOf, rankByDistance } from '../placement/index.ts'
import { isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import type { PeerId } from '@libp2p/interface'

export interface RememberedPeer { id: string, addrs: string[] }

/** How many neighbours are remembered: Kademlia's k, more than the 15 holders a key needs. */
export const REMEMBERED_NEIGHBOURS = 20
const MAX_ADDRS_PER_PEER = 8
const MAX_ADDR_CHARS = 1024
const FORMAT_VERSION = 1

/** The bytes kept for `peers` (at most REMEMBERED_NEIGHBOURS of them). */
export function encodeNeighbourhood (peers: RememberedPeer[], savedAt = Date.now()): Uint8Array {
  const kept = peers.slice(0, REMEMBERED_NEIGHBOURS).map(p => ({ id: p.id, addrs: p.addrs.slice(0, MAX_ADDRS_PER_PEER) }))
  return new TextEncoder().encode(JSON.stringify({ v: FORMAT_VERSION, savedAt, peers: kept }))
}

/**
 * The peers in `bytes`; anything unreadable (another version, a damaged record, a bad peer ID or address) is left
 * out, so a bad record only costs the head start, never the start.
 */
export function decodeNeighbourhood (bytes: Uint8Array | undefined): RememberedPeer[] {
  if (bytes === undefined) return []
  let record: unknown
  try {
    record = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return []
  }
  if (typeof record !== 'object' || record === null) return []
  const { v, peers } = record as { v?: unknown, peers?: unknown }
  if (v !== FORMAT_VERSION || !Array.isArray(peers)) return []
  const out: RememberedPeer[] = []
  for (const peer of peers.slice(0, REMEMBERED_NEIGHBOURS)) {
    if (typeof peer !== 'object' || peer === null) continue
    const { id, addrs } = peer as { id?: unknown, addrs?: unknown }
    if (typeof id !== 'string' || !Array.isArray(addrs)) continue
    try {
      peerIdFromString(id)
    } catch {
      continue
    }
    const good = addrs.slice(0, MAX_ADDRS_PER_PEER).filter((a): a is string => typeof a === 'string' && a.length <= MAX_ADDR_CHARS && parses(a))
    if (good.length > 0) out.push({ id, addrs: good })
  }
  return out
}

function parses (addr: string): boolean {
  try {
    multiaddr(addr)
    return true
  } catch {
    return false
  }
}

/** The storage nodes among `storagePeers` nearest to this node, with the addresses its peer store has for them. */
export async function neighbourhoodSnapshot (libp2p: MeshLibp2p, storagePeers: Iterable<string>): Promise<RememberedPeer[]> {
  const self = libp2p.peerId.toString()
  const ranked = rankByDistance(kadIdOf(self), new Set([...storagePeers].filter(id => id !== self)), kadIdOf)
  const out: RememberedPeer[] = []
  for (const { item: id } of ranked) {
    if (out.length >= REMEMBERED_NEIGHBOURS) break
    const peer = await libp2p.peerStore.get(peerIdFromString(id)).catch(() => undefined)
    const addrs = peer?.addresses.map(a => a.multiaddr.toString()) ?? []
    if (addrs.length > 0) out.push({ id, addrs })
  }
  return out
}

/** Puts the remembered peers' addresses in the peer store, so they can be dialled by ID. */
export async function restoreNeighbourhood (libp2p: MeshLibp2p, peers: RememberedPeer[]): Promise<PeerId[]> {
  const self = libp2p.peerId.toString()
  const restored: PeerId[] = []
  for (const peer of peers) {
    if (peer.id === self) continue
    const peerId = peerIdFromString(peer.id)
    await libp2p.peerStore.merge(peerId, { multiaddrs: peer.addrs.map(a => multiaddr(a)) })
    restored.push(peerId)
  }
  return restored
}

/**
 * Dials `peers`, `parallel` at a time, skipping those already connected; resolves with how many connected once
 * every dial has ended. Failures are expected (a remembered peer may be gone) and only counted.
 */
export async function dialNeighbours (libp2p: MeshLibp2p, peers: PeerId[], parallel: number, signal: AbortSignal): Promise<number> {
  let next = 0
  let connected = 0
  const worker = async (): Promise<void> => {
    while (next < peers.length && !signal.aborted) {
      const peerId = peers[next++]
      if (libp2p.getConnections(peerId).some(isUsableConnection)) { connected++; continue }
      try {
        await libp2p.dial(peerId, { signal })
        connected++
      } catch {}
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker))
  return connected
}
