import { InvalidConfigError } from '../errors/index.ts'

/**
 * A node quota for a tab: `fraction` of what the browser says this origin may store. Asks for persistent
 * storage first so the browser does not evict shards others rely on; a refusal is fine (the quota stands).
 * The estimate is shared by every tab of the origin, so a page running several tab nodes should divide it.
 */
export async function browserStorageQuota (fraction = 0.5): Promise<number> {
  if (!(fraction > 0 && fraction <= 1)) throw new InvalidConfigError(`storage fraction must be in (0, 1], got ${fraction}`)
  const storage = globalThis.navigator?.storage
  if (storage === undefined) return 0
  try {
    await storage.persist()
  } catch {
    // Some browsers throw instead of resolving false; best-effort either way.
  }
  const { quota } = await storage.estimate()
  return Math.floor((quota ?? 0) * fraction)
}
