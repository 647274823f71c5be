/**
 * Offline is not gone: a holder the health monitor declared dead keeps counting as holding the shards an earlier
 * survey saw on it until it has stayed dead for the grace of its class (`HolderClass`, what the peer announced in its
 * identify agent): `tabLostAfterMs` for a browser tab (tabs close for the night and come back), `lostAfterMs` for
 * every other holder (operator nodes, and holders whose class is not known). A tab that announced best-effort storage
 * (the browser may evict its shards under storage pressure while it is closed) waits no longer than an operator
 * node: the shorter of the two. With both graces 0, the default, nothing is kept: a dead holder's shards are rebuilt
 * elsewhere at once.
 *
 * A restart does not forget the dead holders: `snapshot` is what the node keeps in its key store (grace-record.ts),
 * the dead spells and what each dead holder held, and `restore` takes it back. What they held keeps counting; a
 * spell keeps its start only if this node was down briefly, else its grace starts over (see online-history.ts).
 * Without the record, a holder dead at the restart would count for nothing: this node would not know what it held.
 */
import type { HolderClass } from '../net/index.ts'
import type { GraceSnapshot, ShardRef } from './grace-record.ts'
import { OnlineHistory } from './online-history.ts'
import type { RepairSettings } from './repair-settings.ts'
import type { KeySurvey } from './survey.ts'

export interface HolderGraceInit {
  settings: Pick<RepairSettings, 'lostAfterMs' | 'tabLostAfterMs'>
  /** The class each peer announced (`PeerKeeper.classOf`); default 'unknown' for all (every holder has `lostAfterMs`). */
  classOf?: (peer: string) => HolderClass
  /** The health monitor's verdict (this node itself never dead). */
  declaredDead: (peer: string) => boolean
  /** Peers caught lying: never inside a grace. */
  distrusted: (peer: string) => boolean
  now: () => number
}

/** The shard indices per object last seen on holders inside their grace, and when the first of those graces ends. */
export interface GracedHoldings { shards: Map<string, Set<number>>, until: number }

/**
 * The grace of a holder of `holderClass` under `settings`: `tabLostAfterMs` for a tab, the shorter of `lostAfterMs`
 * and `tabLostAfterMs` for a tab with best-effort storage, `lostAfterMs` for an operator node or a holder whose
 * class is not known.
 */
export function graceOf (settings: Pick<RepairSettings, 'lostAfterMs' | 'tabLostAfterMs'>, holderClass: HolderClass): number {
  switch (holderClass) {
    case 'tab': return settings.tabLostAfterMs
    case 'best-effort-tab': return Math.min(settings.lostAfterMs, settings.tabLostAfterMs)
    case 'operator':
    case 'unknown': return settings.lostAfterMs
  }
}

export class HolderGrace {
  /** Whether any class has a grace: only then is the online history and what holders held kept. */
  readonly enabled: boolean
  private readonly init: HolderGraceInit
  /** Per peer: since when it has been dead, when it was last seen alive (kept only when `enabled`). */
  private readonly history: OnlineHistory
  /**
   * Per placement key held, when `enabled`: what each co-holder held at the last survey it answered, kept for the
   * peers that answered the last one and for those that have not answered since but are not written off yet.
   */
  private readonly lastHeld = new Map<string, Map<string, ShardRef[]>>()
  /**
   * Dead holders restored from the last run that the health monitor of this one has not judged yet: dead as far as
   * this node knows. Until its verdict their shards count (it checks them: they are graced peers), else the first
   * round after a restart would rebuild the shards of every holder not yet found dead again.
   */
  private readonly awaitingVerdict = new Set<string>()

  constructor (init: HolderGraceInit) {
    this.init = init
    this.enabled = init.settings.lostAfterMs > 0 || init.settings.tabLostAfterMs > 0
    this.history = new OnlineHistory({ now: init.now })
  }

  /** The grace of `peer`'s class. */
  graceOf (peer: string): number {
    return graceOf(this.init.settings, this.init.classOf?.(peer) ?? 'unknown')
  }

  /** The health monitor declared `peer` dead. */
  died (peer: string): void {
    this.awaitingVerdict.delete(peer)
    if (this.enabled) this.history.died(peer)
  }

  /** The health monitor found `peer` alive again. */
  alive (peer: string): void {
    this.awaitingVerdict.delete(peer)
    if (this.enabled) this.history.alive(peer)
  }

  /**
   * True for a peer the health monitor declared dead less than its class's grace ago (and that is not distrusted),
   * or restored as dead from the last run and not judged by the health monitor of this one yet.
   */
  inGrace (peer: string): boolean {
    const grace = this.graceOf(peer)
    if (grace === 0 || this.init.distrusted(peer)) return false
    // Not judged in this run yet: its restored spell, if any, goes on; without one, its grace starts at the verdict.
    if (!this.init.declaredDead(peer)) return this.awaitingVerdict.has(peer) && this.history.deadFor(peer) < grace
    // Dead before this repairer heard of it (it started later, or forgot the peer): its grace starts now.
    this.history.died(peer)
    return this.history.deadFor(peer) < grace
  }

  /** Peers that held shards of some key at its last survey and are inside their grace now. */
  gracedPeers (): Set<string> {
    const peers = new Set<string>()
    for (const held of this.lastHeld.values()) for (const peer of held.keys()) if (this.inGrace(peer)) peers.add(peer)
    return peers
  }

  /**
   * Records what the peers that answered `survey` hold under the key, and returns, per object, the shard indices
   * last seen on holders inside their grace (that did not answer now), with the time the first of those graces
   * ends, each holder's own. Nothing when no class has a grace.
   */
  holdings (keyHex: string, survey: KeySurvey): GracedHoldings {
    const shards = new Map<string, Set<number>>()
    let until = Infinity
    if (!this.enabled) return { shards, until }
    const previous = this.lastHeld.get(keyHex) ?? new Map<string, ShardRef[]>()
    const current = new Map<string, ShardRef[]>()
    for (const [peer, held] of survey.held) {
      this.awaitingVerdict.delete(peer)
      this.history.alive(peer)
      if (held.length > 0) current.set(peer, held)
    }
    for (const [peer, held] of previous) {
      if (current.has(peer) || survey.held.has(peer)) continue
      const graced = this.inGrace(peer)
      // Kept while it may still count: inside its grace, or silent but not declared dead yet.
      if (graced || (survey.failed.has(peer) && !this.init.declaredDead(peer))) current.set(peer, held)
      if (!graced) continue
      until = Math.min(until, this.init.now() - this.history.deadFor(peer) + this.graceOf(peer))
      for (const shard of held) {
        const indices = shards.get(shard.objectId) ?? new Set<number>()
        indices.add(shard.shardIndex)
        shards.set(shard.objectId, indices)
      }
    }
    this.lastHeld.set(keyHex, current)
    return { shards, until }
  }

  /**
   * The dead spells and what each dead holder held at its last survey, to keep across a restart; undefined when no
   * class has a grace (nothing is kept then).
   */
  snapshot (): GraceSnapshot | undefined {
    if (!this.enabled) return undefined
    const { takenAt, dead } = this.history.snapshot()
    return {
      takenAt,
      dead: dead.map(spell => {
        const held = new Map<string, ShardRef[]>()
        for (const [keyHex, byPeer] of this.lastHeld) {
          const shards = byPeer.get(spell.peer)
          if (shards !== undefined) held.set(keyHex, shards.map(({ objectId, shardIndex }) => ({ objectId, shardIndex })))
        }
        return { ...spell, held }
      })
    }
  }

  /**
   * Takes back what the dead holders of `snapshot` held, and their dead spells if this node was down no longer than
   * `maxGapMs` since it was taken (the online history's rule: after a longer gap each grace starts over when the
   * holder is next reported dead). Until the health monitor of this run judges them, those holders count as dead
   * (`inGrace`). What this run already knows stays. Returns the dead spells restored with their start. Nothing when
   * no class has a grace.
   */
  restore (snapshot: GraceSnapshot, maxGapMs: number): number {
    if (!this.enabled) return 0
    const restored = this.history.restore(snapshot, maxGapMs)
    for (const spell of snapshot.dead) {
      const known = this.history.get(spell.peer)
      if (known.lastSeenAlive !== undefined && known.deadSince === undefined) continue // seen alive in this run
      for (const [keyHex, shards] of spell.held) {
        const byPeer = this.lastHeld.get(keyHex) ?? new Map<string, ShardRef[]>()
        if (byPeer.has(spell.peer)) continue
        byPeer.set(spell.peer, shards)
        this.lastHeld.set(keyHex, byPeer)
        if (!this.init.declaredDead(spell.peer)) this.awaitingVerdict.add(spell.peer)
      }
    }
    return restored.length
  }

  /** Moves whenever a dead spell begins, ends or is restored: a new snapshot is due. */
  get revision (): number {
    return this.history.revision
  }

  /** Forgets what was held under keys not in `keys` (this node holds no shard of them any more). */
  retain (keys: ReadonlySet<string>): void {
    for (const keyHex of this.lastHeld.keys()) if (!keys.has(keyHex)) this.lastHeld.delete(keyHex)
  }
}
