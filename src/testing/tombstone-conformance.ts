/**
 * Test support (imported by the adapters' tests only): what every `ChunkStore` must do with a tombstone's placement
 * key and with tombstone pages, on top of the shared conformance suite (store-conformance.ts).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidRecordError, type ChunkStore, type Tombstone } from '../store/index.ts'
import { seededBytes, testObjectId, testTombstone } from './store-conformance.ts'

export interface TombstoneConformanceOptions {
  /** Opens the same storage again after `close()` (persistent adapters only). */
  reopen?: (closed: ChunkStore) => Promise<ChunkStore>
}

/** A tombstone with the placement key its object was held under. */
export function keyedTombstone (object: number, deletedAt = 1_700_000_000_000): Tombstone {
  return { ...testTombstone({ object, deletedAt }), placementKey: seededBytes(32, 500 + object) }
}

export function runTombstoneConformance (name: string, makeStore: () => Promise<ChunkStore>, options: TombstoneConformanceOptions = {}): void {
  describe(`ChunkStore tombstone pages and placement keys: ${name}`, () => {
    const open: ChunkStore[] = []
    const fresh = async (): Promise<ChunkStore> => {
      const store = await makeStore()
      open.push(store)
      return store
    }
    afterEach(async () => { await Promise.all(open.splice(0).map(async store => { await store.close() })) })

    it('keeps a tombstone\'s placement key as its own copy, and a tombstone without one reads back without the key', async () => {
      const store = await fresh()
      const keyed = keyedTombstone(1)
      const expected = structuredClone(keyed)
      await store.putTombstone(keyed)
      keyed.placementKey!.fill(0)
      const read = await store.getTombstone(testObjectId(1))
      expect(read).toEqual(expected)
      read!.placementKey!.fill(9)
      expect(await store.getTombstone(testObjectId(1))).toEqual(expected)
      await store.putTombstone(testTombstone({ object: 2 }))
      expect(await store.getTombstone(testObjectId(2))).not.toHaveProperty('placementKey')
    })

    it('rejects a tombstone whose placement key is not 32 bytes, and keeps nothing', async () => {
      const store = await fresh()
      await expect(store.putTombstone({ ...keyedTombstone(3), placementKey: new Uint8Array(31) })).rejects.toThrow(InvalidRecordError)
      await expect(store.putTombstone({ ...keyedTombstone(3), placementKey: 'key' as unknown as Uint8Array })).rejects.toThrow(InvalidRecordError)
      expect(await store.getTombstone(testObjectId(3))).toBeUndefined()
    })

    it('pages tombstones in objectId order after a cursor, never past the limit, whatever the insertion order', async () => {
      const store = await fresh()
      expect(await store.pageTombstones({ limit: 10 })).toEqual([])
      for (const object of [5, 1, 4, 2, 3]) await store.putTombstone(object % 2 === 0 ? testTombstone({ object }) : keyedTombstone(object))
      const ids = (tombstones: Tombstone[]): string[] => tombstones.map(tombstone => tombstone.objectId)
      expect(ids(await store.pageTombstones({ limit: 2 }))).toEqual([testObjectId(1), testObjectId(2)])
      expect(ids(await store.pageTombstones({ after: testObjectId(2), limit: 2 }))).toEqual([testObjectId(3), testObjectId(4)])
      expect(ids(await store.pageTombstones({ after: testObjectId(4), limit: 2 }))).toEqual([testObjectId(5)])
      expect(await store.pageTombstones({ after: testObjectId(5), limit: 2 })).toEqual([])
      // Entries come back whole, as put.
      expect((await store.pageTombstones({ limit: 1 }))[0]).toEqual(keyedTombstone(1))
      expect((await store.pageTombstones({ after: testObjectId(1), limit: 1 }))[0]).toEqual(testTombstone({ object: 2 }))
      // Purged ones are gone from pages too.
      await store.purgeTombstones(Number.MAX_SAFE_INTEGER)
      expect(await store.pageTombstones({ limit: 10 })).toEqual([])
    })

    if (options.reopen !== undefined) {
      it('keeps a tombstone\'s placement key across close and reopen', async () => {
        const store = await makeStore()
        await store.putTombstone(keyedTombstone(6))
        await store.close()
        const reopened = await options.reopen!(store)
        open.push(reopened)
        expect(await reopened.getTombstone(testObjectId(6))).toEqual(keyedTombstone(6))
        expect(await reopened.pageTombstones({ limit: 5 })).toEqual([keyedTombstone(6)])
      })
    }
  })
}
