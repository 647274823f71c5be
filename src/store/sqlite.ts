// Node-only: imports better-sqlite3. Never re-export this file from index.ts; the browser bundle must not see it.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { ObjectId, ShardIndex } from '../types/index.ts'
import { StoreClosedError, UnsupportedStoreVersionError } from './errors.ts'
import { checkQuota, pageLimit, resolveLimits, validateRecord, validateTombstone } from './records.ts'
import type { ChunkStore, ChunkStoreLimits, ChunkStoreStats, PageQuery, ShardListing, ShardRecord, ShardSummary, Tombstone, TombstoneQuery } from './types.ts'

/**
 * Schema migrations; entry i takes `PRAGMA user_version` from i to i + 1. Append, never edit a released one.
 * Usage counters are kept by triggers, so they stay right whoever edits `chunks` (even an operator's sqlite3
 * shell) and quota checks do not scan the table.
 */
const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  db => db.exec(`
    CREATE TABLE chunks (
      placement_key BLOB NOT NULL,
      user_addr TEXT NOT NULL,
      object_id TEXT NOT NULL,
      chunk_id INTEGER NOT NULL,
      data BLOB NOT NULL,
      shard_hash BLOB NOT NULL,
      manifest BLOB NOT NULL,
      stored_at INTEGER NOT NULL,
      size INTEGER NOT NULL,
      PRIMARY KEY (object_id, chunk_id)
    );
    -- (placement_key, object_id, chunk_id) also serves FETCH's ORDER BY without a sort
    CREATE INDEX chunks_by_placement_key ON chunks (placement_key, object_id, chunk_id);
    CREATE INDEX chunks_by_owner ON chunks (user_addr);
    CREATE TABLE owner_usage (
      user_addr TEXT PRIMARY KEY,
      bytes INTEGER NOT NULL,
      shards INTEGER NOT NULL
    );
    CREATE TRIGGER chunks_charge AFTER INSERT ON chunks BEGIN
      -- not INSERT OR IGNORE: the conflict policy of the statement firing a trigger overrides the trigger's own
      INSERT INTO owner_usage (user_addr, bytes, shards) SELECT NEW.user_addr, 0, 0
        WHERE NOT EXISTS (SELECT 1 FROM owner_usage WHERE user_addr = NEW.user_addr);
      UPDATE owner_usage SET bytes = bytes + NEW.size + length(NEW.manifest), shards = shards + 1
        WHERE user_addr = NEW.user_addr;
    END;
    CREATE TRIGGER chunks_refund AFTER DELETE ON chunks BEGIN
      UPDATE owner_usage SET bytes = bytes - OLD.size - length(OLD.manifest), shards = shards - 1
        WHERE user_addr = OLD.user_addr;
      DELETE FROM owner_usage WHERE user_addr = OLD.user_addr AND shards = 0;
    END;
    CREATE TRIGGER chunks_recharge AFTER UPDATE ON chunks BEGIN
      UPDATE owner_usage SET bytes = bytes - OLD.size - length(OLD.manifest), shards = shards - 1
        WHERE user_addr = OLD.user_addr;
      DELETE FROM owner_usage WHERE user_addr = OLD.user_addr AND shards = 0;
      -- not INSERT OR IGNORE: the conflict policy of the statement firing a trigger overrides the trigger's own
      INSERT INTO owner_usage (user_addr, bytes, shards) SELECT NEW.user_addr, 0, 0
        WHERE NOT EXISTS (SELECT 1 FROM owner_usage WHERE user_addr = NEW.user_addr);
      UPDATE owner_usage SET bytes = bytes + NEW.size + length(NEW.manifest), shards = shards + 1
        WHERE user_addr = NEW.user_addr;
    END;
  `),
  // Signed tombstones of deleted objects; the index serves the retention purge.
  db => db.exec(`
    CREATE TABLE tombstones (
      object_id TEXT PRIMARY KEY,
      user_addr TEXT NOT NULL,
      deleted_at INTEGER NOT NULL,
      signature BLOB NOT NULL
    );
    CREATE INDEX tombstones_by_deleted_at ON tombstones (deleted_at);
  `),
  // Shard proofs of version-2 manifests (NULL for version-1 shards, so rows written before keep their meaning and
  // their charge); the triggers charge the proof with the shard.
  db => db.exec(`
    ALTER TABLE chunks ADD COLUMN shard_proof BLOB;
    DROP TRIGGER chunks_charge;
    DROP TRIGGER chunks_refund;
    DROP TRIGGER chunks_recharge;
    CREATE TRIGGER chunks_charge AFTER INSERT ON chunks BEGIN
      INSERT INTO owner_usage (user_addr, bytes, shards) SELECT NEW.user_addr, 0, 0
        WHERE NOT EXISTS (SELECT 1 FROM owner_usage WHERE user_addr = NEW.user_addr);
      UPDATE owner_usage SET bytes = bytes + NEW.size + length(NEW.manifest) + ifnull(length(NEW.shard_proof), 0), shards = shards + 1
        WHERE user_addr = NEW.user_addr;
    END;
    CREATE TRIGGER chunks_refund AFTER DELETE ON chunks BEGIN
      UPDATE owner_usage SET bytes = bytes - OLD.size - length(OLD.manifest) - ifnull(length(OLD.shard_proof), 0), shards = shards - 1
        WHERE user_addr = OLD.user_addr;
      DELETE FROM owner_usage WHERE user_addr = OLD.user_addr AND shards = 0;
    END;
    CREATE TRIGGER chunks_recharge AFTER UPDATE ON chunks BEGIN
      UPDATE owner_usage SET bytes = bytes - OLD.size - length(OLD.manifest) - ifnull(length(OLD.shard_proof), 0), shards = shards - 1
        WHERE user_addr = OLD.user_addr;
      DELETE FROM owner_usage WHERE user_addr = OLD.user_addr AND shards = 0;
      INSERT INTO owner_usage (user_addr, bytes, shards) SELECT NEW.user_addr, 0, 0
        WHERE NOT EXISTS (SELECT 1 FROM owner_usage WHERE user_addr = NEW.user_addr);
      UPDATE owner_usage SET bytes = bytes + NEW.size + length(NEW.manifest) + ifnull(length(NEW.shard_proof), 0), shards = shards + 1
        WHERE user_addr = NEW.user_addr;
    END;
  `),
  // The placement key of a tombstone's object, so its holder can pass the signed delete on to co-holders that missed
  // it (NULL for tombstones written before: those are kept, and not passed on).
  db => db.exec(`
    ALTER TABLE tombstones ADD COLUMN placement_key BLOB;
  `)
]

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length

/**
 * Brings a database to `SQLITE_SCHEMA_VERSION` (tests may stop at an older `target`), one transaction per step;
 * refuses a newer schema.
 */
export function migrateChunkDatabase (db: Database.Database, target = SQLITE_SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new UnsupportedStoreVersionError(`chunk database ${db.name} has schema version ${current}, newer than ` +
      `${SQLITE_SCHEMA_VERSION} which this build understands; upgrade ZenTalk or use another database file`)
  }
  for (let version = current; version < Math.min(target, SQLITE_SCHEMA_VERSION); version++) {
    db.transaction(() => {
      MIGRATIONS[version](db)
      db.pragma(`user_version = ${version + 1}`)
    }).immediate()
  }
}

const RECORD_COLUMNS = 'placement_key, user_addr, object_id, chunk_id, data, shard_hash, manifest, stored_at, size, shard_proof'
const TOMBSTONE_COLUMNS = 'object_id, user_addr, deleted_at, signature, placement_key'
const SUMMARY_COLUMNS = 'placement_key, user_addr, object_id, chunk_id, stored_at, size'

interface SummaryRow {
  placement_key: Buffer
  user_addr: string
  object_id: string
  chunk_id: number
  stored_at: number
  size: number
}
interface TombstoneRow {
  object_id: string
  user_addr: string
  deleted_at: number
  signature: Buffer
  placement_key: Buffer | null
}
interface ListingRow extends SummaryRow {
  shard_hash: Buffer
}
interface RecordRow extends SummaryRow {
  data: Buffer
  shard_hash: Buffer
  manifest: Buffer
  shard_proof: Buffer | null
}

/** `ChunkStore` of a headless Node storage node: one SQLite file (or ':memory:'), WAL journal. */
export class SqliteChunkStore implements ChunkStore {
  readonly path: string
  readonly limits: ChunkStoreLimits
  private readonly db: Database.Database
  private readonly putInTransaction: (record: ShardRecord) => void
  private readonly statements
  private closed = false

  constructor (path: string, limits: Partial<ChunkStoreLimits> = {}) {
    this.path = path
    this.limits = resolveLimits(limits)
    if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    try {
      this.db.pragma('journal_mode = WAL')
      // synchronous stays FULL (the default): a stored shard is acknowledged to its owner, so a commit must survive power loss.
      migrateChunkDatabase(this.db)
    } catch (err) {
      this.db.close()
      throw err
    }
    const db = this.db
    this.statements = {
      get: db.prepare<[string, number], RecordRow>(`SELECT ${RECORD_COLUMNS} FROM chunks WHERE object_id = ? AND chunk_id = ?`),
      byPlacementKey: db.prepare<[Uint8Array], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM chunks WHERE placement_key = ? ORDER BY object_id, chunk_id`),
      byObject: db.prepare<[string], RecordRow>(`SELECT ${RECORD_COLUMNS} FROM chunks WHERE object_id = ? ORDER BY chunk_id`),
      summaries: db.prepare<[], SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM chunks ORDER BY object_id, chunk_id`),
      // Pages: `(object_id, chunk_id) > (after)`, spelled out so the indexes serve both the range and the order.
      pageByPlacementKey: db.prepare<[Uint8Array, string, string, number, number], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM chunks WHERE placement_key = ? AND (object_id > ? OR (object_id = ? AND chunk_id > ?))
         ORDER BY object_id, chunk_id LIMIT ?`),
      pageListings: db.prepare<[string, string, number, number], ListingRow>(
        `SELECT ${SUMMARY_COLUMNS}, shard_hash FROM chunks WHERE object_id > ? OR (object_id = ? AND chunk_id > ?)
         ORDER BY object_id, chunk_id LIMIT ?`),
      pageListingsByPlacementKey: db.prepare<[Uint8Array, string, string, number, number], ListingRow>(
        `SELECT ${SUMMARY_COLUMNS}, shard_hash FROM chunks WHERE placement_key = ? AND (object_id > ? OR (object_id = ? AND chunk_id > ?))
         ORDER BY object_id, chunk_id LIMIT ?`),
      previous: db.prepare<[string, number], { owner: string, bytes: number }>(
        'SELECT user_addr AS owner, size + length(manifest) + ifnull(length(shard_proof), 0) AS bytes FROM chunks WHERE object_id = ? AND chunk_id = ?'),
      ownerBytes: db.prepare<[string], number>('SELECT bytes FROM owner_usage WHERE user_addr = ?').pluck(),
      totals: db.prepare<[], { bytes: number, shards: number, owners: number }>(
        'SELECT coalesce(sum(bytes), 0) AS bytes, coalesce(sum(shards), 0) AS shards, count(*) AS owners FROM owner_usage'),
      upsert: db.prepare<[Uint8Array, string, string, number, Uint8Array, Uint8Array, Uint8Array, number, number, Uint8Array | null]>(
        `INSERT INTO chunks (${RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (object_id, chunk_id) DO UPDATE SET placement_key = excluded.placement_key,
           user_addr = excluded.user_addr, data = excluded.data, shard_hash = excluded.shard_hash,
           manifest = excluded.manifest, stored_at = excluded.stored_at, size = excluded.size, shard_proof = excluded.shard_proof`),
      deleteShard: db.prepare<[string, number]>('DELETE FROM chunks WHERE object_id = ? AND chunk_id = ?'),
      deleteObject: db.prepare<[string]>('DELETE FROM chunks WHERE object_id = ?'),
      deleteByPlacementKey: db.prepare<[Uint8Array]>('DELETE FROM chunks WHERE placement_key = ?'),
      putTombstone: db.prepare<[string, string, number, Uint8Array, Uint8Array | null]>(
        `INSERT OR REPLACE INTO tombstones (${TOMBSTONE_COLUMNS}) VALUES (?, ?, ?, ?, ?)`),
      getTombstone: db.prepare<[string], TombstoneRow>(
        `SELECT ${TOMBSTONE_COLUMNS} FROM tombstones WHERE object_id = ?`),
      pageTombstones: db.prepare<[string, number], TombstoneRow>(
        `SELECT ${TOMBSTONE_COLUMNS} FROM tombstones WHERE object_id > ? ORDER BY object_id LIMIT ?`),
      purgeTombstones: db.prepare<[number]>('DELETE FROM tombstones WHERE deleted_at < ?')
    }
    // Quota check and write in one IMMEDIATE transaction, so a concurrent writer cannot slip in between.
    const put = db.transaction((record: ShardRecord) => {
      const { statements: s, limits } = this
      checkQuota({
        limits,
        record,
        previous: s.previous.get(record.objectId, record.shardIndex),
        nodeBytes: s.totals.get()?.bytes ?? 0,
        ownerBytes: s.ownerBytes.get(record.owner) ?? 0
      })
      s.upsert.run(record.placementKey, record.owner, record.objectId, record.shardIndex, record.data,
        record.shardHash, record.manifest, record.storedAt, record.size, record.shardProof ?? null)
    })
    this.putInTransaction = put.immediate
  }

  async put (record: ShardRecord): Promise<void> {
    this.assertOpen('put')
    validateRecord(record)
    this.putInTransaction(record)
  }

  async get (objectId: ObjectId, shardIndex: ShardIndex): Promise<ShardRecord | undefined> {
    this.assertOpen('get')
    const row = this.statements.get.get(objectId, shardIndex)
    return row === undefined ? undefined : toRecord(row)
  }

  async listByPlacementKey (placementKey: Uint8Array): Promise<ShardRecord[]> {
    this.assertOpen('listByPlacementKey')
    return this.statements.byPlacementKey.all(placementKey).map(toRecord)
  }

  async listObjectShards (objectId: ObjectId): Promise<ShardRecord[]> {
    this.assertOpen('listObjectShards')
    return this.statements.byObject.all(objectId).map(toRecord)
  }

  async listShardKeys (): Promise<ShardSummary[]> {
    this.assertOpen('listShardKeys')
    return this.statements.summaries.all().map(toSummary)
  }

  async pageByPlacementKey (placementKey: Uint8Array, query: PageQuery): Promise<ShardRecord[]> {
    this.assertOpen('pageByPlacementKey')
    const { objectId, shardIndex } = query.after ?? { objectId: '', shardIndex: -1 }
    return this.statements.pageByPlacementKey.all(placementKey, objectId, objectId, shardIndex, pageLimit(query.limit)).map(toRecord)
  }

  async pageListings (query: PageQuery & { placementKey?: Uint8Array }): Promise<ShardListing[]> {
    this.assertOpen('pageListings')
    const { objectId, shardIndex } = query.after ?? { objectId: '', shardIndex: -1 }
    const limit = pageLimit(query.limit)
    const rows = query.placementKey === undefined
      ? this.statements.pageListings.all(objectId, objectId, shardIndex, limit)
      : this.statements.pageListingsByPlacementKey.all(query.placementKey, objectId, objectId, shardIndex, limit)
    return rows.map(row => ({ ...toSummary(row), shardHash: new Uint8Array(row.shard_hash) }))
  }

  async delete (objectId: ObjectId, shardIndex?: ShardIndex): Promise<number> {
    this.assertOpen('delete')
    const result = shardIndex === undefined
      ? this.statements.deleteObject.run(objectId)
      : this.statements.deleteShard.run(objectId, shardIndex)
    return result.changes
  }

  async deleteByPlacementKey (placementKey: Uint8Array): Promise<number> {
    this.assertOpen('deleteByPlacementKey')
    return this.statements.deleteByPlacementKey.run(placementKey).changes
  }

  async putTombstone (tombstone: Tombstone): Promise<void> {
    this.assertOpen('putTombstone')
    validateTombstone(tombstone)
    const { objectId, owner, deletedAt, signature, placementKey } = tombstone
    this.statements.putTombstone.run(objectId, owner, deletedAt, signature, placementKey ?? null)
  }

  async getTombstone (objectId: ObjectId): Promise<Tombstone | undefined> {
    this.assertOpen('getTombstone')
    const row = this.statements.getTombstone.get(objectId)
    return row === undefined ? undefined : toTombstone(row)
  }

  async purgeTombstones (before: number): Promise<number> {
    this.assertOpen('purgeTombstones')
    return this.statements.purgeTombstones.run(before).changes
  }

  async pageTombstones (query: TombstoneQuery): Promise<Tombstone[]> {
    this.assertOpen('pageTombstones')
    return this.statements.pageTombstones.all(query.after ?? '', pageLimit(query.limit)).map(toTombstone)
  }

  async stats (): Promise<ChunkStoreStats> {
    this.assertOpen('stats')
    const totals = this.statements.totals.get() ?? { bytes: 0, shards: 0, owners: 0 }
    return { ...totals, quotaBytes: this.limits.nodeQuotaBytes, ownerQuotaBytes: this.limits.ownerQuotaBytes }
  }

  async usageOf (owner: string): Promise<number> {
    this.assertOpen('usageOf')
    return this.statements.ownerBytes.get(owner) ?? 0
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }

  private assertOpen (operation: string): void {
    if (this.closed) throw new StoreClosedError(operation)
  }
}

// better-sqlite3 returns Buffers; hand out plain Uint8Arrays that own their bytes, like the other adapters.
function toSummary (row: SummaryRow): ShardSummary {
  return {
    objectId: row.object_id as ObjectId,
    shardIndex: row.chunk_id as ShardIndex,
    placementKey: new Uint8Array(row.placement_key),
    owner: row.user_addr,
    size: row.size,
    storedAt: row.stored_at
  }
}

function toRecord (row: RecordRow): ShardRecord {
  return {
    ...toSummary(row),
    data: new Uint8Array(row.data),
    shardHash: new Uint8Array(row.shard_hash),
    manifest: new Uint8Array(row.manifest),
    ...(row.shard_proof === null ? {} : { shardProof: new Uint8Array(row.shard_proof) })
  }
}

function toTombstone (row: TombstoneRow): Tombstone {
  return {
    objectId: row.object_id as ObjectId,
    owner: row.user_addr,
    deletedAt: row.deleted_at,
    signature: new Uint8Array(row.signature),
    ...(row.placement_key === null ? {} : { placementKey: new Uint8Array(row.placement_key) })
  }
}
