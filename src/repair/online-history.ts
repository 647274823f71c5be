/**
 * Per peer: since when it has been dead without interruption (declared dead by the health monitor and not seen
 * answering since), and when it was last seen alive. The repairer reads it to tell a holder that is offline (dead
 * for less than its grace, `lostAfterMs` or `tabLostAfterMs`: its shards still count) from one that is gone (its
 * shards are rebuilt elsewhere).
 *
 * Bounded: at most `capacity` peers are remembered. A new peer beyond that evicts the peer updated longest ago
 * among the live ones (all a live entry says is when it was last seen), and only when none is left, the dead peer
 * that died longest ago. A dead peer that was evicted, or that died before this node started, is taken as dead
 * from the moment it is next reported dead: its grace starts over, which delays a rebuild but never hastens one.
 */
import { positive } from '../errors/index.ts'

/** Peers remembered by default: far more than the co-holders of the keys a node holds (20 per key, shared). */
export const DEFAULT_ONLINE_HISTORY_PEERS = 4096

export interface PeerHistory {
  /** When the peer was last seen alive (answered, or was reported back); undefined if never, as far as kept. */
  lastSeenAlive?: number
  /** Since when the peer has been dead without a sign of life; undefined while it is not dead. */
  deadSince?: number
}

export class OnlineHistory {
  private readonly capacity: number
  private readonly now: () => number
  /** Live peers, least recently updated first: peer → last seen alive. */
  private readonly live = new Map<string, number>()
  /** Dead peers, longest dead first. */
  private readonly dead = new Map<string, PeerHistory & { deadSince: number }>()

  /** @throws {InvalidConfigError} for a capacity below 1 */
  constructor (options: { capacity?: number, now?: () => number } = {}) {
    this.capacity = positive('capacity', options.capacity ?? DEFAULT_ONLINE_HISTORY_PEERS)
    this.now = options.now ?? Date.now
  }

  /** The peer answered or was reported back: it is alive now, and any dead spell ends. */
  alive (peer: string): void {
    this.dead.delete(peer)
    this.live.delete(peer)
    this.live.set(peer, this.now())
    this.evict()
  }

  /** The peer was reported dead. A peer already dead keeps the start of its spell. */
  died (peer: string): void {
    if (this.dead.has(peer)) return
    const lastSeenAlive = this.live.get(peer)
    this.live.delete(peer)
    this.dead.set(peer, { deadSince: this.now(), lastSeenAlive })
    this.evict()
  }

  /** What is known of `peer`: an empty record for a peer not remembered. */
  get (peer: string): PeerHistory {
    const dead = this.dead.get(peer)
    if (dead !== undefined) return { ...dead }
    const lastSeenAlive = this.live.get(peer)
    return lastSeenAlive === undefined ? {} : { lastSeenAlive }
  }

  /** How long `peer` has been dead without interruption; 0 if it is not known dead. */
  deadFor (peer: string): number {
    const dead = this.dead.get(peer)
    return dead === undefined ? 0 : Math.max(0, this.now() - dead.deadSince)
  }

  /** Peers remembered, live and dead. */
  get size (): number {
    return this.live.size + this.dead.size
  }

  private evict (): void {
    while (this.size > this.capacity) {
      const oldest = this.live.keys().next()
      if (oldest.done !== true) this.live.delete(oldest.value)
      else this.dead.delete(this.dead.keys().next().value!)
    }
  }
}
