/**
 * "The 15 closest storage nodes to a key", the set every placement decision rests on.
 *
 * Stock `getClosestPeers` is not an exact top-k in a small, busy mesh (it counts only peers that answered in
 * time). So: run the iterative DHT lookup with a deadline, merge every peer it heard of with the peers this node
 * already knows (routing table, open connections, known storage nodes, itself), rank them all by XOR distance,
 * then walk the ranking and keep the first `count` that are live storage nodes. A peer is live when it has an
 * open connection or answers a dial in time; a storage node is one that serves STORAGE_NODE_PROTOCOL.
 * With the mesh small enough that every node holds connections to all storage nodes, the result is exact by
 * bookkeeping; beyond that it is as good as the lookup, which converges on the true closest set.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { EventTypes } from '@libp2p/kad-dht'
import { kadIdOfKey, kadIdOfPeer, rankByDistance } from '../placement/index.ts'
import { STORAGE_NODE_PROTOCOL } from '../wire/index.ts'
import { routingTablePeers } from './routing-table.ts'
import { isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import type { PeerKeeper } from './peer-keeper.ts'
import type { PeerId } from '@libp2p/interface'

export interface ClosestPeersOptions {
  lookupTimeoutMs: number
  dialTimeoutMs: number
  /** Does this node itself store shards? (tabs and headless storage nodes do; the relay does not) */
  selfIsStorage: boolean
  /**
   * A storage node that cannot be reached now but was alive this recently still counts: nodes must not
   * drop a peer on one failed dial (while the relay, the only WebRTC signalling path, is down, nobody can
   * dial anybody new), and all nodes apply the same grace, so they agree on who is dead.
   */
  livenessGraceMs: number
  /** Peers the health checks marked dead: left out of every answer until they are seen alive again. */
  isDead?: (peerId: string) => boolean
}

export class ClosestPeers {
  private readonly libp2p: MeshLibp2p
  private readonly keeper: PeerKeeper
  private readonly options: ClosestPeersOptions
  private readonly kadIds = new Map<string, Uint8Array>()

  constructor (libp2p: MeshLibp2p, keeper: PeerKeeper, options: ClosestPeersOptions) {
    this.libp2p = libp2p
    this.keeper = keeper
    this.options = options
  }

  /** Peer IDs of the `count` live storage nodes closest to `key`, nearest first. */
  async find (key: Uint8Array, count: number, signal?: AbortSignal): Promise<string[]> {
    const candidates = new Set<string>(await this.lookup(key, count, signal))
    for (const peerId of this.knownPeers()) candidates.add(peerId)
    const self = this.libp2p.peerId.toString()
    if (this.options.selfIsStorage) candidates.add(self)
    else candidates.delete(self)
    for (const id of candidates) if (this.keeper.isRelay(id) || this.keeper.nonStoragePeers.has(id)) candidates.delete(id)
    for (const id of candidates) if (id !== self && this.options.isDead?.(id) === true) candidates.delete(id)

    const ranked = rankByDistance(kadIdOfKey(key), candidates, id => this.kadIdOf(id)).map(r => r.item)
    const chosen: string[] = []
    let next = 0
    // Check candidates in order, a batch of the still-missing size at a time, so a dead or foreign peer is
    // replaced by the next closest one without serialising every check.
    while (chosen.length < count && next < ranked.length) {
      const batch = ranked.slice(next, next + (count - chosen.length))
      next += batch.length
      const live = await Promise.all(batch.map(async id => id === self ? true : await this.isLiveStorageNode(id, signal)))
      batch.forEach((id, i) => { if (live[i]) chosen.push(id) })
    }
    // Batches finish out of order; restore distance order.
    const rank = new Map(ranked.map((id, i) => [id, i]))
    return chosen.sort((a, b) => rank.get(a)! - rank.get(b)!).slice(0, count)
  }

  /**
   * The `count` storage nodes closest to `key` among those this node already knows (its peer keeper confirmed
   * them as storage nodes), without a DHT lookup or a dial: what a node that checks its own keys every few
   * seconds can afford. In a mesh of up to `targetPeers` nodes it knows them all, so the answer is exact; dead
   * peers are left out as in `find`.
   */
  findKnown (key: Uint8Array, count: number): string[] {
    const self = this.libp2p.peerId.toString()
    const candidates = new Set<string>(this.keeper.storagePeers)
    if (this.options.selfIsStorage) candidates.add(self)
    else candidates.delete(self)
    for (const id of candidates) {
      if (id !== self && (this.keeper.isRelay(id) || this.options.isDead?.(id) === true)) candidates.delete(id)
    }
    return rankByDistance(kadIdOfKey(key), candidates, id => this.kadIdOf(id)).slice(0, count).map(r => r.item)
  }

  kadIdOf (peerId: string): Uint8Array {
    let id = this.kadIds.get(peerId)
    if (id == null) {
      id = kadIdOfPeer(peerIdFromString(peerId).toMultihash().bytes)
      this.kadIds.set(peerId, id)
    }
    return id
  }

  /**
   * Every peer the DHT lookup heard of: peers that answered and the closer peers they named. The lookup stops
   * as Kademlia's does, once the `count` closest storage candidates heard of have all answered (or failed):
   * nobody closer can be learned after that. Slow peers elsewhere in the mesh are not waited for.
   */
  private async lookup (key: Uint8Array, count: number, signal?: AbortSignal): Promise<string[]> {
    const self = this.libp2p.peerId.toString()
    const target = kadIdOfKey(key)
    // Only peers the lookup itself heard of can block its end: a peer we know of but no DHT peer names
    // will never be queried, and is merged in afterwards anyway.
    const heard = new Set<string>()
    const settled = new Set<string>()
    const timeout = AbortSignal.timeout(this.options.lookupTimeoutMs)
    const lookupSignal = signal == null ? timeout : AbortSignal.any([signal, timeout])
    const closestSettled = (): boolean => {
      const storage = [...heard].filter(id => id !== self && !this.keeper.isRelay(id) && !this.keeper.nonStoragePeers.has(id))
      const top = rankByDistance(target, storage, id => this.kadIdOf(id)).slice(0, count)
      // Without a relay, a peer we hold no connection to cannot be asked: do not wait for the dial to fail.
      const unreachable = (id: string): boolean => !this.keeper.relayConnected() && this.keeper.sinceSeen(id) > 0
      return top.length > 0 && top.every(r => settled.has(r.item) || unreachable(r.item))
    }
    try {
      for await (const event of this.libp2p.services.dht.getClosestPeers(key, { signal: lookupSignal })) {
        if (event.type === EventTypes.FINAL_PEER) heard.add(event.peer.id.toString())
        else if (event.type === EventTypes.PEER_RESPONSE) {
          heard.add(event.from.toString())
          settled.add(event.from.toString())
          for (const peer of event.closer) heard.add(peer.id.toString())
          if (closestSettled()) break
        } else if (event.type === EventTypes.QUERY_ERROR) {
          settled.add(event.from.toString())
          if (closestSettled()) break
        }
      }
    } catch (err) {
      // A lookup that runs out of time still heard of peers; only a caller's own abort is an error.
      if (signal?.aborted === true) throw err
    }
    return [...heard]
  }

  private knownPeers (): string[] {
    const ids = new Set<string>(this.keeper.storagePeers)
    for (const c of this.libp2p.getConnections()) ids.add(c.remotePeer.toString())
    for (const p of routingTablePeers(this.libp2p)) ids.add(p.toString())
    return [...ids]
  }

  private async isLiveStorageNode (id: string, signal?: AbortSignal): Promise<boolean> {
    let peerId: PeerId
    try {
      peerId = peerIdFromString(id)
    } catch {
      return false
    }
    const open = this.libp2p.getConnections(peerId).some(isUsableConnection)
    if (!open) {
      const recentlyAlive = this.keeper.sinceSeen(id) < this.options.livenessGraceMs
      // Without a relay only direct addresses can be dialled; do not wait on a dial that cannot work.
      if (!(recentlyAlive && !this.keeper.relayConnected())) {
        try {
          const timeout = AbortSignal.timeout(this.options.dialTimeoutMs)
          await this.libp2p.dial(peerId, { signal: signal == null ? timeout : AbortSignal.any([signal, timeout]) })
        } catch {
          if (!recentlyAlive) return false
        }
      }
    }
    if (this.keeper.storagePeers.has(id)) return true
    if (this.keeper.nonStoragePeers.has(id)) return false
    // Connected but identify has not finished yet: its protocols arrive within a moment.
    const protocols = await this.protocolsOf(peerId, signal)
    return protocols.includes(STORAGE_NODE_PROTOCOL)
  }

  private async protocolsOf (peerId: PeerId, signal?: AbortSignal): Promise<string[]> {
    const deadline = Date.now() + this.options.dialTimeoutMs
    while (Date.now() < deadline && signal?.aborted !== true) {
      try {
        const peer = await this.libp2p.peerStore.get(peerId)
        if (peer.protocols.length > 0) return peer.protocols
      } catch {}
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    return []
  }
}
