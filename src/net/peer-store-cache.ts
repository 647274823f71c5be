/**
 * libp2p's peer store, answered from each peer's last write where the datastore would say the same.
 *
 * libp2p merges the protocol of every stream it opens or accepts into the peer store
 * (`merge(peer, { protocols: [protocol] })`), kad-dht merges the addresses of every peer a lookup names, and reads
 * (`get`, `getInfo`) the record of every peer it names in an answer. The peer store answers each merge by reading
 * the peer's record, decoding it, building every address twice, encoding it and writing it back, even when nothing
 * changes, and each read by decoding the record and building every address; at idle (pings, health checks, DHT
 * lookups, directory snapshots) that was about a tenth of a headless node's CPU. This wraps the store (the same
 * object libp2p's components hold, so every caller goes through it) and keeps, per peer, the peer as the store's
 * last write returned it: a merge of protocols and addresses the peer already has, and a read, return a copy of
 * it at once.
 *
 * What stays true:
 * - Everything else (`all`, `has`, `patch`, `save`, `delete`, merges that add anything: a protocol, an address,
 *   tags, metadata) goes to the store as before. A write forgets what was kept for its peer before it starts, and
 *   keeps its own result only if no other write to that peer is still running.
 * - An answer is a copy of the peer as the store holds it (its `updated` is the last write's). Answers come from a
 *   write only within `refreshIntervalMs` of it and before any of the peer's tags expire; after that the next
 *   merge writes, which refreshes the record's `updated`: a peer that keeps opening streams never reaches the
 *   store's peer expiry (6 hours without a write and without a recent address). An address that passes the
 *   store's address age (1 hour after it was first seen) can stay in an answer up to `refreshIntervalMs` longer.
 * - Memory: entries older than `refreshIntervalMs` are dropped as new ones come in, and never more than
 *   `maxPeers` are kept (the oldest go first).
 */
import type { AbortOptions, Peer, PeerData, PeerId, PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** How long after a write the peer it wrote answers merges that add nothing, and reads, without the store. */
export const DEFAULT_MERGE_REFRESH_INTERVAL_MS = 60_000
/** The most peers whose record is kept. */
export const DEFAULT_PEER_STORE_CACHE_MAX_PEERS = 1024

export interface PeerStoreCacheOptions {
  /** See `DEFAULT_MERGE_REFRESH_INTERVAL_MS`. Keep it far below the store's peer expiry (6 hours). */
  refreshIntervalMs?: number
  /** See `DEFAULT_PEER_STORE_CACHE_MAX_PEERS`. */
  maxPeers?: number
  /**
   * Also answer `get` (and `getInfo`) of a peer from its last write within `refreshIntervalMs` (default true).
   * kad-dht reads the record of every peer it names in an answer to FIND_NODE.
   */
  answerReads?: boolean
  /** Milliseconds since the epoch (tests inject a clock). */
  now?: () => number
}

/** What the cache did so far (benchmarks and tests read it). */
export interface PeerStoreCache {
  /** Merges answered without the store. */
  readonly skippedMerges: number
  /** Merges that went to the store. */
  readonly storedMerges: number
  /** Reads (`get`, `getInfo`) answered without the store. */
  readonly answeredReads: number
  /** Peers whose record is kept now. */
  readonly size: number
  /** Puts the store's own methods back. */
  uninstall: () => void
}

export class InvalidPeerStoreCacheOptionsError extends Error {
  override name = 'InvalidPeerStoreCacheOptionsError'
}

interface KeptPeer {
  peer: Peer
  protocols: ReadonlySet<string>
  addresses: ReadonlySet<string>
  writtenAt: number
  /** When this entry stops answering: the refresh interval, or a tag's expiry if sooner. */
  answersUntil: number
}

/**
 * Installs the cache on `peerStore`: its `merge`, `get`, `patch`, `save` and `delete` are replaced on the object
 * itself, so callers that already hold it use the cache too.
 */
export function cachePeerStore (peerStore: PeerStore, options: PeerStoreCacheOptions = {}): PeerStoreCache {
  const refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_MERGE_REFRESH_INTERVAL_MS
  const maxPeers = options.maxPeers ?? DEFAULT_PEER_STORE_CACHE_MAX_PEERS
  const now = options.now ?? Date.now
  const answerReads = options.answerReads ?? true
  if (!Number.isFinite(refreshIntervalMs) || refreshIntervalMs < 0) {
    throw new InvalidPeerStoreCacheOptionsError(`refreshIntervalMs must be a non-negative number of milliseconds, got ${refreshIntervalMs}`)
  }
  if (!Number.isInteger(maxPeers) || maxPeers < 1) {
    throw new InvalidPeerStoreCacheOptionsError(`maxPeers must be a positive integer, got ${maxPeers}`)
  }

  const original = {
    merge: peerStore.merge,
    patch: peerStore.patch,
    save: peerStore.save,
    delete: peerStore.delete,
    get: peerStore.get
  }
  // In insertion order, which is write order: the oldest entry is always first.
  const kept = new Map<string, KeptPeer>()
  const writesInFlight = new Map<string, number>()
  let skippedMerges = 0
  let storedMerges = 0
  let answeredReads = 0

  const keep = (key: string, peer: Peer): void => {
    const writtenAt = now()
    let answersUntil = writtenAt + refreshIntervalMs
    for (const tag of peer.tags.values()) {
      const expiry = (tag as { expiry?: bigint }).expiry
      if (expiry != null) answersUntil = Math.min(answersUntil, Number(expiry))
    }
    kept.delete(key)
    kept.set(key, {
      peer,
      protocols: new Set(peer.protocols),
      addresses: new Set(peer.addresses.map(address => address.multiaddr.toString())),
      writtenAt,
      answersUntil
    })
    for (const [oldKey, entry] of kept) {
      if (kept.size <= maxPeers && entry.writtenAt + refreshIntervalMs > writtenAt) break
      kept.delete(oldKey)
    }
  }

  /** Runs a write to the store, forgetting the peer's entry first and keeping the result if it is the newest. */
  const write = async (peerId: PeerId, run: () => Promise<Peer | undefined>): Promise<Peer | undefined> => {
    const key = peerId.toString()
    kept.delete(key)
    writesInFlight.set(key, (writesInFlight.get(key) ?? 0) + 1)
    let result: Peer | undefined
    try {
      result = await run()
    } finally {
      const left = (writesInFlight.get(key) ?? 1) - 1
      if (left === 0) writesInFlight.delete(key)
      else writesInFlight.set(key, left)
      // Only the last of overlapping writes (the store runs a peer's writes one at a time, in order) may keep its
      // result; a failed write keeps nothing.
      if (left === 0 && result !== undefined) keep(key, result)
      else kept.delete(key)
    }
    return result
  }

  /** The peer as its last write left it, while that may stand in for the store's own answer. */
  const keptPeer = (peerId: PeerId, abort?: AbortOptions): KeptPeer | undefined => {
    if (abort?.signal?.aborted === true) return undefined
    const key = peerId.toString()
    const entry = kept.get(key)
    if (entry === undefined || writesInFlight.has(key)) return undefined
    if (now() >= entry.answersUntil) {
      kept.delete(key)
      return undefined
    }
    return entry
  }

  const merge: PeerStore['merge'] = async (peerId, data, abort) => {
    const entry = keptPeer(peerId, abort)
    if (entry !== undefined && addsNothing(peerId.toString(), data, entry)) {
      skippedMerges++
      return copyPeer(entry.peer)
    }
    storedMerges++
    return await write(peerId, async () => await original.merge.call(peerStore, peerId, data, abort)) as Peer
  }
  const get: PeerStore['get'] = async (peerId, abort) => {
    const entry = answerReads ? keptPeer(peerId, abort) : undefined
    if (entry !== undefined) {
      answeredReads++
      return copyPeer(entry.peer)
    }
    return await original.get.call(peerStore, peerId, abort)
  }
  const patch: PeerStore['patch'] = async (peerId, data, abort) =>
    await write(peerId, async () => await original.patch.call(peerStore, peerId, data, abort)) as Peer
  const save: PeerStore['save'] = async (peerId, data, abort) =>
    await write(peerId, async () => await original.save.call(peerStore, peerId, data, abort)) as Peer
  const deletePeer: PeerStore['delete'] = async (peerId, abort) => {
    await write(peerId, async () => { await original.delete.call(peerStore, peerId, abort); return undefined })
  }
  // `consumePeerRecord` (identify's signed addresses) writes through `patch`, and `getInfo` reads through `get`, so
  // neither needs a wrapper of its own.
  Object.assign(peerStore, { merge, patch, save, delete: deletePeer, get })

  return {
    get skippedMerges () { return skippedMerges },
    get storedMerges () { return storedMerges },
    get answeredReads () { return answeredReads },
    get size () { return kept.size },
    uninstall: () => {
      // The methods came from the store's prototype: removing the own properties brings them back.
      for (const name of Object.keys(original)) Reflect.deleteProperty(peerStore, name)
      kept.clear()
    }
  }
}

/** Whether merging `data` into the peer `entry` holds would leave its record as it is. */
function addsNothing (peerId: string, data: PeerData, entry: KeptPeer): boolean {
  for (const [field, value] of Object.entries(data)) {
    if (value == null) continue
    if (field === 'protocols') {
      if (!(value as string[]).every(protocol => entry.protocols.has(protocol))) return false
    } else if (field === 'multiaddrs') {
      if (!(value as Multiaddr[]).every(ma => entry.addresses.has(storedForm(peerId, ma.toString())))) return false
    } else {
      return false
    }
  }
  return true
}

/**
 * An address as the peer store keeps it: without a trailing `/p2p/<peer>` when the address's first `/p2p` component
 * is the peer itself (a relayed address keeps its own).
 */
function storedForm (peerId: string, address: string): string {
  const ownSuffix = `/p2p/${peerId}`
  const firstP2p = address.indexOf('/p2p/')
  if (firstP2p === -1 || !address.startsWith(ownSuffix, firstP2p)) return address
  const end = firstP2p + ownSuffix.length
  if (end !== address.length && address[end] !== '/') return address
  return address.slice(0, address.lastIndexOf(ownSuffix))
}

/** A copy a caller may change without changing what later callers get. */
function copyPeer (peer: Peer): Peer {
  return {
    ...peer,
    addresses: peer.addresses.map(address => ({ ...address })),
    protocols: [...peer.protocols],
    metadata: new Map(peer.metadata),
    tags: new Map(peer.tags)
  }
}
