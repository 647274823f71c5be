import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { runChunkStoreConformance, testObjectId, testRecord, testTombstone } from '../testing/store-conformance.ts'
import { UnsupportedStoreVersionError } from './errors.ts'
import { chargedBytes } from './records.ts'
import { SQLITE_SCHEMA_VERSION, SqliteChunkStore, migrateChunkDatabase } from './sqlite.ts'
import { keyedTombstone, runTombstoneConformance } from '../testing/tombstone-conformance.ts'
import type { ShardIndex } from '../types/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'zentalk-sqlite-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const nextPath = (): string => join(dir, `node-${files++}`, 'chunks.sqlite')

runChunkStoreConformance('SqliteChunkStore (file)', async limits => new SqliteChunkStore(nextPath(), limits), {
  reopen: async closed => {
    const { path, limits } = closed as SqliteChunkStore
    return new SqliteChunkStore(path, limits)
  }
})

runChunkStoreConformance('SqliteChunkStore (:memory:)', async limits => new SqliteChunkStore(':memory:', limits))

runTombstoneConformance('SqliteChunkStore (file)', async () => new SqliteChunkStore(nextPath()), {
  reopen: async closed => new SqliteChunkStore((closed as SqliteChunkStore).path)
})

describe('SqliteChunkStore on disk', () => {
  it('uses WAL, the chunks schema, and user_version, and a shard survives a new process-like reopen', async () => {
    const path = nextPath()
    const store = new SqliteChunkStore(path)
    const record = testRecord({ size: 4096 })
    await store.put(record)
    await store.close()

    const raw = new Database(path, { readonly: true })
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(raw.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION)
      const columns = raw.prepare('SELECT name FROM pragma_table_info(\'chunks\')').pluck().all()
      expect(columns).toEqual(['placement_key', 'user_addr', 'object_id', 'chunk_id', 'data', 'shard_hash', 'manifest', 'stored_at', 'size', 'shard_proof'])
      const indexed = raw.prepare('SELECT name FROM pragma_index_list(\'chunks\') WHERE origin = \'c\' ORDER BY name').pluck().all()
      expect(indexed).toEqual(['chunks_by_owner', 'chunks_by_placement_key'])
      expect(raw.prepare('SELECT length(data) FROM chunks').pluck().get()).toBe(4096)
    } finally {
      raw.close()
    }

    const reopened = new SqliteChunkStore(path)
    expect(await reopened.get(testObjectId(1), 0 as ShardIndex)).toEqual(record)
    await reopened.close()
  })

  it('keeps a tombstone in its own table, and it survives reopening the file', async () => {
    const path = nextPath()
    const store = new SqliteChunkStore(path)
    const tombstone = testTombstone({ object: 3, deletedAt: 1_700_000_123_456 })
    await store.putTombstone(tombstone)
    await store.close()

    const raw = new Database(path, { readonly: true })
    try {
      const columns = raw.prepare('SELECT name FROM pragma_table_info(\'tombstones\')').pluck().all()
      expect(columns).toEqual(['object_id', 'user_addr', 'deleted_at', 'signature', 'placement_key'])
      expect(raw.prepare('SELECT deleted_at FROM tombstones').pluck().all()).toEqual([1_700_000_123_456])
    } finally {
      raw.close()
    }

    const reopened = new SqliteChunkStore(path)
    expect(await reopened.getTombstone(testObjectId(3))).toEqual(tombstone)
    await reopened.close()
  })

  /** A database as a build of schema `version` left it, holding `record` (written as that build's SQL did). */
  const oldDatabase = (version: number, record: ReturnType<typeof testRecord>): string => {
    const path = nextPath()
    mkdirSync(dirname(path), { recursive: true })
    const raw = new Database(path)
    migrateChunkDatabase(raw, version)
    raw.prepare('INSERT INTO chunks (placement_key, user_addr, object_id, chunk_id, data, shard_hash, manifest, stored_at, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(record.placementKey, record.owner, record.objectId, record.shardIndex, record.data, record.shardHash, record.manifest, record.storedAt, record.size)
    raw.close()
    return path
  }

  it('upgrades a schema-1 database (shards only) in place, keeping its shards and usage', async () => {
    const record = testRecord({ size: 300 })
    const path = oldDatabase(1, record)

    const upgraded = new SqliteChunkStore(path)
    expect(await upgraded.get(testObjectId(1), 0 as ShardIndex)).toEqual(record)
    expect(await upgraded.stats()).toMatchObject({ shards: 1, bytes: chargedBytes(record), owners: 1 })
    await upgraded.putTombstone(testTombstone({ object: 2 }))
    expect(await upgraded.getTombstone(testObjectId(2))).toEqual(testTombstone({ object: 2 }))
    await upgraded.close()
    const check = new Database(path, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION)
    check.close()
  })

  it('upgrades a schema-2 database (no shard proofs): its records read as version-1 shards, charges stay right', async () => {
    const record = testRecord({ size: 300 })
    const path = oldDatabase(2, record)
    const upgraded = new SqliteChunkStore(path)
    const read = await upgraded.get(testObjectId(1), 0 as ShardIndex)
    expect(read).toEqual(record)
    expect(read).not.toHaveProperty('shardProof')
    expect(await upgraded.stats()).toMatchObject({ shards: 1, bytes: chargedBytes(record) })
    const withProof = testRecord({ object: 2, size: 30, shardProof: new Uint8Array(128).fill(3) })
    await upgraded.put(withProof)
    expect(await upgraded.stats()).toMatchObject({ shards: 2, bytes: chargedBytes(record) + 30 + 120 + 128 })
    await upgraded.delete(testObjectId(1))
    expect(await upgraded.stats()).toMatchObject({ shards: 1, bytes: chargedBytes(withProof) })
    expect(await upgraded.get(testObjectId(2), 0 as ShardIndex)).toEqual(withProof)
    await upgraded.close()
  })

  it('upgrades a schema-3 database: its tombstones keep barring their objects, read without a placement key', async () => {
    const record = testRecord({ size: 300 })
    const path = oldDatabase(3, record)
    const raw = new Database(path)
    const old = testTombstone({ object: 4, deletedAt: 1_700_000_000_004 })
    raw.prepare('INSERT INTO tombstones (object_id, user_addr, deleted_at, signature) VALUES (?, ?, ?, ?)')
      .run(old.objectId, old.owner, old.deletedAt, old.signature)
    raw.close()
    const upgraded = new SqliteChunkStore(path)
    expect(await upgraded.getTombstone(testObjectId(4))).toEqual(old)
    await upgraded.putTombstone(keyedTombstone(5))
    expect(await upgraded.pageTombstones({ limit: 5 })).toEqual([old, keyedTombstone(5)])
    expect(await upgraded.get(testObjectId(1), 0 as ShardIndex)).toEqual(record)
    await upgraded.close()
  })

  it('refuses a database written by a newer schema and leaves it untouched', async () => {
    const path = nextPath()
    await new SqliteChunkStore(path).close()
    const raw = new Database(path)
    raw.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`)
    raw.close()
    expect(() => new SqliteChunkStore(path)).toThrow(UnsupportedStoreVersionError)
    const check = new Database(path, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION + 1)
    check.close()
  })
})
