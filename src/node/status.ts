/** What the node panel and `window.zentalk.status()` show: the node, its relay, connections, buckets, health. */
import { toHex } from '../crypto/index.ts'
import type { DeadPeer } from '../health/index.ts'
import { hasReservation, isDirect, isMuxerClosed, routingTablePeers, type ConnectionBudget, type ConnectionBudgetStats, type MeshLibp2p, type PeerKeeper, type PendingPeer } from '../net/index.ts'
import { bucketIndex, formatDistance, kadIdOf, nodeIdWorkOf, xorDistance } from '../placement/index.ts'
import type { RepairStatus } from '../repair/index.ts'

export interface ConnectionInfo { peerId: string, remoteAddr: string, direct: boolean }
export interface BucketEntry { peerId: string, distance: string, storage: boolean, connected: boolean }
export interface NodeStatus {
  peerId: string
  /**
   * 'storage': the node holds shards for the mesh. 'light': it cannot open WebRTC (a browser offering no ICE
   * candidate), so it serves no shards and reaches storage nodes over WebSockets; it chats in full.
   */
  role: 'storage' | 'light'
  kadId: string
  /**
   * Node-ID work: the leading zero bits this node's peer ID carries (`own`) and what the mesh asks of a storage node
   * (`required`, the setting `nodeIdWorkBits`); peers below it hold no shards here.
   */
  nodeIdWork: { own: number, required: number }
  relay: { connected: boolean, reservation: boolean, addrs: string[] }
  addresses: string[]
  connections: ConnectionInfo[]
  /** The connection budget (null: none), the peak held at once and the connections opened in the node's lifetime. */
  connectionBudget: ConnectionBudgetStats
  buckets: Array<{ index: number, peers: BucketEntry[] }>
  /** Storage nodes this node fails to reach directly, and why. */
  pending: PendingPeer[]
  /** Peers the health checks marked dead (left out of placement until they answer again). */
  dead: DeadPeer[]
  /** Repairs and hand-offs of the shards this node holds: pending, finished, totals. */
  repair: RepairStatus
  /**
   * Whether the browser keeps this tab's storage persistent: true, it will not evict the shards under storage
   * pressure; false, best-effort storage it may evict (other nodes then wait for this tab no longer than for an
   * operator node). null on a node that keeps no shards in browser storage (headless nodes).
   */
  persistentStorage: boolean | null
  /**
   * How many neighbours the node last wrote to its device (its closest confirmed storage peers, with addresses);
   * its next start dials them first. 0 until the node has joined.
   */
  rememberedNeighbours: number
}

export interface StatusSources {
  libp2p: MeshLibp2p
  keeper: Pick<PeerKeeper, 'relayConnected' | 'storagePeers' | 'pending'>
  budget: Pick<ConnectionBudget, 'stats'>
  storageNode: boolean
  nodeIdWorkBits: number
  /** A tab's answer from the browser (`NodeConfig.persistentStorage`); undefined on headless nodes. */
  persistentStorage?: boolean
  relayAddrs: string[]
  deadPeers: () => DeadPeer[]
  repair: () => RepairStatus
  /** How many neighbours the node last wrote to its device. */
  rememberedNeighbours: () => number
}

/**
 * The node's open connections. One whose stream muxer has closed under it is left out: libp2p still lists it as
 * open until a ping fails, but every stream on it fails, so the peer is not reachable over it.
 */
export function connectionsOf (libp2p: Pick<MeshLibp2p, 'getConnections'>): ConnectionInfo[] {
  return libp2p.getConnections()
    .filter(c => c.status === 'open' && !isMuxerClosed(c))
    .map(c => ({ peerId: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), direct: isDirect(c) }))
}

export function nodeStatus (sources: StatusSources): NodeStatus {
  const { libp2p, keeper } = sources
  const selfKadId = kadIdOf(libp2p.peerId.toString())
  const connections = connectionsOf(libp2p)
  const connected = new Set(connections.map(c => c.peerId))
  const buckets = new Map<number, BucketEntry[]>()
  for (const p of routingTablePeers(libp2p)) {
    const id = p.toString()
    const kad = kadIdOf(id)
    const index = bucketIndex(selfKadId, kad)
    const list = buckets.get(index) ?? []
    list.push({ peerId: id, distance: formatDistance(xorDistance(selfKadId, kad)), storage: keeper.storagePeers.has(id), connected: connected.has(id) })
    buckets.set(index, list)
  }
  return {
    peerId: libp2p.peerId.toString(),
    role: sources.storageNode ? 'storage' : 'light',
    kadId: toHex(selfKadId),
    nodeIdWork: { own: nodeIdWorkOf(libp2p.peerId.toMultihash().bytes), required: sources.nodeIdWorkBits },
    relay: { connected: keeper.relayConnected(), reservation: hasReservation(libp2p), addrs: sources.relayAddrs },
    addresses: libp2p.getMultiaddrs().map(ma => ma.toString()),
    connections,
    connectionBudget: sources.budget.stats(),
    buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([index, peers]) => ({ index, peers })),
    pending: keeper.pending(),
    dead: sources.deadPeers(),
    repair: sources.repair(),
    persistentStorage: sources.persistentStorage ?? null,
    rememberedNeighbours: sources.rememberedNeighbours()
  }
}
