/**
 * A short-lived memory of closest-peer lookups. A chat client stores and fetches many objects under one
 * placement key in a burst (one owner's history); each store would otherwise start with its own DHT lookup,
 * which takes seconds on a busy mesh. Callers that saw a holder fail ask with `fresh` and get (and keep) a new
 * lookup, so a dead node leaves the cached answer as soon as anyone notices.
 */
import { toHex } from '../crypto/index.ts'

export type ClosestLookup = (key: Uint8Array, count: number) => Promise<string[]>
export interface ClosestOptions { fresh?: boolean }
export type CachedClosestLookup = (key: Uint8Array, count: number, options?: ClosestOptions) => Promise<string[]>

/** How long a lookup answer is reused by default. */
export const DEFAULT_CLOSEST_CACHE_MS = 15_000
const MAX_ENTRIES = 256

interface Entry { at: number, count: number, peers: Promise<string[]> }

export function cachedClosest (lookup: ClosestLookup, ttlMs = DEFAULT_CLOSEST_CACHE_MS, now: () => number = Date.now): CachedClosestLookup {
  const entries = new Map<string, Entry>()
  return async (key, count, options = {}) => {
    const id = toHex(key)
    const entry = entries.get(id)
    if (options.fresh !== true && entry !== undefined && entry.count >= count && now() - entry.at < ttlMs) {
      return (await entry.peers).slice(0, count)
    }
    const peers = lookup(key, count)
    const fresh: Entry = { at: now(), count, peers }
    entries.delete(id)
    entries.set(id, fresh)
    if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string)
    // A failed lookup is not remembered.
    peers.catch(() => { if (entries.get(id) === fresh) entries.delete(id) })
    return await peers
  }
}
