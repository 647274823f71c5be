/**
 * Long-tail stores: when most shards of an object have their receipts and one shard's STORE is still out far
 * longer than the others took (a busy tab, a congested connection), the same shard is sent to the next spare node
 * too (a hedged request) and the first receipt wins. This file decides when; `ObjectStore.storeObject` sends.
 * Pure timing, no I/O: a clock (`performance.now`) and one timer per object being stored.
 */

/**
 * Shards of one object that may get a hedged request, unless the store says otherwise: none. A hedge that wins
 * places its shard on a spare node rather than on one of the 15 closest, so exact placement is the default.
 */
export const DEFAULT_MAX_HEDGES = 0
/** A request still out after this long at least (and `DEFAULT_HEDGE_FACTOR` × the median receipt time) is hedged. */
export const DEFAULT_HEDGE_FLOOR_MS = 2000
/** Multiple of the object's median receipt time so far after which a request still out is hedged. */
export const DEFAULT_HEDGE_FACTOR = 3

export interface LongTailSettings {
  /** Shards of one object that may get a second request; 0: none ever does. */
  maxHedges: number
  floorMs: number
  factor: number
  /** Receipts needed before any request is hedged (k: the object is readable by then). */
  after: number
}

/** Checks the hedging options an ObjectStore is built with. @throws {RangeError} naming the option and its bounds */
export function checkLongTailSettings (settings: LongTailSettings): void {
  const { maxHedges, floorMs, factor } = settings
  if (!Number.isInteger(maxHedges) || maxHedges < 0) {
    throw new RangeError(`maxHedges must be a whole number of shards, 0 or more (0 turns hedged stores off); got ${maxHedges}`)
  }
  if (!Number.isFinite(floorMs) || floorMs < 0) throw new RangeError(`hedgeFloorMs must be a finite number of ms, 0 or more; got ${floorMs}`)
  if (!Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`hedgeFactor must be a finite number, 1 or more (a request is hedged only once it took longer than the median); got ${factor}`)
  }
}

interface Watched {
  since: number
  hedge: () => void
}

/**
 * When the requests of one object's store are due a hedge: once `after` shards have receipts, a request out longer
 * than max(floorMs, factor × the median receipt time so far) is hedged, each shard at most once and at most
 * `maxHedges` shards in all.
 */
export class LongTail {
  private readonly settings: LongTailSettings
  private readonly clock: () => number
  private readonly receiptMs: number[] = []
  private readonly watched = new Map<number, Watched>()
  private readonly hedged = new Set<number>()
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor (settings: LongTailSettings, clock: () => number = () => performance.now()) {
    this.settings = settings
    this.clock = clock
  }

  /** Now, on the clock `watch` and `receipt` times are read from. */
  now (): number {
    return this.clock()
  }

  /**
   * Shard `index`'s request went out now: `hedge` is called, once, if it is still out when due. Returns the call
   * that stops watching it (its request settled). A shard hedged before is not watched again.
   */
  watch (index: number, hedge: () => void): () => void {
    if (this.settings.maxHedges === 0 || this.hedged.has(index)) return () => {}
    const entry: Watched = { since: this.clock(), hedge }
    this.watched.set(index, entry)
    this.schedule()
    return () => {
      if (this.watched.get(index) !== entry) return
      this.watched.delete(index)
      this.schedule()
    }
  }

  /** A shard got its receipt, `ms` after its request went out. */
  receipt (ms: number): void {
    this.receiptMs.push(ms)
    this.schedule()
  }

  /** How long a request may be out before it is hedged; undefined while fewer than `after` receipts are in. */
  threshold (): number | undefined {
    if (this.receiptMs.length < this.settings.after || this.receiptMs.length === 0) return undefined
    return Math.max(this.settings.floorMs, this.settings.factor * median(this.receiptMs))
  }

  /** The store is over: nothing more is hedged. */
  close (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.watched.clear()
  }

  private schedule (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const threshold = this.threshold()
    if (threshold === undefined) return
    const now = this.clock()
    let next = Infinity
    for (const [index, entry] of [...this.watched]) {
      if (this.hedged.size >= this.settings.maxHedges) break
      const due = entry.since + threshold
      if (due > now) {
        next = Math.min(next, due)
        continue
      }
      this.hedged.add(index)
      this.watched.delete(index)
      entry.hedge()
    }
    if (next < Infinity && this.hedged.size < this.settings.maxHedges) {
      this.timer = setTimeout(() => { this.schedule() }, Math.max(0, next - now))
    }
  }
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
