/**
 * A node's connection budget: the most connections it holds open at once (a tab's setting `connectionBudget`,
 * `--connection-budget` for a headless node), and the count of every connection it opened in its lifetime.
 *
 * A browser gives a page a limited number of RTCPeerConnections over its whole life (Chromium: 500, and closing
 * one does not give its slot back), and every open connection costs both ends pings and window updates. So a tab
 * holds a bounded set: its own neighbourhood (the storage nodes closest to its ID, which share its keys, kept by
 * the peer keeper and never closed for room), plus connections made for the work at hand (a lookup, a store).
 *
 * libp2p's own `maxConnections` only prunes after a connection has opened, and skips connections with streams
 * open, so the count can go over it. The budget is kept in libp2p's connection gater instead, at the last step
 * of every upgrade, inbound and outbound alike: when the budget is full, an idle connection is closed to make
 * room (a spare one first: a relayed signalling connection left from a WebRTC dial, or a peer's second
 * connection; else the one used least recently that is not a protected peer's); when there is none, the new
 * connection is refused. Before a dial starts, it waits (up to ROOM_WAIT_MS) until there is room or a connection
 * could be closed for it, and is refused after that, so a tab does not spend an RTCPeerConnection on a connection
 * it would have to refuse.
 */
import { ConnectionClosedError } from '@libp2p/interface'
import type { Connection, ConnectionGater, PeerId } from '@libp2p/interface'
import { isUsableConnection, type MeshLibp2p } from './libp2p.ts'

/** Streams of these protocols do not keep a connection from being closed for room (as libp2p's own pruner). */
const CLOSABLE_PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0', '/ipfs/ping/1.0.0']
/** A connection younger than this is not closed for room: it was opened for something about to use it. */
const MIN_AGE_BEFORE_EVICTION_MS = 1_000
/**
 * How long a dial waits for room when the budget is full of connections in use or just opened (a store to 15
 * holders within a budget of 16 dials them as earlier ones go idle), before it is refused.
 */
export const ROOM_WAIT_MS = 5_000
const ROOM_POLL_MS = 100
/** An admitted connection that has not shown up as open after this long no longer holds its place. */
const ADMISSION_HOLD_MS = 2_000

export interface ConnectionBudgetOptions {
  /** Most connections open at once; undefined: no limit (headless nodes by default), only counted. */
  max: number | undefined
  /** Connections to these peers are never closed to make room (the relay, the node's own neighbourhood). */
  isProtected?: (peerId: string) => boolean
  now?: () => number
}

export interface ConnectionBudgetStats {
  /** The budget; null when the node has none. */
  budget: number | null
  /** Connections open now. */
  open: number
  /** The most connections this node has held open at once since it started. */
  peak: number
  /** Connections this node opened or accepted since it started (for a tab: RTCPeerConnection-equivalents). */
  openedInLifetime: number
  /** Connections closed to make room for another. */
  closedForRoom: number
  /** Connections refused because the budget was full and nothing could be closed. */
  refused: number
}

export class ConnectionBudget {
  readonly max: number | undefined
  private libp2p?: MeshLibp2p
  private readonly isProtected: (peerId: string) => boolean
  private readonly now: () => number
  /** Peers admitted by the gater whose connection has not opened yet, with when. */
  private readonly admitting = new Map<string, number>()
  /** When each open connection last carried a stream (as far as the budget's checks saw). */
  private readonly lastActive = new Map<string, number>()
  /** Connections this budget closed for room (so the peer keeper does not take them for the peer's doing). */
  private readonly closedHere = new WeakSet<Connection>()
  private opened = 0
  private peak = 0
  private closedForRoom = 0
  private refused = 0

  constructor (options: ConnectionBudgetOptions) {
    if (options.max !== undefined && (!Number.isInteger(options.max) || options.max < 2)) {
      throw new RangeError(`a connection budget must be a whole number of at least 2, got ${options.max}`)
    }
    this.max = options.max
    this.isProtected = options.isProtected ?? (() => false)
    this.now = options.now ?? Date.now
  }

  /** The gater checks that keep the budget; merge them into the node's connection gater. */
  gater (): Pick<ConnectionGater, 'denyDialPeer' | 'denyInboundUpgradedConnection' | 'denyOutboundUpgradedConnection'> {
    return {
      denyDialPeer: async (peerId: PeerId) => !(await this.waitForRoom(peerId.toString())),
      denyInboundUpgradedConnection: (peerId: PeerId) => !this.admit(peerId.toString()),
      denyOutboundUpgradedConnection: (peerId: PeerId) => !this.admit(peerId.toString())
    }
  }

  /** Starts counting on a node built with this budget's gater. */
  attach (libp2p: MeshLibp2p): void {
    this.libp2p = libp2p
    libp2p.addEventListener('connection:open', this.onOpen)
    libp2p.addEventListener('connection:close', this.onClose)
  }

  detach (): void {
    this.libp2p?.removeEventListener('connection:open', this.onOpen)
    this.libp2p?.removeEventListener('connection:close', this.onClose)
  }

  /** Whether this budget closed `connection` to make room for another. */
  wasClosedForRoom (connection: Connection): boolean {
    return this.closedHere.has(connection)
  }

  stats (): ConnectionBudgetStats {
    return {
      budget: this.max ?? null,
      open: this.openConnections().length,
      peak: this.peak,
      openedInLifetime: this.opened,
      closedForRoom: this.closedForRoom,
      refused: this.refused
    }
  }

  /**
   * Whether one more connection to `peerId` fits, making room if it must: true when there is a free place or a
   * connection could be closed for it (a second connection to a peer counts like any other). Takes the place when
   * true.
   */
  private admit (peerId: string): boolean {
    if (this.max === undefined) return true
    const used = this.used()
    if (used < this.max) {
      this.admitting.set(peerId, this.now())
      return true
    }
    const victim = this.evictable(peerId)
    if (victim === undefined) {
      this.refused++
      return false
    }
    this.closedForRoom++
    this.closedHere.add(victim)
    victim.abort(new ConnectionClosedError(`closed to make room within the connection budget of ${this.max}`))
    this.admitting.set(peerId, this.now())
    return true
  }

  /** The check before a dial: waits until there is room or a connection could be closed for it; false after ROOM_WAIT_MS. */
  private async waitForRoom (peerId: string): Promise<boolean> {
    if (this.max === undefined) return true
    const until = this.now() + ROOM_WAIT_MS
    for (;;) {
      if (this.used() < this.max || this.evictable(peerId) !== undefined) return true
      if (this.now() >= until || this.libp2p?.status !== 'started') break
      await new Promise(resolve => setTimeout(resolve, ROOM_POLL_MS))
    }
    this.refused++
    return false
  }

  /** Open connections plus admitted ones not open yet. */
  private used (): number {
    const now = this.now()
    for (const [peer, at] of this.admitting) if (now - at > ADMISSION_HOLD_MS) this.admitting.delete(peer)
    return this.openConnections().length + this.admitting.size
  }

  /**
   * The connection to close for room: idle, not brand new, and not the one connection kept to a protected peer;
   * spare connections first (relayed signalling connections left over from WebRTC dials, and a second connection
   * to a peer that already has one: protection covers one usable connection per peer), then the one used least
   * recently.
   */
  private evictable (forPeer: string): Connection | undefined {
    const now = this.now()
    const open = this.openConnections()
    // Per peer, its oldest usable (not limited) connection: the one kept when the peer is protected.
    const kept = new Map<string, Connection>()
    for (const connection of [...open].sort((a, b) => a.timeline.open - b.timeline.open)) {
      const peer = connection.remotePeer.toString()
      if (connection.limits == null && !kept.has(peer)) kept.set(peer, connection)
    }
    let best: Connection | undefined
    let bestRank: [number, number] = [Infinity, Infinity]
    for (const connection of open) {
      const peer = connection.remotePeer.toString()
      const busy = connection.streams.some(s => s.protocol == null || !CLOSABLE_PROTOCOLS.includes(s.protocol))
      if (busy) this.lastActive.set(connection.id, now)
      if (busy || peer === forPeer || now - connection.timeline.open < MIN_AGE_BEFORE_EVICTION_MS) continue
      const spare = kept.get(peer) !== connection
      if (!spare && this.isProtected(peer)) continue
      const rank: [number, number] = [spare ? 0 : 1, this.lastActive.get(connection.id) ?? connection.timeline.open]
      if (rank[0] < bestRank[0] || (rank[0] === bestRank[0] && rank[1] < bestRank[1])) {
        best = connection
        bestRank = rank
      }
    }
    return best
  }

  private openConnections (): Connection[] {
    return this.libp2p?.getConnections().filter(c => c.status === 'open') ?? []
  }

  private readonly onOpen = (event: CustomEvent<Connection>): void => {
    this.opened++
    this.admitting.delete(event.detail.remotePeer.toString())
    this.peak = Math.max(this.peak, this.openConnections().length)
  }

  private readonly onClose = (event: CustomEvent<Connection>): void => {
    this.lastActive.delete(event.detail.id)
  }
}

/**
 * Whether `connection` was the peer's last usable one and this node's budget did not close it for room (relayed
 * signalling does not count): the peer, or the link, ended it. What the health checks and the peer keeper react to.
 */
export function lostLastConnection (libp2p: Pick<MeshLibp2p, 'getConnections'>, connection: Connection, closedForRoom?: (connection: Connection) => boolean): boolean {
  if (connection.limits != null || closedForRoom?.(connection) === true) return false
  return !libp2p.getConnections(connection.remotePeer).some(isUsableConnection)
}
