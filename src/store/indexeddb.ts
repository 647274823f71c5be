// Browser-only: the storage of a tab node. One database per node (e.g. `zentalk-node-0`).
import { deleteDB, openDB } from 'idb'
import type { DBSchema, IDBPDatabase, IDBPObjectStore } from 'idb'
import type { ObjectId, ShardIndex } from '../types/index.ts'
import { QuotaExceededError, StoreClosedError, UnsupportedStoreVersionError } from './errors.ts'
import { bytesToHex, chargedBytes, checkQuota, copyBytes, copyShardProof, copyTombstone, pageLimit, resolveLimits, validateRecord, validateTombstone } from './records.ts'
import type { ChunkStore, ChunkStoreLimits, ChunkStoreStats, PageQuery, ShardCursor, ShardListing, ShardRecord, ShardSummary, Tombstone, TombstoneQuery } from './types.ts'

export { browserStorageGrant, browserStorageQuota, requestPersistentStorage, type BrowserStorage, type BrowserStorageGrant } from './browser-quota.ts'

export const INDEXEDDB_SCHEMA_VERSION = 2

interface StoredShard extends Omit<ShardRecord, 'objectId' | 'shardIndex'> {
  objectId: string
  shardIndex: number
  /** Hex copy of placementKey: string keys index the same in every browser; binary keys are newer. */
  placementKeyHex: string
}

interface Usage { bytes: number, shards: number }
interface OwnerUsage extends Usage { owner: string }

interface ChunkStoreSchema extends DBSchema {
  shards: {
    key: [string, number]
    value: StoredShard
    indexes: {
      byPlacementKey: string
      byOwner: string
      /** Everything `listShardKeys` returns, as an index key, so a key cursor lists shards without loading their bytes. */
      summary: [string, number, string, string, number, number]
    }
  }
  /** Usage counters kept in the same transactions as the shards, so quota checks never scan. */
  ownerUsage: { key: string, value: OwnerUsage }
  nodeUsage: { key: typeof NODE_USAGE_KEY, value: Usage }
  /** Signed tombstones of deleted objects (schema version 2); `byDeletedAt` serves the retention purge. */
  tombstones: { key: string, value: StoredTombstone, indexes: { byDeletedAt: number } }
}

interface StoredTombstone extends Omit<Tombstone, 'objectId'> { objectId: string }

const NODE_USAGE_KEY = 'node'
const SUMMARY_KEY_PATH = ['objectId', 'shardIndex', 'placementKeyHex', 'owner', 'size', 'storedAt']
type Database = IDBPDatabase<ChunkStoreSchema>
type ReadWriteStores = ['shards', 'ownerUsage', 'nodeUsage']
const ALL_STORES: ReadWriteStores = ['shards', 'ownerUsage', 'nodeUsage']
type ShardsStore = IDBPObjectStore<ChunkStoreSchema, ReadWriteStores, 'shards', 'readwrite'>
/** What `deleteWhere` needs of a store or index cursor. */
interface DeletingCursor {
  value: StoredShard
  delete: () => Promise<void>
  continue: () => Promise<DeletingCursor | null>
}

/** `ChunkStore` of a browser tab node, in IndexedDB. Open with `IndexedDbChunkStore.open(name, limits)`. */
export class IndexedDbChunkStore implements ChunkStore {
  private closed = false

  private constructor (readonly name: string, readonly limits: ChunkStoreLimits, private readonly db: Database) {}

  static async open (name: string, limits: Partial<ChunkStoreLimits> = {}): Promise<IndexedDbChunkStore> {
    const resolved = resolveLimits(limits)
    let store: IndexedDbChunkStore | undefined
    const db = await openDB<ChunkStoreSchema>(name, INDEXEDDB_SCHEMA_VERSION, {
      upgrade (db, oldVersion) {
        // Versioned steps: each `if` upgrades from one version; add new ones below, never edit old ones.
        if (oldVersion < 1) {
          const shards = db.createObjectStore('shards', { keyPath: ['objectId', 'shardIndex'] })
          shards.createIndex('byPlacementKey', 'placementKeyHex')
          shards.createIndex('byOwner', 'owner')
          shards.createIndex('summary', SUMMARY_KEY_PATH)
          db.createObjectStore('ownerUsage', { keyPath: 'owner' })
          db.createObjectStore('nodeUsage')
        }
        if (oldVersion < 2) {
          const tombstones = db.createObjectStore('tombstones', { keyPath: 'objectId' })
          tombstones.createIndex('byDeletedAt', 'deletedAt')
        }
      },
      // Another tab wants to upgrade or delete this database: let it, rather than block it forever.
      blocking () { void store?.close() },
      terminated () { if (store !== undefined) store.closed = true }
    }).catch((err: unknown) => {
      if (err instanceof DOMException && err.name === 'VersionError') {
        throw new UnsupportedStoreVersionError(`IndexedDB database ${name} was written by a newer ZenTalk than this ` +
          `one (schema ${INDEXEDDB_SCHEMA_VERSION}); reload the page to get the new version`, { cause: err })
      }
      throw err
    })
    store = new IndexedDbChunkStore(name, resolved, db)
    return store
  }

  /** Deletes a node's database, e.g. after a test or when a slot is retired. Close its stores first. */
  static async destroy (name: string): Promise<void> {
    await deleteDB(name)
  }

  async put (record: ShardRecord): Promise<void> {
    this.assertOpen('put')
    validateRecord(record)
    const stored = toStored(record) // copied now: the caller may reuse its buffers while we wait for IndexedDB
    // Quota check and write share one readwrite transaction; only its own requests are awaited inside it.
    const tx = this.db.transaction(ALL_STORES, 'readwrite')
    const shards = tx.objectStore('shards')
    const ownerUsage = tx.objectStore('ownerUsage')
    const [previous, usage, node] = await Promise.all([
      shards.get([record.objectId, record.shardIndex]),
      ownerUsage.get(record.owner),
      tx.objectStore('nodeUsage').get(NODE_USAGE_KEY)
    ])
    const nodeBytes = node?.bytes ?? 0
    checkQuota({
      limits: this.limits,
      record,
      previous: previous === undefined ? undefined : { owner: previous.owner, bytes: chargedBytes(previous) },
      nodeBytes,
      ownerBytes: usage?.bytes ?? 0
    })
    const changes = new UsageChanges()
    if (previous !== undefined) changes.add(previous.owner, -chargedBytes(previous), -1)
    changes.add(record.owner, chargedBytes(record), 1)
    try {
      await Promise.all([shards.put(stored), changes.apply(ownerUsage, tx.objectStore('nodeUsage')), tx.done])
    } catch (err) {
      // The browser's own origin quota ran out before ours did.
      if (err instanceof DOMException && err.name === 'QuotaExceededError') {
        const requestedBytes = chargedBytes(record)
        throw new QuotaExceededError({ scope: 'node', usedBytes: nodeBytes, limitBytes: this.limits.nodeQuotaBytes, requestedBytes }, {
          message: `the browser refused ${requestedBytes} more bytes because this site's storage is full; ` +
            'lower the node quota or free disk space',
          cause: err
        })
      }
      throw err
    }
  }

  async get (objectId: ObjectId, shardIndex: ShardIndex): Promise<ShardRecord | undefined> {
    this.assertOpen('get')
    if (!isValidKey(objectId, shardIndex)) return undefined
    const stored = await this.db.get('shards', [objectId, shardIndex])
    return stored === undefined ? undefined : toRecord(stored)
  }

  async listByPlacementKey (placementKey: Uint8Array): Promise<ShardRecord[]> {
    this.assertOpen('listByPlacementKey')
    // Entries with equal index keys come in primary-key order, i.e. by objectId then shardIndex.
    const stored = await this.db.getAllFromIndex('shards', 'byPlacementKey', bytesToHex(placementKey))
    return stored.map(toRecord)
  }

  async listObjectShards (objectId: ObjectId): Promise<ShardRecord[]> {
    this.assertOpen('listObjectShards')
    if (typeof objectId !== 'string') return []
    return (await this.db.getAll('shards', objectRange(objectId))).map(toRecord)
  }

  async listShardKeys (): Promise<ShardSummary[]> {
    this.assertOpen('listShardKeys')
    const index = this.db.transaction('shards').store.index('summary')
    const summaries: ShardSummary[] = []
    for (let cursor = await index.openKeyCursor(); cursor !== null; cursor = await cursor.continue()) {
      const [objectId, shardIndex, placementKeyHex, owner, size, storedAt] = cursor.key
      const placementKey = hexToBytes(placementKeyHex)
      summaries.push({ objectId: objectId as ObjectId, shardIndex: shardIndex as ShardIndex, placementKey, owner, size, storedAt })
    }
    return summaries
  }

  async pageByPlacementKey (placementKey: Uint8Array, query: PageQuery): Promise<ShardRecord[]> {
    this.assertOpen('pageByPlacementKey')
    const page: ShardRecord[] = []
    await this.walk(query, bytesToHex(placementKey), stored => { page.push(toRecord(stored)) })
    return page
  }

  async pageListings (query: PageQuery & { placementKey?: Uint8Array }): Promise<ShardListing[]> {
    this.assertOpen('pageListings')
    const page: ShardListing[] = []
    // Each value is read whole (the summary index holds no hash), but only the listing is kept.
    await this.walk(query, query.placementKey === undefined ? undefined : bytesToHex(query.placementKey), stored => {
      const { objectId, shardIndex, placementKey, owner, size, storedAt, shardHash } = stored
      page.push({ objectId: objectId as ObjectId, shardIndex: shardIndex as ShardIndex, placementKey: copyBytes(placementKey), owner, size, storedAt, shardHash: copyBytes(shardHash) })
    })
    return page
  }

  /**
   * Visits up to `query.limit` stored shards after `query.after` in (objectId, shardIndex) order, all of them or
   * those of one placement key (hex), one cursor step at a time.
   */
  private async walk (query: PageQuery, placementKeyHex: string | undefined, visit: (stored: StoredShard) => void): Promise<void> {
    const limit = pageLimit(query.limit)
    const after = query.after
    const shards = this.db.transaction('shards').store
    let seen = 0
    if (placementKeyHex === undefined) {
      const range = after === undefined ? undefined : IDBKeyRange.lowerBound([after.objectId, after.shardIndex], true)
      let cursor = await shards.openCursor(range)
      while (cursor !== null) {
        visit(cursor.value)
        if (++seen >= limit) return
        cursor = await cursor.continue()
      }
      return
    }
    // Entries of one index key come in primary-key order; jump to the cursor's position within them.
    let cursor = await shards.index('byPlacementKey').openCursor(IDBKeyRange.only(placementKeyHex))
    if (cursor !== null && after !== undefined && !isPastCursor(cursor.primaryKey, after)) {
      // continuePrimaryKey must move forward: from the cursor's own position, step once instead.
      if (indexedDB.cmp(cursor.primaryKey, [after.objectId, after.shardIndex]) < 0) {
        cursor = await cursor.continuePrimaryKey(placementKeyHex, [after.objectId, after.shardIndex])
      }
      if (cursor !== null && !isPastCursor(cursor.primaryKey, after)) cursor = await cursor.continue()
    }
    while (cursor !== null) {
      visit(cursor.value)
      if (++seen >= limit) return
      cursor = await cursor.continue()
    }
  }

  async delete (objectId: ObjectId, shardIndex?: ShardIndex): Promise<number> {
    this.assertOpen('delete')
    if (shardIndex === undefined) return await this.deleteWhere(shards => shards.openCursor(objectRange(objectId)))
    if (!isValidKey(objectId, shardIndex)) return 0
    return await this.deleteWhere(shards => shards.openCursor([objectId, shardIndex]))
  }

  async deleteByPlacementKey (placementKey: Uint8Array): Promise<number> {
    this.assertOpen('deleteByPlacementKey')
    return await this.deleteWhere(shards => shards.index('byPlacementKey').openCursor(bytesToHex(placementKey)))
  }

  async putTombstone (tombstone: Tombstone): Promise<void> {
    this.assertOpen('putTombstone')
    validateTombstone(tombstone)
    // `placementKey` is a plain field of the value (no index): tombstones stored before it was kept read without it.
    await this.db.put('tombstones', copyTombstone(tombstone))
  }

  async getTombstone (objectId: ObjectId): Promise<Tombstone | undefined> {
    this.assertOpen('getTombstone')
    if (typeof objectId !== 'string') return undefined
    const stored = await this.db.get('tombstones', objectId)
    return stored === undefined ? undefined : copyTombstone(stored as Tombstone)
  }

  async pageTombstones (query: TombstoneQuery): Promise<Tombstone[]> {
    this.assertOpen('pageTombstones')
    const range = query.after === undefined ? undefined : IDBKeyRange.lowerBound(query.after, true)
    const stored = await this.db.getAll('tombstones', range, pageLimit(query.limit))
    return stored.map(tombstone => copyTombstone(tombstone as Tombstone))
  }

  async purgeTombstones (before: number): Promise<number> {
    this.assertOpen('purgeTombstones')
    if (typeof before !== 'number' || Number.isNaN(before)) return 0
    const tx = this.db.transaction('tombstones', 'readwrite')
    const deletions: Array<Promise<void>> = []
    const older = IDBKeyRange.upperBound(before, true)
    for (let cursor = await tx.store.index('byDeletedAt').openCursor(older); cursor !== null; cursor = await cursor.continue()) {
      deletions.push(cursor.delete())
    }
    await Promise.all([...deletions, tx.done])
    return deletions.length
  }

  async stats (): Promise<ChunkStoreStats> {
    this.assertOpen('stats')
    const tx = this.db.transaction(['ownerUsage', 'nodeUsage'])
    const [node, owners] = await Promise.all([
      tx.objectStore('nodeUsage').get(NODE_USAGE_KEY),
      tx.objectStore('ownerUsage').count(),
      tx.done
    ])
    return {
      shards: node?.shards ?? 0,
      bytes: node?.bytes ?? 0,
      quotaBytes: this.limits.nodeQuotaBytes,
      ownerQuotaBytes: this.limits.ownerQuotaBytes,
      owners
    }
  }

  async usageOf (owner: string): Promise<number> {
    this.assertOpen('usageOf')
    if (typeof owner !== 'string') return 0
    return (await this.db.get('ownerUsage', owner))?.bytes ?? 0
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }

  /** Deletes what the cursor walks over and refunds usage, in one transaction. */
  private async deleteWhere (openCursor: (shards: ShardsStore) => Promise<DeletingCursor | null>): Promise<number> {
    const tx = this.db.transaction(ALL_STORES, 'readwrite')
    const changes = new UsageChanges()
    const deletions: Array<Promise<void>> = []
    for (let cursor = await openCursor(tx.objectStore('shards')); cursor !== null; cursor = await cursor.continue()) {
      changes.add(cursor.value.owner, -chargedBytes(cursor.value), -1)
      deletions.push(cursor.delete())
    }
    await Promise.all([...deletions, changes.apply(tx.objectStore('ownerUsage'), tx.objectStore('nodeUsage')), tx.done])
    return deletions.length
  }

  private assertOpen (operation: string): void {
    if (this.closed) throw new StoreClosedError(operation)
  }
}

/** Net usage changes of one transaction, applied to the counter stores at the end of it. */
class UsageChanges {
  private readonly byOwner = new Map<string, Usage>()
  private readonly node: Usage = { bytes: 0, shards: 0 }

  add (owner: string, bytes: number, shards: number): void {
    const change = this.byOwner.get(owner) ?? { bytes: 0, shards: 0 }
    change.bytes += bytes
    change.shards += shards
    this.byOwner.set(owner, change)
    this.node.bytes += bytes
    this.node.shards += shards
  }

  async apply (
    ownerUsage: IDBPObjectStore<ChunkStoreSchema, ReadWriteStores, 'ownerUsage', 'readwrite'>,
    nodeUsage: IDBPObjectStore<ChunkStoreSchema, ReadWriteStores, 'nodeUsage', 'readwrite'>
  ): Promise<void> {
    if (this.byOwner.size === 0) return
    const updates = [...this.byOwner].map(async ([owner, change]) => {
      const current = await ownerUsage.get(owner) ?? { owner, bytes: 0, shards: 0 }
      const shards = current.shards + change.shards
      // An owner leaves the table with its last shard, so `owners` counts owners actually present.
      if (shards === 0) await ownerUsage.delete(owner)
      else await ownerUsage.put({ owner, bytes: current.bytes + change.bytes, shards })
    })
    const node = await nodeUsage.get(NODE_USAGE_KEY) ?? { bytes: 0, shards: 0 }
    await Promise.all([
      ...updates,
      nodeUsage.put({ bytes: node.bytes + this.node.bytes, shards: node.shards + this.node.shards }, NODE_USAGE_KEY)
    ])
  }
}

/** True when an IndexedDB primary key [objectId, shardIndex] is after the cursor position. */
function isPastCursor (primaryKey: IDBValidKey, after: ShardCursor): boolean {
  return indexedDB.cmp(primaryKey, [after.objectId, after.shardIndex]) > 0
}

function objectRange (objectId: string): IDBKeyRange {
  return IDBKeyRange.bound([objectId, 0], [objectId, Infinity])
}

/** Guards IDB calls: a malformed key would throw a DataError instead of finding nothing. */
function isValidKey (objectId: unknown, shardIndex: unknown): boolean {
  return typeof objectId === 'string' && typeof shardIndex === 'number' && !Number.isNaN(shardIndex)
}

function toStored (record: ShardRecord): StoredShard {
  // Copies own exactly their bytes: structured clone of a subarray would persist its whole underlying buffer.
  return {
    ...record,
    placementKey: copyBytes(record.placementKey),
    placementKeyHex: bytesToHex(record.placementKey),
    data: copyBytes(record.data),
    shardHash: copyBytes(record.shardHash),
    manifest: copyBytes(record.manifest),
    ...copyShardProof(record)
  }
}

function toRecord (stored: StoredShard): ShardRecord {
  const { placementKeyHex: _, ...record } = stored
  return { ...record, objectId: record.objectId as ObjectId, shardIndex: record.shardIndex as ShardIndex }
}

function hexToBytes (hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}
