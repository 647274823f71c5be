import { describe, expect, it, vi } from 'vitest'
import type { FetchedShard, HeldShard } from '../protocols/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { RepairContext } from './context.ts'
import { KEY_POOL_MAX_BYTES_PER_HOLDER, KeyShardPool, POOL_STRAGGLER_MIN_MS, keyPoolFor, poolIsCheaper, type PooledShard } from './key-pool.ts'

const KEY = new Uint8Array(32).fill(7)
const ctx = { log: () => {} } as unknown as RepairContext

/** `objects` objects whose shards are `shardBytes` each, one shard per holder, on `holders` holders. */
function holdings (holders: number, objects: number, shardBytes: number): Array<[string, HeldShard[]]> {
  return Array.from({ length: holders }, (_, h) => [`peer-${h}`, Array.from({ length: objects }, (_, o) => ({
    objectId: `object-${o}`, shardIndex: h, shardHash: new Uint8Array(32), size: shardBytes, placementKey: KEY, owner: '0x00', storedAt: 0
  } as unknown as HeldShard))])
}
const ids = (n: number): Set<ObjectId> => new Set(Array.from({ length: n }, (_, o) => `object-${o}` as ObjectId))

describe('reading a key once for its rebuilds', () => {
  it('is chosen when this node rebuilds a third of many small objects (the rebuilds of a key spread over three holders)', () => {
    // 30 objects of a few KiB: 9 requests for the key instead of 90 for ten objects.
    const pool = keyPoolFor(ctx, KEY, { rebuildingIds: ids(10), k: 10, holders: holdings(14, 30, 2 * 1024) })
    expect(pool?.sources).toEqual(Array.from({ length: 9 }, (_, h) => `peer-${h}`))
  })

  it('reads only the objects this node rebuilds, so large objects of which it rebuilds few cost no more than per-object reads', () => {
    // The FETCH names the 2 objects: 9 requests for their 18 shards, against 18 requests for the same shards.
    expect(keyPoolFor(ctx, KEY, { rebuildingIds: ids(2), k: 10, holders: holdings(14, 30, 100 * 1024) })).toBeDefined()
    // Were every shard of the key moved, their bytes would outweigh the requests saved.
    expect(poolIsCheaper({ rebuilding: 2, k: 10, poolBytes: 9 * 30 * 100 * 1024, bytesPerObjectRead: 100 * 1024 })).toBe(false)
  })

  it('covers the objects it reads and no others', () => {
    const pool = keyPoolFor(ctx, KEY, { rebuildingIds: ids(10), k: 10, holders: holdings(14, 30, 2 * 1024) })!
    expect(pool.covers('object-9' as ObjectId)).toBe(true)
    expect(pool.covers('object-10' as ObjectId)).toBe(false)
  })

  it('is not chosen for a single rebuild, nor when a holder keeps more of the key than fits in memory', () => {
    expect(keyPoolFor(ctx, KEY, { rebuildingIds: ids(1), k: 10, holders: holdings(14, 30, 16) })).toBeUndefined()
    const big = Math.ceil((KEY_POOL_MAX_BYTES_PER_HOLDER + 1) / 30)
    expect(keyPoolFor(ctx, KEY, { rebuildingIds: ids(30), k: 10, holders: holdings(14, 30, big) })).toBeUndefined()
  })

  it('is chosen whenever this node rebuilds every object of the key', () => {
    expect(keyPoolFor(ctx, KEY, { rebuildingIds: ids(30), k: 10, holders: holdings(14, 30, 64 * 1024) })).toBeDefined()
  })
})

describe('a key pool whose holder does not answer', () => {
  it('gives up that holder\'s read once the others have answered, so the rebuild asks it again instead of waiting out the deadline', async () => {
    vi.useFakeTimers()
    try {
      const sources = Array.from({ length: 9 }, (_, h) => `peer-${h}`)
      const aborted: string[] = []
      const logged: string[] = []
      const shardOf = (peer: string): FetchedShard => ({ manifest: { objectId: 'object-0' }, shardIndex: Number(peer.slice(5)) } as unknown as FetchedShard)
      const exchange = {
        // Eight holders answer after 500 ms; peer-8 (a busy tab) never answers on its own.
        fetch: async (peer: string, _key: Uint8Array, options: { signal: AbortSignal }) => await new Promise<FetchedShard[]>((resolve, reject) => {
          if (peer !== 'peer-8') { setTimeout(() => { resolve([shardOf(peer)]) }, 500); return }
          options.signal.addEventListener('abort', () => { aborted.push(peer); reject(options.signal.reason) })
        })
      }
      const pool = new KeyShardPool({ exchange, log: (line: string) => logged.push(line), signal: new AbortController().signal, checkedManifests: new Map() } as unknown as RepairContext,
        KEY, sources, ['object-0' as ObjectId])
      let shards: PooledShard[] | undefined
      void pool.shardsOf('object-0' as ObjectId).then(s => { shards = s })
      // Half of them answered at 500 ms: the rest have until POOL_STRAGGLER_MIN_MS from the start.
      await vi.advanceTimersByTimeAsync(POOL_STRAGGLER_MIN_MS - 1)
      expect(shards).toBeUndefined()
      await vi.advanceTimersByTimeAsync(1)
      expect(aborted).toEqual(['peer-8'])
      expect(shards?.map(s => s.peer)).toEqual(sources.slice(0, 8))
      expect([...pool.answered]).toEqual(sources.slice(0, 8))
      expect(logged.some(line => line.includes('peer-8 had not answered'))).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })

  it('gives a slow mesh as long as it needs: the last holder gets three times what half of them took', async () => {
    vi.useFakeTimers()
    try {
      const sources = Array.from({ length: 4 }, (_, h) => `peer-${h}`)
      const answerAfter = [2_000, 2_000, 5_000, 5_900]
      const exchange = {
        fetch: async (peer: string, _key: Uint8Array, options: { signal: AbortSignal }) => await new Promise<FetchedShard[]>((resolve, reject) => {
          const timer = setTimeout(() => { resolve([{ manifest: { objectId: 'object-0' } } as unknown as FetchedShard]) }, answerAfter[Number(peer.slice(5))])
          options.signal.addEventListener('abort', () => { clearTimeout(timer); reject(options.signal.reason) })
        })
      }
      const pool = new KeyShardPool({ exchange, log: () => {}, signal: new AbortController().signal, checkedManifests: new Map() } as unknown as RepairContext,
        KEY, sources, ['object-0' as ObjectId])
      const loaded = pool.shardsOf('object-0' as ObjectId)
      await vi.advanceTimersByTimeAsync(6_000)
      // Half answered at 2 s: the others had until 6 s, and both answered before then.
      expect((await loaded).length).toBe(4)
    } finally {
      vi.useRealTimers()
    }
  })
})
