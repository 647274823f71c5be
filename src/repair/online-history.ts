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
 *
 * Kept across restarts (`snapshot`, `restore`; grace-record.ts encodes it): the dead spells, with the time
 * the snapshot was taken, the last moment this node is known to have watched. While this node was down it watched
 * no one: a peer dead since T at the snapshot may have come back and died again meanwhile, and its spell then began
 * later than T. So a restored spell keeps its start only if this node was down, from the snapshot to the restore,
 * no longer than `maxGapMs` (the node passes its health interval: a node that never stopped probes a dead peer at
 * most once an interval, so a return shorter than that can pass unseen by it too). After a longer gap, or if the
 * clock went back, no spell is restored: each peer's grace starts over when it is next reported dead, as above,
 * which delays a rebuild and never hastens one. (Counting only the time this node watched would not be safe: a
 * peer that came back and died again just before the restart has a spell shorter than the part watched before the
 * stop.) Live peers are not kept: when one was last seen decides nothing after a restart.
 */
import { nonNegative, positive } from '../errors/index.ts'

/** Peers remembered by default: far more than the co-holders of the keys a node holds (20 per key, shared). */
export const DEFAULT_ONLINE_HISTORY_PEERS = 4096

export interface PeerHistory {
  /** When the peer was last seen alive (answered, or was reported back); undefined if never, as far as kept. */
  lastSeenAlive?: number
  /** Since when the peer has been dead without a sign of life; undefined while it is not dead. */
  deadSince?: number
}

/** A dead spell as a snapshot keeps it. */
export interface DeadSpell { peer: string, deadSince: number, lastSeenAlive?: number }

/** What `OnlineHistory.snapshot` keeps: the dead spells, longest dead first, and when it was taken. */
export interface OnlineHistorySnapshot {
  /** When the snapshot was taken (ms since the epoch, the history's clock). */
  takenAt: number
  /** At most the history's capacity, longest dead first; no spell begins after `takenAt`. */
  dead: DeadSpell[]
}

export class OnlineHistory {
  private readonly capacity: number
  private readonly now: () => number
  /** Live peers, least recently updated first: peer → last seen alive. */
  private readonly live = new Map<string, number>()
  /** Dead peers, longest dead first. */
  private readonly dead = new Map<string, PeerHistory & { deadSince: number }>()
  private deadChanges = 0

  /** @throws {InvalidConfigError} for a capacity below 1 */
  constructor (options: { capacity?: number, now?: () => number } = {}) {
    this.capacity = positive('capacity', options.capacity ?? DEFAULT_ONLINE_HISTORY_PEERS)
    this.now = options.now ?? Date.now
  }

  /** The peer answered or was reported back: it is alive now, and any dead spell ends. */
  alive (peer: string): void {
    if (this.dead.delete(peer)) this.deadChanges++
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
    this.deadChanges++
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

  /** Counts changes to the dead spells (a spell begun, ended, evicted or restored): a snapshot is due when it moved. */
  get revision (): number {
    return this.deadChanges
  }

  /** The dead spells now, to be restored after a restart (see the rule above). */
  snapshot (): OnlineHistorySnapshot {
    return {
      takenAt: this.now(),
      dead: [...this.dead].map(([peer, { deadSince, lastSeenAlive }]) => lastSeenAlive === undefined ? { peer, deadSince } : { peer, deadSince, lastSeenAlive })
    }
  }

  /**
   * Takes the dead spells of `snapshot` back, if it was taken at most `maxGapMs` ago (and not in the future): each
   * keeps its start. Peers this history already knows keep what it knows (it is newer); the longest dead are dropped
   * beyond the capacity. Returns the peers whose spells were restored: none after a longer gap.
   * @throws {InvalidConfigError} for a negative `maxGapMs`
   */
  restore (snapshot: OnlineHistorySnapshot, maxGapMs: number): string[] {
    nonNegative('maxGapMs', maxGapMs)
    const gap = this.now() - snapshot.takenAt
    if (!(gap >= 0 && gap <= maxGapMs)) return []
    const restored = snapshot.dead.filter(spell => !this.dead.has(spell.peer) && !this.live.has(spell.peer))
    // Longest dead first, the restored spells among those known now: eviction then drops the longest dead.
    const known = [...this.dead]
    this.dead.clear()
    const spells = [...restored.map(({ peer, deadSince, lastSeenAlive }) => [peer, { deadSince, lastSeenAlive }] as const), ...known]
    spells.sort((a, b) => a[1].deadSince - b[1].deadSince)
    for (const [peer, spell] of spells) this.dead.set(peer, spell)
    this.deadChanges++
    this.evict()
    return restored.map(spell => spell.peer).filter(peer => this.dead.has(peer))
  }

  private evict (): void {
    while (this.size > this.capacity) {
      const oldest = this.live.keys().next()
      if (oldest.done !== true) this.live.delete(oldest.value)
      else if (this.dead.delete(this.dead.keys().next().value!)) this.deadChanges++
    }
  }
}
