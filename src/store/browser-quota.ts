import { InvalidConfigError } from '../errors/index.ts'

/** The parts of the browser's StorageManager (`navigator.storage`) a tab node uses. */
export type BrowserStorage = Pick<StorageManager, 'estimate' | 'persist'> & Partial<Pick<StorageManager, 'persisted'>>

/** A tab's storage: the node quota and whether the browser made the origin's storage persistent. */
export interface BrowserStorageGrant {
  quotaBytes: number
  /**
   * True when the browser will not evict this origin's storage (IndexedDB included) under storage pressure. False:
   * best-effort storage, which the browser may clear when the disk fills, shards others rely on with it.
   */
  persisted: boolean
}

/**
 * Asks the browser to keep this origin's storage persistent, so it does not evict shards others rely on, and returns
 * whether it is: true when it already was (`persisted()`) or the browser grants it now (`persist()`). A refusal, a
 * browser that throws instead of answering, or no storage API at all is false (best-effort storage).
 */
export async function requestPersistentStorage (storage: BrowserStorage | undefined = globalThis.navigator?.storage): Promise<boolean> {
  if (storage === undefined) return false
  // Asked first: a browser that prompts the user for persist() need not when the origin already has it.
  // A browser that throws instead of answering (or lacks the call) is taken as "no".
  const answer = async (call: (() => Promise<boolean>) | undefined): Promise<boolean> => {
    try {
      return await call?.() === true
    } catch {
      return false
    }
  }
  if (await answer(storage.persisted?.bind(storage))) return true
  return await answer(storage.persist?.bind(storage))
}

/**
 * A node quota for a tab: `fraction` of what the browser says this origin may store, and whether the browser made
 * that storage persistent (`requestPersistentStorage`, asked first; a refusal is fine, the quota stands). The estimate
 * is shared by every tab of the origin, so a page running several tab nodes should divide it.
 */
export async function browserStorageGrant (fraction = 0.5, storage: BrowserStorage | undefined = globalThis.navigator?.storage): Promise<BrowserStorageGrant> {
  if (!(fraction > 0 && fraction <= 1)) throw new InvalidConfigError(`storage fraction must be in (0, 1], got ${fraction}`)
  if (storage === undefined) return { quotaBytes: 0, persisted: false }
  const persisted = await requestPersistentStorage(storage)
  const { quota } = await storage.estimate()
  return { quotaBytes: Math.floor((quota ?? 0) * fraction), persisted }
}

/** The node quota alone (`browserStorageGrant`); it asks for persistent storage all the same. */
export async function browserStorageQuota (fraction = 0.5): Promise<number> {
  return (await browserStorageGrant(fraction)).quotaBytes
}
