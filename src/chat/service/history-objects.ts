/**
 * Where a user's chat history lives in the mesh. History objects are owned by the user's history identity
 * (history-identity.ts) and placed under its key, which nobody without the wallet key can compute; everything
 * else (the inbox, key bundles, presence, attachments) stays with the wallet identity.
 *
 * History written before the history identity existed sits under the wallet address. Reads of the history take
 * both until the old place is seen empty, deletes go to whichever place an object was read from, and compaction
 * moves old objects into segments of the new place (then deletes them), so an identity's old history moves over on
 * its first compaction and nothing is lost on the way.
 */
import { NS_HISTORY } from '../../crypto/index.ts'
import { DEFAULT_DATA_SHARDS } from '../../erasure/index.ts'
import type { WalletAddress, WalletIdentity } from '../../identity/index.ts'
import type { FetchOptions, FetchResult, ObjectStore, RetrievedObject, StoreOptions, StoreResult } from '../../objects/index.ts'
import type { ObjectId } from '../../types/index.ts'

export type HistoryObjectStore = Pick<ObjectStore, 'fetchObjects' | 'fetchObject' | 'storeObject' | 'deleteObject'>

/** Old-place object IDs remembered for their deletes; far more than one history read returns. */
const MAX_REMEMBERED_OLD_OBJECTS = 100_000

export class HistoryObjects implements HistoryObjectStore {
  /** The wallet address: the inbox's owner, and the owner of history written before the history identity. */
  readonly owner: WalletAddress
  /** The history identity's address: the owner of the history's manifests, and the key it is placed under. */
  readonly historyOwner: WalletAddress
  private readonly own: ObjectStore
  private readonly history: ObjectStore
  /** History objects read from the old place (the wallet address's history key): their deletes go there. */
  private readonly oldPlace = new Set<ObjectId>()
  /** The old place answered empty (at least k holders answered): later reads skip it. */
  private oldPlaceEmpty = false

  constructor (own: ObjectStore, historyIdentity: WalletIdentity) {
    this.own = own
    this.history = own.withSigner(historyIdentity)
    this.owner = own.owner as WalletAddress
    this.historyOwner = historyIdentity.address
  }

  /** Both places' history, merged in the object store's order (createdAt, then objectId); anything else as asked. */
  async fetchObjects (owner: string = this.owner, options: FetchOptions = {}): Promise<FetchResult> {
    if (!this.isHistory(options.namespace, owner)) return await this.own.fetchObjects(owner, options)
    const [fresh, old] = await Promise.all([
      this.history.fetchObjects(this.historyOwner, { ...options, namespace: NS_HISTORY }),
      this.oldPlaceEmpty ? undefined : this.own.fetchObjects(this.owner, { ...options, namespace: NS_HISTORY })
    ])
    if (old === undefined) return fresh
    // Empty only by the word of at least k holders: a node that knows too few of the mesh yet keeps asking.
    if (old.objects.length === 0 && old.failed.length === 0 && old.stats.answered >= DEFAULT_DATA_SHARDS) {
      this.oldPlaceEmpty = true
      return fresh
    }
    for (const { objectId } of [...old.objects, ...old.failed]) this.rememberOld(objectId)
    return {
      objects: [...fresh.objects, ...old.objects].sort(byCreation),
      failed: [...fresh.failed, ...old.failed].sort(byCreation),
      stats: fresh.stats
    }
  }

  async fetchObject (objectId: ObjectId, options: FetchOptions & { owner?: string } = {}): Promise<RetrievedObject> {
    if (!this.isHistory(options.namespace, options.owner ?? this.owner) || this.oldPlace.has(objectId)) return await this.own.fetchObject(objectId, options)
    return await this.history.fetchObject(objectId, { ...options, owner: this.historyOwner })
  }

  /** History objects go to the history identity's place, everything else is stored as the wallet identity. */
  async storeObject (bytes: Uint8Array, options: StoreOptions = {}): Promise<StoreResult> {
    return await (this.isHistory(options.namespace, this.owner) ? this.history : this.own).storeObject(bytes, options)
  }

  async deleteObject (objectId: ObjectId, options: FetchOptions = {}): Promise<number> {
    if (!this.isHistory(options.namespace, this.owner) || this.oldPlace.has(objectId)) return await this.own.deleteObject(objectId, options)
    return await this.history.deleteObject(objectId, options)
  }

  /** Whether a history object was read from the old place (so compaction moves it, and its delete goes there). */
  inOldPlace (objectId: ObjectId): boolean {
    return this.oldPlace.has(objectId)
  }

  private isHistory (namespace: string | undefined, owner: string): boolean {
    return (namespace ?? NS_HISTORY) === NS_HISTORY && owner === this.owner
  }

  private rememberOld (objectId: ObjectId): void {
    if (this.oldPlace.size >= MAX_REMEMBERED_OLD_OBJECTS) this.oldPlace.delete(this.oldPlace.values().next().value as ObjectId)
    this.oldPlace.add(objectId)
  }
}

function byCreation (a: { createdAt: number, objectId: string }, b: { createdAt: number, objectId: string }): number {
  return a.createdAt - b.createdAt || (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0)
}
