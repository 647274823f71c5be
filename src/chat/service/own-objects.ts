/**
 * Where a user's own chat objects live in the mesh (see derived-identities.ts):
 *
 * - The history is owned by the user's history identity and placed under its key, which nobody without the wallet
 *   key can compute. History written before the history identity existed sits under the wallet address (the old
 *   place): reads take both until the old place is seen empty, deletes go to whichever place an object was read
 *   from, and compaction moves old objects into segments of the new place (then deletes them), so an identity's
 *   old history moves over on its first compaction and nothing is lost on the way.
 * - The inbox is two inboxes: the public one under the wallet address (first contacts: anyone can find it) and the
 *   contact inbox, whose recipient is the user's contact inbox identity (only the people the user writes to learn
 *   it). Reads of "the inbox" take both, and deletes of an object read from the contact inbox are signed by its
 *   identity, the recipient holders know. Messages to a contact's contact inbox are written as this contact inbox
 *   identity (`contactWriter`) and sealed for the recipient alone (sealed-envelope.ts): holders of contact inboxes
 *   see pseudonyms writing to pseudonyms, sizes and times. Reads give the envelopes inside the seals.
 *
 * Everything else (key bundles, presence, attachments, other people's inboxes) goes to the wallet identity's store
 * as it is.
 */
import { NS_HISTORY, NS_INBOX } from '../../crypto/index.ts'
import { DEFAULT_DATA_SHARDS } from '../../erasure/index.ts'
import type { WalletAddress, WalletIdentity } from '../../identity/index.ts'
import type { FetchOptions, FetchResult, ObjectStore, RetrievedObject, StoreOptions, StoreResult } from '../../objects/index.ts'
import { inboxNamespace } from '../../placement/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { isSealedEnvelope } from '../sealed-envelope.ts'

export type OwnObjectStore = Pick<ObjectStore, 'fetchObjects' | 'fetchObject' | 'storeObject' | 'deleteObject'>

/** Object IDs remembered per place for their deletes; far more than one read returns. */
const MAX_REMEMBERED_OBJECTS = 100_000

export class OwnObjects implements OwnObjectStore {
  /** The wallet address: the public inbox's recipient, and the owner of history written before the history identity. */
  readonly owner: WalletAddress
  /** The history identity's address: the owner of the history's manifests, and the key it is placed under. */
  readonly historyOwner: WalletAddress
  /** The contact inbox identity's address: the recipient of the inbox only the user's contacts know. */
  readonly contactInbox: WalletAddress
  private readonly own: ObjectStore
  private readonly history: ObjectStore
  /**
   * The store that signs as the contact inbox identity: what this identity writes into its contacts' contact inboxes
   * goes through it, so those holders see one contact inbox writing to another, and the contact pass it shows is one
   * the contact's contact inbox identity signed. Deletes of objects read from its own contact inbox go through it too.
   */
  readonly contactWriter: ObjectStore
  /** History objects read from the old place (the wallet address's history key): their deletes go there. */
  private readonly oldPlace = new Remembered()
  /** Inbox objects read from the contact inbox: their deletes are signed by the contact inbox identity. */
  private readonly fromContacts = new Remembered()
  /** The old place answered empty (at least k holders answered): later reads skip it. */
  private oldPlaceEmpty = false

  /** Opens an envelope sealed for this identity (sealed-envelope.ts): what contact inbox objects hold. */
  private readonly unseal: (bytes: Uint8Array) => Promise<Uint8Array>

  constructor (own: ObjectStore, identities: { history: WalletIdentity, contactInbox: WalletIdentity }, unseal: (bytes: Uint8Array) => Promise<Uint8Array>) {
    this.own = own
    this.unseal = unseal
    this.history = own.withSigner(identities.history)
    this.contactWriter = own.withSigner(identities.contactInbox)
    this.owner = own.owner as WalletAddress
    this.historyOwner = identities.history.address
    this.contactInbox = identities.contactInbox.address
  }

  /**
   * The history of both places, or both inboxes, merged in the object store's order (createdAt, then objectId);
   * anything else as asked.
   */
  async fetchObjects (owner: string = this.owner, options: FetchOptions = {}): Promise<FetchResult> {
    if (this.isInbox(options.namespace, owner)) {
      const [open, contacts] = await Promise.all([
        this.own.fetchObjects(this.owner, { ...options, namespace: NS_INBOX }),
        this.own.fetchObjects(this.contactInbox, { ...options, namespace: NS_INBOX })
      ])
      this.fromContacts.add([...contacts.objects, ...contacts.failed])
      return merge(open, { ...contacts, objects: await Promise.all(contacts.objects.map(async object => await this.unsealed(object))) })
    }
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
    this.oldPlace.add([...old.objects, ...old.failed])
    return merge(fresh, old)
  }

  async fetchObject (objectId: ObjectId, options: FetchOptions & { owner?: string } = {}): Promise<RetrievedObject> {
    const owner = options.owner ?? this.owner
    if (this.isInbox(options.namespace, owner) && this.fromContacts.has(objectId)) {
      return await this.unsealed(await this.own.fetchObject(objectId, { ...options, namespace: NS_INBOX, owner: this.contactInbox }))
    }
    if (!this.isHistory(options.namespace, owner) || this.oldPlace.has(objectId)) return await this.own.fetchObject(objectId, options)
    return await this.history.fetchObject(objectId, { ...options, owner: this.historyOwner })
  }

  /** History objects go to the history identity's place, everything else is stored as the wallet identity. */
  async storeObject (bytes: Uint8Array, options: StoreOptions = {}): Promise<StoreResult> {
    return await (this.isHistory(options.namespace, this.owner) ? this.history : this.own).storeObject(bytes, options)
  }

  async deleteObject (objectId: ObjectId, options: FetchOptions = {}): Promise<number> {
    if (this.isInbox(options.namespace, this.owner) && this.fromContacts.has(objectId)) {
      return await this.contactWriter.deleteObject(objectId, { ...options, namespace: inboxNamespace(this.contactInbox) })
    }
    if (!this.isHistory(options.namespace, this.owner) || this.oldPlace.has(objectId)) return await this.own.deleteObject(objectId, options)
    return await this.history.deleteObject(objectId, options)
  }

  /** Whether a history object was read from the old place (so compaction moves it, and its delete goes there). */
  inOldPlace (objectId: ObjectId): boolean {
    return this.oldPlace.has(objectId)
  }

  /**
   * A contact inbox object with the envelope inside its seal in place of its bytes; one that does not open stays as
   * it is (reading it then fails like any unreadable inbox object, and compaction removes it).
   */
  private async unsealed (object: RetrievedObject): Promise<RetrievedObject> {
    if (!isSealedEnvelope(object.bytes)) return object
    try {
      return { ...object, bytes: await this.unseal(object.bytes) }
    } catch {
      return object
    }
  }

  private isHistory (namespace: string | undefined, owner: string): boolean {
    return (namespace ?? NS_HISTORY) === NS_HISTORY && owner === this.owner
  }

  /** This identity's inbox, asked as NS_INBOX with itself as owner or by its inbox namespace. */
  private isInbox (namespace: string | undefined, owner: string): boolean {
    return owner === this.owner && (namespace === NS_INBOX || namespace === inboxNamespace(this.owner))
  }
}

/** A bounded set of object IDs: past the bound, the oldest goes. */
class Remembered {
  private readonly ids = new Set<ObjectId>()

  add (objects: ReadonlyArray<{ objectId: ObjectId }>): void {
    for (const { objectId } of objects) {
      if (this.ids.size >= MAX_REMEMBERED_OBJECTS) this.ids.delete(this.ids.values().next().value as ObjectId)
      this.ids.add(objectId)
    }
  }

  has (objectId: ObjectId): boolean {
    return this.ids.has(objectId)
  }
}

function merge (a: FetchResult, b: FetchResult): FetchResult {
  return {
    objects: [...a.objects, ...b.objects].sort(byCreation),
    failed: [...a.failed, ...b.failed].sort(byCreation),
    stats: a.stats
  }
}

function byCreation (a: { createdAt: number, objectId: string }, b: { createdAt: number, objectId: string }): number {
  return a.createdAt - b.createdAt || (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0)
}
