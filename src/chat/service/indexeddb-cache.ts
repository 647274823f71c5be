/**
 * Browser-only: the message cache of one identity in IndexedDB, so a reopened tab shows its conversations at
 * once and offline. One database per identity (`zentalk-chat-0x…`), so two identities used in the same browser
 * profile never see each other's messages. Like every MessageCache it keeps sealed envelopes (and verified key
 * bundles, contacts' passes (signed manifests) and their contact inboxes' addresses), never plaintext.
 */
import { deleteDB, openDB } from 'idb'
import type { DBSchema, IDBPDatabase } from 'idb'
import { ZenTalkError } from '../../errors/index.ts'
import { parseAddress } from '../../identity/index.ts'
import type { WalletAddress } from '../../identity/index.ts'
import { UnsupportedStoreVersionError } from '../../store/index.ts'
import { envelopeKey, type CachedContactInbox, type CachedContactPass, type CachedEnvelope, type MessageCache } from './message-cache.ts'

export const MESSAGE_CACHE_SCHEMA_VERSION = 2
const DATABASE_PREFIX = 'zentalk-chat-'

/** The cache was closed (or another tab deleted or upgraded its database); open it again to keep using it. */
export class MessageCacheClosedError extends ZenTalkError {
  override name = 'MessageCacheClosedError'
  constructor (operation: string) {
    super(`cannot ${operation}: the message cache is closed; reload the page`)
  }
}

interface StoredBundle {
  owner: WalletAddress
  bytes: Uint8Array
}

interface MessageCacheSchema extends DBSchema {
  /** Out-of-line keys (`envelopeKey`), so a stored value holds exactly the CachedEnvelope fields. */
  envelopes: {
    key: string
    value: CachedEnvelope
    indexes: { byPeer: string }
  }
  bundles: { key: string, value: StoredBundle }
  /** Contact passes, one per contact (schema 2). */
  passes: { key: string, value: CachedContactPass }
  /** Contacts' contact inboxes, one per contact (schema 2). */
  inboxes: { key: string, value: CachedContactInbox }
}

type Database = IDBPDatabase<MessageCacheSchema>

/** The IndexedDB database name of an identity's message cache. */
export function messageCacheDatabaseName (address: WalletAddress | string): string {
  return `${DATABASE_PREFIX}${parseAddress(address)}`
}

export class IndexedDbMessageCache implements MessageCache {
  private closed = false

  private constructor (readonly name: string, private readonly db: Database) {}

  /**
   * Opens (creating it on first use) the cache of `address`.
   * @throws {InvalidAddressError} | {UnsupportedStoreVersionError} when a newer ZenTalk wrote the database
   */
  static async open (address: WalletAddress | string): Promise<IndexedDbMessageCache> {
    const name = messageCacheDatabaseName(address)
    let cache: IndexedDbMessageCache | undefined
    const db = await openDB<MessageCacheSchema>(name, MESSAGE_CACHE_SCHEMA_VERSION, {
      upgrade (db, oldVersion) {
        // Versioned steps: each `if` upgrades from one version; add new ones below, never edit old ones.
        if (oldVersion < 1) {
          const envelopes = db.createObjectStore('envelopes')
          envelopes.createIndex('byPeer', 'peer')
          db.createObjectStore('bundles', { keyPath: 'owner' })
        }
        if (oldVersion < 2) {
          db.createObjectStore('passes', { keyPath: 'contact' })
          db.createObjectStore('inboxes', { keyPath: 'contact' })
        }
      },
      // Another tab wants to upgrade or delete this database: let it, rather than block it forever.
      blocking () { cache?.close() },
      terminated () { if (cache !== undefined) cache.closed = true }
    }).catch((err: unknown) => {
      if (err instanceof DOMException && err.name === 'VersionError') {
        throw new UnsupportedStoreVersionError(`the message cache ${name} was written by a newer ZenTalk than this ` +
          `one (schema ${MESSAGE_CACHE_SCHEMA_VERSION}); reload the page to get the new version`, { cause: err })
      }
      throw err
    })
    cache = new IndexedDbMessageCache(name, db)
    return cache
  }

  /** Deletes an identity's cache (tests, or forgetting an identity on this device). Close it first. */
  static async destroy (address: WalletAddress | string): Promise<void> {
    await deleteDB(messageCacheDatabaseName(address))
  }

  async addEnvelope (entry: CachedEnvelope): Promise<boolean> {
    this.assertOpen('addEnvelope')
    const key = envelopeKey(entry)
    const stored = toStored(entry) // copied now: the caller may reuse its buffer while IndexedDB works
    // The check and the add share one readwrite transaction, so two tabs adding the same envelope add it once.
    const tx = this.db.transaction('envelopes', 'readwrite')
    const existing = await tx.store.getKey(key)
    if (existing !== undefined) {
      await tx.done
      return false
    }
    await Promise.all([tx.store.add(stored, key), tx.done])
    return true
  }

  async listEnvelopes (peer?: WalletAddress): Promise<CachedEnvelope[]> {
    this.assertOpen('listEnvelopes')
    const stored = peer === undefined
      ? await this.db.getAll('envelopes')
      : await this.db.getAllFromIndex('envelopes', 'byPeer', peer)
    return stored.map(toStored)
  }

  async putKeyBundle (owner: WalletAddress, bytes: Uint8Array): Promise<void> {
    this.assertOpen('putKeyBundle')
    await this.db.put('bundles', { owner, bytes: Uint8Array.from(bytes) })
  }

  async getKeyBundle (owner: WalletAddress): Promise<Uint8Array | undefined> {
    this.assertOpen('getKeyBundle')
    const stored = await this.db.get('bundles', owner)
    return stored === undefined ? undefined : Uint8Array.from(stored.bytes)
  }

  async putContactPass (entry: CachedContactPass): Promise<void> {
    this.assertOpen('putContactPass')
    const stored: CachedContactPass = { contact: entry.contact, pass: Uint8Array.from(entry.pass), createdAt: entry.createdAt }
    // One readwrite transaction: two tabs learning passes at once keep the newer.
    const tx = this.db.transaction('passes', 'readwrite')
    const kept = await tx.store.get(stored.contact)
    if (kept === undefined || kept.createdAt < stored.createdAt) await tx.store.put(stored)
    await tx.done
  }

  async listContactPasses (): Promise<CachedContactPass[]> {
    this.assertOpen('listContactPasses')
    return (await this.db.getAll('passes')).map(({ contact, pass, createdAt }) => ({ contact, pass: Uint8Array.from(pass), createdAt }))
  }

  async putContactInbox (entry: CachedContactInbox): Promise<void> {
    this.assertOpen('putContactInbox')
    const stored: CachedContactInbox = { contact: entry.contact, inbox: entry.inbox, sentAt: entry.sentAt }
    const tx = this.db.transaction('inboxes', 'readwrite')
    const kept = await tx.store.get(stored.contact)
    if (kept === undefined || kept.sentAt < stored.sentAt) await tx.store.put(stored)
    await tx.done
  }

  async listContactInboxes (): Promise<CachedContactInbox[]> {
    this.assertOpen('listContactInboxes')
    return (await this.db.getAll('inboxes')).map(({ contact, inbox, sentAt }) => ({ contact, inbox, sentAt }))
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }

  private assertOpen (operation: string): void {
    if (this.closed) throw new MessageCacheClosedError(operation)
  }
}

/**
 * Exactly the CachedEnvelope fields, with bytes copied: an object with more fields (e.g. a decrypted message)
 * must not put plaintext on disk, and a subarray would otherwise persist its whole underlying buffer.
 */
function toStored (entry: CachedEnvelope): CachedEnvelope {
  const { sender, recipient, messageId, sentAt, peer, bytes } = entry
  return { sender, recipient, messageId, sentAt, peer, bytes: Uint8Array.from(bytes) }
}
