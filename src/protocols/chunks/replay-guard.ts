/**
 * Remembers accepted delete authorisations until they expire, so a captured one cannot be replayed inside its
 * time window (for example to delete an object the owner stored again a minute later). Bounded: when full, the
 * entry closest to expiry goes first.
 */
export class ReplayGuard {
  /** Key → expiry (ms). Insertion order is expiry order, because every entry lives for the same window. */
  private readonly seen = new Map<string, number>()

  constructor (private readonly maxEntries: number) {}

  has (key: string, now: number): boolean {
    this.prune(now)
    return this.seen.has(key)
  }

  add (key: string, expiresAt: number, now: number): void {
    this.prune(now)
    this.seen.delete(key)
    while (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next().value as string
      this.seen.delete(oldest)
    }
    this.seen.set(key, expiresAt)
  }

  get size (): number {
    return this.seen.size
  }

  private prune (now: number): void {
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt > now) break
      this.seen.delete(key)
    }
  }
}
