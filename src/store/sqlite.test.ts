import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { runChunkStoreConformance, testObjectId, testRecord, testTombstone } from '../testing/store-conformance.ts'
import { UnsupportedStoreVersionError } from './errors.ts'
import { SQLITE_SCHEMA_VERSION, SqliteChunkStore } from './sqlite.ts'
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
      expect(columns).toEqual(['placement_key', 'user_addr', 'object_id', 'chunk_id', 'data', 'shard_hash', 'manifest', 'stored_at', 'size'])
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
      expect(columns).toEqual(['object_id', 'user_addr', 'deleted_at', 'signature'])
      expect(raw.prepare('SELECT deleted_at FROM tombstones').pluck().all()).toEqual([1_700_000_123_456])
    } finally {
      raw.close()
    }

    const reopened = new SqliteChunkStore(path)
    expect(await reopened.getTombstone(testObjectId(3))).toEqual(tombstone)
    await reopened.close()
  })

  it('upgrades a schema-1 database (shards only) in place, keeping its shards and usage', async () => {
    const path = nextPath()
    const old = new SqliteChunkStore(path)
    const record = testRecord({ size: 300 })
    await old.put(record)
    const stats = await old.stats()
    await old.close()
    const raw = new Database(path) // back to what a schema-1 build wrote
    raw.exec('DROP TABLE tombstones')
    raw.pragma('user_version = 1')
    raw.close()

    const upgraded = new SqliteChunkStore(path)
    expect(await upgraded.get(testObjectId(1), 0 as ShardIndex)).toEqual(record)
    expect(await upgraded.stats()).toEqual(stats)
    await upgraded.putTombstone(testTombstone({ object: 2 }))
    expect(await upgraded.getTombstone(testObjectId(2))).toEqual(testTombstone({ object: 2 }))
    await upgraded.close()
    const check = new Database(path, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION)
    check.close()
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
