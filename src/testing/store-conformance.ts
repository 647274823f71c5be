// The one behaviour every ChunkStore adapter must show; each adapter's test file runs it.
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../errors/index.ts'
import type { ObjectId, ShardIndex } from '../types/index.ts'
import { InvalidRecordError, QuotaExceededError, StoreClosedError } from '../store/index.ts'
import { chargedBytes } from '../store/index.ts'
import type { ChunkStore, ChunkStoreLimits, ShardRecord, Tombstone } from '../store/index.ts'

export type MakeChunkStore = (limits: Partial<ChunkStoreLimits>) => Promise<ChunkStore>

export interface ConformanceOptions {
  /** Opens the storage of an already closed store again. Omit for stores that do not persist (memory). */
  reopen?: (closed: ChunkStore) => Promise<ChunkStore>
}

const MANIFEST_BYTES = 120

/** Deterministic filler bytes, so failures reproduce. */
export function seededBytes (length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let state = (seed * 2654435761 + 1) >>> 0
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0
    bytes[i] = state >>> 24
  }
  return bytes
}

export const testOwner = (n: number): string => '0x' + n.toString(16).padStart(40, '0')
export const testObjectId = (n: number): ObjectId => n.toString(16).padStart(64, '0') as ObjectId
export const testPlacementKey = (owner: number): Uint8Array => new Uint8Array(32).fill(owner)

/** A valid record; `owner` also picks the placement key, as SHA-256(namespace ‖ owner) would. */
export function testRecord ({ owner = 1, object = 1, shard = 0, size = 64, seed = 0, manifestBytes = MANIFEST_BYTES, shardProof }: {
  owner?: number, object?: number, shard?: number, size?: number, seed?: number, manifestBytes?: number, shardProof?: Uint8Array
} = {}): ShardRecord {
  const data = seededBytes(size, seed * 1000 + object * 31 + shard)
  return {
    placementKey: testPlacementKey(owner),
    owner: testOwner(owner),
    objectId: testObjectId(object),
    shardIndex: shard as ShardIndex,
    data,
    shardHash: seededBytes(32, object * 7 + shard + 1),
    manifest: seededBytes(manifestBytes, object),
    storedAt: 1_700_000_000_000 + shard,
    size,
    ...(shardProof === undefined ? {} : { shardProof })
  }
}

/** A well-formed tombstone; the store checks its shape, not its signature. */
export function testTombstone ({ object = 1, owner = 1, deletedAt = 1_700_000_000_000 }: {
  object?: number, owner?: number, deletedAt?: number
} = {}): Tombstone {
  return { objectId: testObjectId(object), owner: testOwner(owner), deletedAt, signature: seededBytes(65, object * 13 + deletedAt % 997) }
}

/** Like toEqual, but compares shard data as bytes: element-wise diffing of a 1 MiB array takes seconds. */
function expectSameRecord (actual: ShardRecord | undefined, expected: ShardRecord): void {
  expect(actual).toBeDefined()
  const { data, ...fields } = actual as ShardRecord
  const { data: expectedData, ...expectedFields } = expected
  expect(fields).toEqual(expectedFields)
  expect(data).toBeInstanceOf(Uint8Array)
  expect(data.byteLength).toBe(expectedData.byteLength)
  expect(firstDifference(data, expectedData), 'index of the first differing byte').toBe(-1)
}

function firstDifference (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

const keysOf = (records: ShardRecord[]): string[] => records.map(r => `${r.objectId.slice(-2)}/${r.shardIndex}`)

export function runChunkStoreConformance (name: string, makeStore: MakeChunkStore, options: ConformanceOptions = {}): void {
  describe(`ChunkStore conformance: ${name}`, () => {
    const opened: ChunkStore[] = []
    const open = async (limits: Partial<ChunkStoreLimits> = {}): Promise<ChunkStore> => {
      const store = await makeStore(limits)
      opened.push(store)
      return store
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map(async store => await store.close()))
    })

    describe('round trip', () => {
      it.each([
        ['a small shard', 64],
        ['an empty shard', 0],
        ['a 1 MiB shard', 1024 * 1024]
      ])('returns %s byte for byte', async (_, size) => {
        const store = await open()
        const record = testRecord({ size, seed: size })
        await store.put(record)
        expectSameRecord(await store.get(record.objectId, record.shardIndex), record)
      })

      it('keeps a version-2 shard\'s proof, and a version-1 shard comes back without one', async () => {
        const store = await open()
        const v2 = testRecord({ object: 1, shardProof: seededBytes(128, 5) })
        const v1 = testRecord({ object: 2 })
        await store.put(v2)
        await store.put(v1)
        expect(await store.get(v2.objectId, v2.shardIndex)).toEqual(v2)
        const readV1 = await store.get(v1.objectId, v1.shardIndex)
        expect(readV1).toEqual(v1)
        expect(readV1).not.toHaveProperty('shardProof')
        expect(await store.listObjectShards(v2.objectId)).toEqual([v2])
        expect(await store.listByPlacementKey(testPlacementKey(1))).toEqual([v2, v1])
        expect(await store.pageByPlacementKey(testPlacementKey(1), { limit: 1 })).toEqual([v2])
      })

      it('returns undefined for a shard it does not hold', async () => {
        const store = await open()
        await store.put(testRecord({ object: 1, shard: 0 }))
        expect(await store.get(testObjectId(1), 1 as ShardIndex)).toBeUndefined()
        expect(await store.get(testObjectId(2), 0 as ShardIndex)).toBeUndefined()
      })

      it('keeps its own copy: later changes to the caller\'s buffers do not reach stored bytes', async () => {
        const store = await open()
        const backing = seededBytes(100, 9)
        const record = { ...testRecord(), data: backing.subarray(10, 20), size: 10 }
        const expected = structuredClone({ ...record, data: backing.slice(10, 20) })
        await store.put(record)
        backing.fill(0)
        record.placementKey.fill(0xee)
        const read = await store.get(record.objectId, record.shardIndex)
        expect(read).toEqual(expected)
        read?.data.fill(1)
        expect((await store.get(record.objectId, record.shardIndex))?.data).toEqual(expected.data)
      })
    })

    it('replaces the record with the same objectId and shardIndex', async () => {
      const store = await open()
      await store.put(testRecord({ size: 100, seed: 1 }))
      const replacement = testRecord({ size: 40, seed: 2 })
      await store.put(replacement)
      expect(await store.get(replacement.objectId, replacement.shardIndex)).toEqual(replacement)
      expect(await store.listObjectShards(replacement.objectId)).toHaveLength(1)
      expect(await store.stats()).toMatchObject({ shards: 1, bytes: chargedBytes(replacement), owners: 1 })
    })

    it('lists by objectId then numeric shardIndex, whatever the insertion order', async () => {
      const store = await open()
      for (const [object, shard] of [[2, 10], [1, 2], [2, 0], [1, 10], [1, 0], [2, 2]]) {
        await store.put(testRecord({ object, shard }))
      }
      const expected = ['01/0', '01/2', '01/10', '02/0', '02/2', '02/10']
      expect(keysOf(await store.listByPlacementKey(testPlacementKey(1)))).toEqual(expected)
      expect(keysOf(await store.listObjectShards(testObjectId(2)))).toEqual(['02/0', '02/2', '02/10'])
      const summaries = await store.listShardKeys()
      expect(summaries.map(s => `${s.objectId.slice(-2)}/${s.shardIndex}`)).toEqual(expected)
      const { data: _, shardHash: __, manifest: ___, ...summaryOf } = testRecord({ object: 1, shard: 2 })
      expect(summaries[1]).toEqual(summaryOf)
    })

    it('pages a placement key and the whole store in order after a cursor, never past the limit', async () => {
      const store = await open()
      // Two keys interleaved in objectId order, shard indices that sort differently as text.
      for (const [owner, object, shard] of [[1, 1, 10], [1, 1, 2], [2, 2, 0], [1, 3, 0], [1, 1, 0], [2, 4, 1], [1, 3, 11]]) {
        await store.put(testRecord({ owner, object, shard }))
      }
      const ofKey = async (limit: number): Promise<string[][]> => {
        const pages: string[][] = []
        let after: { objectId: string, shardIndex: number } | undefined
        for (;;) {
          const page = await store.pageByPlacementKey(testPlacementKey(1), { after, limit })
          if (page.length === 0) return pages
          expect(page.length).toBeLessThanOrEqual(limit)
          pages.push(keysOf(page))
          after = page.at(-1)
        }
      }
      expect(await ofKey(2)).toEqual([['01/0', '01/2'], ['01/10', '03/0'], ['03/11']])
      expect((await ofKey(100)).flat()).toEqual(keysOf(await store.listByPlacementKey(testPlacementKey(1))))
      expect(await store.pageByPlacementKey(testPlacementKey(9), { limit: 5 })).toEqual([])
      // A cursor that names no held shard starts at the next one.
      expect(keysOf(await store.pageByPlacementKey(testPlacementKey(1), { after: { objectId: testObjectId(1), shardIndex: 5 }, limit: 1 }))).toEqual(['01/10'])
      expectSameRecord((await store.pageByPlacementKey(testPlacementKey(1), { limit: 1 }))[0], testRecord({ owner: 1, object: 1, shard: 0 }))

      const listed = await store.pageListings({ limit: 3 })
      expect(listed.map(s => `${s.objectId.slice(-2)}/${s.shardIndex}`)).toEqual(['01/0', '01/2', '01/10'])
      const { data: _, manifest: __, ...listingOf } = testRecord({ owner: 1, object: 1, shard: 2 })
      expect(listed[1]).toEqual(listingOf)
      const rest = await store.pageListings({ after: listed[2], limit: 10 })
      expect(rest.map(s => `${s.objectId.slice(-2)}/${s.shardIndex}`)).toEqual(['02/0', '03/0', '03/11', '04/1'])
      const ofOwner2 = await store.pageListings({ placementKey: testPlacementKey(2), after: { objectId: testObjectId(2), shardIndex: 0 }, limit: 10 })
      expect(ofOwner2.map(s => `${s.objectId.slice(-2)}/${s.shardIndex}`)).toEqual(['04/1'])
    })

    it('keeps placement keys and owners apart', async () => {
      const store = await open()
      await store.put(testRecord({ owner: 1, object: 1, shard: 0, size: 10 }))
      await store.put(testRecord({ owner: 1, object: 1, shard: 1, size: 10 }))
      await store.put(testRecord({ owner: 2, object: 2, shard: 0, size: 30 }))
      expect(keysOf(await store.listByPlacementKey(testPlacementKey(1)))).toEqual(['01/0', '01/1'])
      expect(keysOf(await store.listByPlacementKey(testPlacementKey(2)))).toEqual(['02/0'])
      expect(await store.listByPlacementKey(testPlacementKey(3))).toEqual([])
      expect(await store.usageOf(testOwner(1))).toBe(2 * (10 + MANIFEST_BYTES))
      expect(await store.usageOf(testOwner(2))).toBe(30 + MANIFEST_BYTES)
      expect(await store.usageOf(testOwner(3))).toBe(0)

      expect(await store.deleteByPlacementKey(testPlacementKey(1))).toBe(2)
      expect(await store.listByPlacementKey(testPlacementKey(1))).toEqual([])
      expect(keysOf(await store.listByPlacementKey(testPlacementKey(2)))).toEqual(['02/0'])
      expect(await store.stats()).toMatchObject({ shards: 1, bytes: 30 + MANIFEST_BYTES, owners: 1 })
    })

    it('deletes one shard or all shards of an object and says how many', async () => {
      const store = await open()
      for (const shard of [0, 1, 2]) await store.put(testRecord({ object: 1, shard }))
      await store.put(testRecord({ object: 2, shard: 0 }))
      expect(await store.delete(testObjectId(1), 1 as ShardIndex)).toBe(1)
      expect(await store.delete(testObjectId(1), 1 as ShardIndex)).toBe(0)
      expect(keysOf(await store.listObjectShards(testObjectId(1)))).toEqual(['01/0', '01/2'])
      expect(await store.delete(testObjectId(1))).toBe(2)
      expect(await store.delete(testObjectId(3))).toBe(0)
      expect(keysOf(await store.listByPlacementKey(testPlacementKey(1)))).toEqual(['02/0'])
    })

    it('keeps stats and per-owner usage right through put, replace and delete', async () => {
      const store = await open({ nodeQuotaBytes: 1_000_000, ownerQuotaBytes: 500_000 })
      const cost = (size: number): number => size + MANIFEST_BYTES
      expect(await store.stats()).toEqual({ shards: 0, bytes: 0, quotaBytes: 1_000_000, ownerQuotaBytes: 500_000, owners: 0 })
      await store.put(testRecord({ owner: 1, object: 1, shard: 0, size: 100 }))
      await store.put(testRecord({ owner: 1, object: 1, shard: 1, size: 200 }))
      await store.put(testRecord({ owner: 2, object: 2, shard: 0, size: 50 }))
      expect(await store.stats()).toMatchObject({ shards: 3, bytes: cost(100) + cost(200) + cost(50), owners: 2 })
      await store.put(testRecord({ owner: 1, object: 1, shard: 1, size: 20 })) // shrink
      await store.put(testRecord({ owner: 2, object: 2, shard: 0, size: 500 })) // grow
      expect(await store.usageOf(testOwner(1))).toBe(cost(100) + cost(20))
      expect(await store.usageOf(testOwner(2))).toBe(cost(500))
      expect(await store.stats()).toMatchObject({ shards: 3, bytes: cost(100) + cost(20) + cost(500), owners: 2 })
      // The same shard re-stored under another owner moves its charge to that owner.
      await store.put(testRecord({ owner: 3, object: 2, shard: 0, size: 500 }))
      expect(await store.usageOf(testOwner(2))).toBe(0)
      expect(await store.usageOf(testOwner(3))).toBe(cost(500))
      expect(await store.stats()).toMatchObject({ shards: 3, owners: 2 })
      await store.delete(testObjectId(1))
      expect(await store.usageOf(testOwner(1))).toBe(0)
      expect(await store.stats()).toMatchObject({ shards: 1, bytes: cost(500), owners: 1 })
      await store.delete(testObjectId(2), 0 as ShardIndex)
      expect(await store.stats()).toMatchObject({ shards: 0, bytes: 0, owners: 0 })
    })

    it('charges a shard proof with its shard, and a replacement without one only what is left', async () => {
      const store = await open()
      const v2 = testRecord({ size: 30, shardProof: seededBytes(96, 1) })
      await store.put(v2)
      expect(chargedBytes(v2)).toBe(30 + MANIFEST_BYTES + 96)
      expect(await store.stats()).toMatchObject({ shards: 1, bytes: chargedBytes(v2) })
      expect(await store.usageOf(testOwner(1))).toBe(chargedBytes(v2))
      await store.put(testRecord({ size: 30 }))
      expect(await store.usageOf(testOwner(1))).toBe(30 + MANIFEST_BYTES)
      await store.delete(testObjectId(1))
      expect(await store.stats()).toMatchObject({ shards: 0, bytes: 0 })
    })

    it('counts an owner whose only shard charges zero bytes', async () => {
      const store = await open()
      await store.put(testRecord({ size: 0, manifestBytes: 0 }))
      expect(await store.stats()).toMatchObject({ shards: 1, bytes: 0, owners: 1 })
      await store.delete(testObjectId(1))
      expect(await store.stats()).toMatchObject({ shards: 0, owners: 0 })
    })

    describe('quotas', () => {
      const shardCost = 100 + MANIFEST_BYTES

      it('refuses a put past the node quota and changes nothing', async () => {
        const store = await open({ nodeQuotaBytes: 3 * shardCost })
        for (const owner of [1, 2, 3]) await store.put(testRecord({ owner, object: owner, size: 100 })) // exactly full
        const before = await store.stats()
        const refused = await store.put(testRecord({ owner: 4, object: 4, size: 1 })).catch((err: unknown) => err)
        expect(refused).toBeInstanceOf(QuotaExceededError)
        expect(refused).toMatchObject({ name: 'QuotaExceededError', scope: 'node', usedBytes: 3 * shardCost, limitBytes: 3 * shardCost })
        expect((refused as Error).message).toContain(String(3 * shardCost))
        expect(await store.stats()).toEqual(before)
        expect(await store.get(testObjectId(4), 0 as ShardIndex)).toBeUndefined()
        expect(await store.usageOf(testOwner(4))).toBe(0)
      })

      it('charges a replacement only its growth, and refuses growth that does not fit', async () => {
        const store = await open({ nodeQuotaBytes: 2 * shardCost })
        await store.put(testRecord({ object: 1, size: 100 }))
        await store.put(testRecord({ object: 2, size: 100 }))
        await store.put(testRecord({ object: 2, size: 100, seed: 5 })) // same size: fits although the node is full
        const before = await store.stats()
        await expect(store.put(testRecord({ object: 2, size: 101 }))).rejects.toThrow(QuotaExceededError)
        expect(await store.stats()).toEqual(before)
        expect(await store.get(testObjectId(2), 0 as ShardIndex)).toEqual(testRecord({ object: 2, size: 100, seed: 5 }))
        await store.put(testRecord({ object: 2, size: 10 }))
        expect(await store.stats()).toMatchObject({ bytes: shardCost + 10 + MANIFEST_BYTES })
      })

      it('refuses a put past the owner quota while other owners still fit', async () => {
        const store = await open({ ownerQuotaBytes: 2 * shardCost })
        await store.put(testRecord({ owner: 1, object: 1, size: 100 }))
        await store.put(testRecord({ owner: 1, object: 2, size: 100 }))
        const before = await store.stats()
        const refused = await store.put(testRecord({ owner: 1, object: 3, size: 100 })).catch((err: unknown) => err)
        expect(refused).toBeInstanceOf(QuotaExceededError)
        expect(refused).toMatchObject({ scope: 'owner', usedBytes: 2 * shardCost, limitBytes: 2 * shardCost, requestedBytes: shardCost })
        expect(await store.stats()).toEqual(before)
        expect(await store.usageOf(testOwner(1))).toBe(2 * shardCost)
        await store.put(testRecord({ owner: 2, object: 3, size: 100 }))
        expect(await store.usageOf(testOwner(2))).toBe(shardCost)
      })

      it('lets exactly as many concurrent puts through as fit', async () => {
        const store = await open({ nodeQuotaBytes: 5 * shardCost })
        const results = await Promise.allSettled(Array.from({ length: 12 }, async (_, i) =>
          await store.put(testRecord({ owner: i + 1, object: i + 1, size: 100 }))))
        expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(5)
        for (const result of results) {
          if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(QuotaExceededError)
        }
        expect(await store.stats()).toMatchObject({ shards: 5, bytes: 5 * shardCost, owners: 5 })
      })

      it('rejects a negative quota', async () => {
        await expect(open({ nodeQuotaBytes: -1 })).rejects.toThrow(InvalidConfigError)
        await expect(open({ ownerQuotaBytes: Number.NaN })).rejects.toThrow(InvalidConfigError)
      })
    })

    describe('tombstones', () => {
      it('returns a tombstone as put, undefined for an object without one, and keeps its own copy', async () => {
        const store = await open()
        const tombstone = testTombstone({ object: 1 })
        const expected = structuredClone(tombstone)
        await store.putTombstone(tombstone)
        tombstone.signature.fill(0)
        const read = await store.getTombstone(testObjectId(1))
        expect(read).toEqual(expected)
        read?.signature.fill(1)
        expect(await store.getTombstone(testObjectId(1))).toEqual(expected)
        expect(await store.getTombstone(testObjectId(2))).toBeUndefined()
      })

      it('replaces the tombstone of the same object', async () => {
        const store = await open()
        await store.putTombstone(testTombstone({ object: 1, deletedAt: 1000 }))
        await store.putTombstone(testTombstone({ object: 1, deletedAt: 2000 }))
        expect(await store.getTombstone(testObjectId(1))).toEqual(testTombstone({ object: 1, deletedAt: 2000 }))
        expect(await store.purgeTombstones(1500)).toBe(0)
      })

      it('purges exactly the tombstones older than the cut-off and says how many', async () => {
        const store = await open()
        for (const [object, deletedAt] of [[1, 1000], [2, 2000], [3, 2999], [4, 3000], [5, 4000]]) {
          await store.putTombstone(testTombstone({ object, deletedAt }))
        }
        expect(await store.purgeTombstones(1000)).toBe(0)
        expect(await store.purgeTombstones(3000)).toBe(3)
        expect(await store.purgeTombstones(3000)).toBe(0)
        for (const object of [1, 2, 3]) expect(await store.getTombstone(testObjectId(object))).toBeUndefined()
        expect(await store.getTombstone(testObjectId(4))).toEqual(testTombstone({ object: 4, deletedAt: 3000 }))
        expect(await store.getTombstone(testObjectId(5))).toEqual(testTombstone({ object: 5, deletedAt: 4000 }))
      })

      it('keeps tombstones apart from shards: no quota, stats or usage, and shard deletes leave them', async () => {
        const store = await open({ nodeQuotaBytes: 64 + MANIFEST_BYTES })
        await store.put(testRecord({ object: 1 }))
        const stats = await store.stats()
        await store.putTombstone(testTombstone({ object: 2 }))
        await store.putTombstone(testTombstone({ object: 1 }))
        expect(await store.stats()).toEqual(stats)
        expect(await store.usageOf(testOwner(1))).toBe(64 + MANIFEST_BYTES)
        expect(await store.listShardKeys()).toHaveLength(1)
        expect(await store.delete(testObjectId(1))).toBe(1)
        expect(await store.deleteByPlacementKey(testPlacementKey(1))).toBe(0)
        expect(await store.getTombstone(testObjectId(1))).toEqual(testTombstone({ object: 1 }))
        expect(await store.purgeTombstones(Number.MAX_SAFE_INTEGER)).toBe(2)
        expect(await store.stats()).toMatchObject({ shards: 0, bytes: 0, owners: 0 })
      })

      it.each<[string, (tombstone: Tombstone) => unknown]>([
        ['an objectId that is not hex', t => ({ ...t, objectId: 'z'.repeat(64) })],
        ['an uppercase owner address', t => ({ ...t, owner: t.owner.toUpperCase() })],
        ['a fractional deletedAt', t => ({ ...t, deletedAt: 1.5 })],
        ['a negative deletedAt', t => ({ ...t, deletedAt: -1 })],
        ['a short signature', t => ({ ...t, signature: new Uint8Array(64) })],
        ['a signature that is not bytes', t => ({ ...t, signature: Array.from(t.signature) })]
      ])('rejects a tombstone with %s and keeps nothing', async (_, corrupt) => {
        const store = await open()
        await expect(store.putTombstone(corrupt(testTombstone({ object: 7 })) as Tombstone)).rejects.toThrow(InvalidRecordError)
        expect(await store.getTombstone(testObjectId(7))).toBeUndefined()
        expect(await store.purgeTombstones(Number.MAX_SAFE_INTEGER)).toBe(0)
      })
    })

    it.each<[string, (record: ShardRecord) => unknown]>([
      ['a short placement key', r => ({ ...r, placementKey: new Uint8Array(31) })],
      ['a placement key that is not bytes', r => ({ ...r, placementKey: Array.from(r.placementKey) })],
      ['a long shard hash', r => ({ ...r, shardHash: new Uint8Array(33) })],
      ['a size that is not the data length', r => ({ ...r, size: r.size + 1 })],
      ['an uppercase owner address', r => ({ ...r, owner: r.owner.toUpperCase() })],
      ['an owner address without 0x', r => ({ ...r, owner: r.owner.slice(2) + '00' })],
      ['a negative shard index', r => ({ ...r, shardIndex: -1 })],
      ['a fractional shard index', r => ({ ...r, shardIndex: 1.5 })],
      ['an objectId that is not hex', r => ({ ...r, objectId: 'z'.repeat(64) })],
      ['missing data', r => ({ ...r, data: undefined })],
      ['a manifest that is a string', r => ({ ...r, manifest: 'manifest' })],
      ['a fractional storedAt', r => ({ ...r, storedAt: 1.5 })],
      ['a shard proof that is not whole hashes', r => ({ ...r, shardProof: new Uint8Array(33) })],
      ['a shard proof over 8 hashes', r => ({ ...r, shardProof: new Uint8Array(9 * 32) })],
      ['a shard proof that is not bytes', r => ({ ...r, shardProof: Array.from(new Uint8Array(32)) })]
    ])('rejects a record with %s and stores nothing', async (_, corrupt) => {
      const store = await open()
      await store.put(testRecord({ object: 9 }))
      const before = await store.stats()
      await expect(store.put(corrupt(testRecord()) as ShardRecord)).rejects.toThrow(InvalidRecordError)
      expect(await store.stats()).toEqual(before)
      expect(await store.listShardKeys()).toHaveLength(1)
    })

    it('rejects every operation after close with StoreClosedError', async () => {
      const store = await open()
      await store.put(testRecord())
      await store.close()
      await store.close() // idempotent
      const calls: Array<() => Promise<unknown>> = [
        async () => await store.put(testRecord({ object: 2 })),
        async () => await store.get(testObjectId(1), 0 as ShardIndex),
        async () => await store.listByPlacementKey(testPlacementKey(1)),
        async () => await store.listObjectShards(testObjectId(1)),
        async () => await store.listShardKeys(),
        async () => await store.delete(testObjectId(1)),
        async () => await store.deleteByPlacementKey(testPlacementKey(1)),
        async () => await store.stats(),
        async () => await store.usageOf(testOwner(1)),
        async () => await store.putTombstone(testTombstone()),
        async () => await store.getTombstone(testObjectId(1)),
        async () => await store.purgeTombstones(Number.MAX_SAFE_INTEGER)
      ]
      for (const call of calls) await expect(call()).rejects.toThrow(StoreClosedError)
    })

    const reopen = options.reopen
    if (reopen !== undefined) {
      describe('persistence', () => {
        const closeAndReopen = async (store: ChunkStore): Promise<ChunkStore> => {
          await store.close()
          const reopened = await reopen(store)
          opened.push(reopened)
          return reopened
        }

        it('keeps records and usage across close and reopen', async () => {
          const store = await open({ nodeQuotaBytes: 10_000_000, ownerQuotaBytes: 5_000_000 })
          const records = [
            testRecord({ owner: 1, object: 1, shard: 0, size: 1000 }),
            testRecord({ owner: 1, object: 1, shard: 3, size: 0 }),
            testRecord({ owner: 2, object: 2, shard: 1, size: 256 * 1024 }),
            testRecord({ owner: 2, object: 3, shard: 4, size: 31, shardProof: seededBytes(128, 3) })
          ]
          for (const record of records) await store.put(record)
          await store.delete(testObjectId(1), 3 as ShardIndex)
          const stats = await store.stats()
          const summaries = await store.listShardKeys()

          const reopened = await closeAndReopen(store)
          expect(await reopened.stats()).toEqual(stats)
          expect(await reopened.listShardKeys()).toEqual(summaries)
          expectSameRecord(await reopened.get(testObjectId(2), 1 as ShardIndex), records[2])
          expect(await reopened.listByPlacementKey(testPlacementKey(1))).toEqual([records[0]])
          expect(await reopened.usageOf(testOwner(2))).toBe(chargedBytes(records[2]) + chargedBytes(records[3]))
          expect(await reopened.get(testObjectId(3), 4 as ShardIndex)).toEqual(records[3])
        })

        it('keeps tombstones, and what was purged stays purged, across close and reopen', async () => {
          const store = await open()
          await store.putTombstone(testTombstone({ object: 1, deletedAt: 1000 }))
          await store.putTombstone(testTombstone({ object: 2, deletedAt: 5000 }))
          expect(await store.purgeTombstones(2000)).toBe(1)
          const reopened = await closeAndReopen(store)
          expect(await reopened.getTombstone(testObjectId(1))).toBeUndefined()
          expect(await reopened.getTombstone(testObjectId(2))).toEqual(testTombstone({ object: 2, deletedAt: 5000 }))
        })

        it('still enforces quotas against what it held before reopening', async () => {
          const shardCost = 100 + MANIFEST_BYTES
          const store = await open({ nodeQuotaBytes: 2 * shardCost })
          await store.put(testRecord({ owner: 1, object: 1, size: 100 }))
          await store.put(testRecord({ owner: 2, object: 2, size: 100 }))
          const reopened = await closeAndReopen(store)
          await expect(reopened.put(testRecord({ owner: 3, object: 3, size: 1 }))).rejects.toThrow(QuotaExceededError)
          await reopened.delete(testObjectId(1))
          await reopened.put(testRecord({ owner: 3, object: 3, size: 100 }))
          expect(await reopened.stats()).toMatchObject({ shards: 2, bytes: 2 * shardCost, owners: 2 })
        })
      })
    }
  })
}
