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
/**
 * How long a short answer (fewer peers than asked for) is reused at most: it is a mesh smaller than the count, or a
 * passing view of a larger one (peers being dialled, a lookup cut short), and a store that places shards by it
 * would put two on one node. A burst of callers still shares one lookup.
 */
export const SHORT_ANSWER_CACHE_MS = 1_000
const MAX_ENTRIES = 256

interface Entry { at: number, count: number, peers: Promise<string[]>, short?: boolean }

export function cachedClosest (lookup: ClosestLookup, ttlMs = DEFAULT_CLOSEST_CACHE_MS, now: () => number = Date.now): CachedClosestLookup {
  const entries = new Map<string, Entry>()
  return async (key, count, options = {}) => {
    const id = toHex(key)
    const entry = entries.get(id)
    const lifetime = entry?.short === true ? Math.min(ttlMs, SHORT_ANSWER_CACHE_MS) : ttlMs
    if (options.fresh !== true && entry !== undefined && entry.count >= count && now() - entry.at < lifetime) {
      return (await entry.peers).slice(0, count)
    }
    const peers = lookup(key, count)
    const fresh: Entry = { at: now(), count, peers }
    entries.delete(id)
    entries.set(id, fresh)
    if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string)
    // A failed lookup is not remembered; a short one only briefly.
    peers.then(found => { fresh.short = found.length < count }, () => { if (entries.get(id) === fresh) entries.delete(id) })
    return await peers
  }
}
