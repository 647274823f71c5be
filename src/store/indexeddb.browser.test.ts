// Runs in real Chromium (Vitest browser mode, see vitest.config.ts).
import { openDB } from 'idb'
import { afterEach, describe, expect, it } from 'vitest'
import { runChunkStoreConformance, testObjectId, testRecord, testTombstone } from '../testing/store-conformance.ts'
import { bytesToHex, chargedBytes } from './records.ts'
import { UnsupportedStoreVersionError } from './errors.ts'
import { INDEXEDDB_SCHEMA_VERSION, IndexedDbChunkStore, browserStorageGrant, browserStorageQuota, requestPersistentStorage } from './indexeddb.ts'
import { runTombstoneConformance } from '../testing/tombstone-conformance.ts'
import type { ShardIndex } from '../types/index.ts'

// A unique database per store, deleted after each test, so tests neither share nor leave data behind.
const created: string[] = []
let databases = 0
const nextName = (): string => `zentalk-test-node-${Date.now()}-${databases++}`
afterEach(async () => {
  await Promise.all(created.splice(0).map(async name => await IndexedDbChunkStore.destroy(name)))
})

async function openStore (name: string, limits = {}): Promise<IndexedDbChunkStore> {
  if (!created.includes(name)) created.push(name)
  return await IndexedDbChunkStore.open(name, limits)
}

runChunkStoreConformance('IndexedDbChunkStore', async limits => await openStore(nextName(), limits), {
  reopen: async closed => {
    const { name, limits } = closed as IndexedDbChunkStore
    return await openStore(name, limits)
  }
})

runTombstoneConformance('IndexedDbChunkStore', async () => await openStore(nextName()), {
  reopen: async closed => await openStore((closed as IndexedDbChunkStore).name, (closed as IndexedDbChunkStore).limits)
})

describe('IndexedDbChunkStore in the browser', () => {
  it('keeps shards in the named database, which other code can see', async () => {
    const name = nextName()
    const store = await openStore(name)
    await store.put(testRecord())
    await store.close()
    const names = (await indexedDB.databases()).map(db => db.name)
    expect(names).toContain(name)
    const reopened = await openStore(name)
    expect(await reopened.get(testObjectId(1), 0 as ShardIndex)).toEqual(testRecord())
    await reopened.close()
  })

  it('upgrades a schema-1 database (shards only), keeping its shards and usage, and then keeps tombstones', async () => {
    const name = nextName()
    created.push(name)
    const record = testRecord({ size: 300 })
    const bytes = chargedBytes(record)
    // What a schema-1 build created and wrote.
    const old = await openDB(name, 1, {
      upgrade (db) {
        const shards = db.createObjectStore('shards', { keyPath: ['objectId', 'shardIndex'] })
        shards.createIndex('byPlacementKey', 'placementKeyHex')
        shards.createIndex('byOwner', 'owner')
        shards.createIndex('summary', ['objectId', 'shardIndex', 'placementKeyHex', 'owner', 'size', 'storedAt'])
        db.createObjectStore('ownerUsage', { keyPath: 'owner' })
        db.createObjectStore('nodeUsage')
      }
    })
    await old.put('shards', { ...record, placementKeyHex: bytesToHex(record.placementKey) })
    await old.put('ownerUsage', { owner: record.owner, bytes, shards: 1 })
    await old.put('nodeUsage', { bytes, shards: 1 }, 'node')
    old.close()

    const store = await openStore(name)
    expect(await store.get(testObjectId(1), 0 as ShardIndex)).toEqual(record)
    expect(await store.stats()).toMatchObject({ shards: 1, bytes, owners: 1 })
    expect(await store.listShardKeys()).toHaveLength(1)
    await store.putTombstone(testTombstone({ object: 2 }))
    await store.close()
    const reopened = await openStore(name)
    expect(await reopened.getTombstone(testObjectId(2))).toEqual(testTombstone({ object: 2 }))
    await reopened.close()
  })

  it('refuses a database from a newer schema version', async () => {
    const name = nextName()
    created.push(name)
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(name, INDEXEDDB_SCHEMA_VERSION + 1)
      request.onsuccess = () => { request.result.close(); resolve() }
      request.onerror = () => reject(request.error)
    })
    await expect(IndexedDbChunkStore.open(name)).rejects.toThrow(UnsupportedStoreVersionError)
  })

  it('closes itself rather than block another tab deleting its database', async () => {
    const name = nextName()
    const store = await openStore(name)
    await IndexedDbChunkStore.destroy(name)
    await expect(store.stats()).rejects.toThrow('closed')
  })

  it('derives a node quota from the browser storage estimate', async () => {
    const { quota = 0 } = await navigator.storage.estimate()
    expect(quota).toBeGreaterThan(0)
    // The estimate follows free disk space, so allow it to move a little between calls.
    expect(Math.abs(await browserStorageQuota() - quota * 0.5)).toBeLessThan(quota * 0.01)
    expect(Math.abs(await browserStorageQuota(0.1) - quota * 0.1)).toBeLessThan(quota * 0.01)
    await expect(browserStorageQuota(0)).rejects.toThrow('fraction')
  })

  it('returns the quota share with the browser\'s own answer on persistent storage', async () => {
    const { quota = 0 } = await navigator.storage.estimate()
    const grant = await browserStorageGrant(0.5)
    expect(Math.abs(grant.quotaBytes - quota * 0.5)).toBeLessThan(quota * 0.01)
    // Whatever this Chromium decides (it grants persistence by site engagement), what a tab announces is what it has.
    expect(grant.persisted).toBe(await navigator.storage.persisted())
    expect(await requestPersistentStorage()).toBe(grant.persisted)
  })
})
