/**
 * A read's own bounds, over a ChunkExchange standing in for the holders (their shards are real, owner-signed and
 * erasure-coded): an overall deadline, so one slow holder cannot hold a read; and a per-holder share of the bytes
 * kept, so a holder flooding the reader with shards of objects that never complete cannot crowd out honest ones.
 */
import { describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { encode } from '../erasure/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import type { ChunkExchange, ExchangeFetchOptions, FetchedShard } from '../protocols/index.ts'
import { MemoryChunkStore } from '../store/index.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import { buildManifest, encodeSignedManifest } from '../wire/index.ts'
import { ReadBudgetExceededError, ReadDeadlineError } from './errors.ts'
import { ObjectStore } from './object-store.ts'

const K = 10
const M = 5
const owner = WalletIdentity.generate()
const placementKey = placementKeyFor(NS_HISTORY, owner.address)
const holders = Array.from({ length: K + M }, (_, i) => `holder-${i}`)

/** An owner-signed object of `length` random bytes: its bytes and shard i as a holder would send it. */
async function object (seed: number, length: number): Promise<{ bytes: Uint8Array, shard: (index: number) => FetchedShard }> {
  const bytes = randomBytes(mulberry32(seed), length)
  const shards = (await encode(bytes, K, M)).shards.map(shard => Uint8Array.from(shard))
  const { manifest } = buildManifest(owner, { namespace: NS_HISTORY, placementKey, k: K, m: M, originalLength: length, shards, createdAt: 1_767_225_600_000 + seed })
  const manifestBytes = encodeSignedManifest(manifest)
  return { bytes, shard: index => ({ manifest, manifestBytes, shardIndex: index, shard: shards[index] }) }
}

type Answer = (options: ExchangeFetchOptions) => Promise<FetchedShard[]>

/** Holders answering as `answers` says (nothing for the others); this node holds nothing. */
function storeOver (answers: Record<string, Answer>, options: { readDeadlineMs?: number, maxReadBytes?: number } = {}): ObjectStore {
  const exchange: ChunkExchange = {
    selfId: 'reader',
    fetch: async (holder, _target, fetchOptions = {}) => await (answers[holder] ?? (async () => []))(fetchOptions),
    store: async () => { throw new Error('not used') },
    list: async () => { throw new Error('not used') },
    delete: async () => { throw new Error('not used') },
    connected: () => true
  }
  return new ObjectStore({ wallet: owner, holders: { select: async (_, count) => holders.slice(0, count) }, exchange, selfStore: new MemoryChunkStore(), ...options })
}

/** A holder that never answers; it only gives up when the reader cancels its request. */
function silent (cancelled: { count: number }): Answer {
  return async ({ signal }) => await new Promise<never>((_resolve, reject) => {
    signal?.addEventListener('abort', () => { cancelled.count++; reject(signal.reason) }, { once: true })
  })
}

const delay = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('a read ends by its deadline with what it has', () => {
  it('returns the objects rebuilt and reports the rest as ReadDeadlineError when holders never answer', async () => {
    // Y is on holders 0-9, X only on 0-8: X needs one of the five silent holders, so the read waits for them.
    const x = await object(1, 3000)
    const y = await object(2, 5000)
    const cancelled = { count: 0 }
    const answers: Record<string, Answer> = {}
    for (let i = 0; i < K; i++) answers[holders[i]] = async () => i < K - 1 ? [x.shard(i), y.shard(i)] : [y.shard(i)]
    for (let i = K; i < K + M; i++) answers[holders[i]] = silent(cancelled)
    const objects = storeOver(answers, { readDeadlineMs: 400 })

    const started = Date.now()
    const fetched = await objects.fetchObjects()
    expect(Date.now() - started).toBeLessThan(5000)
    expect(fetched.objects.map(object => object.bytes)).toEqual([y.bytes])
    expect(fetched.failed).toHaveLength(1)
    expect(fetched.failed[0]).toMatchObject({ objectId: x.shard(0).manifest.objectId, shardsRetrieved: 9, shardsNeeded: 10 })
    expect(fetched.failed[0].error).toBeInstanceOf(ReadDeadlineError)
    expect(fetched.failed[0].error.message).toContain("the read's 400 ms deadline passed with 9 of the 10 shards needed retrieved")
    expect(fetched.stats).toMatchObject({ asked: 15, answered: 10, cancelled: 5 })
    expect(cancelled.count).toBe(5) // their requests were cancelled, not left running

    // One object by ID: the same deadline, per read or per call.
    await expect(objects.fetchObject(x.shard(0).manifest.objectId)).rejects.toBeInstanceOf(ReadDeadlineError)
    await expect(storeOver(answers).fetchObject(x.shard(0).manifest.objectId, { deadlineMs: 300 })).rejects.toMatchObject({ name: 'ReadDeadlineError' })
  })

  it('does not cut an honest read that finishes in time', async () => {
    const x = await object(3, 2000)
    const answers: Record<string, Answer> = {}
    for (let i = 0; i < K + M; i++) answers[holders[i]] = async () => { await delay(20 * (i % 4)); return [x.shard(i)] }
    const fetched = await storeOver(answers, { readDeadlineMs: 5000 }).fetchObjects()
    expect(fetched.failed).toEqual([])
    expect(fetched.objects.map(object => object.bytes)).toEqual([x.bytes])
  })
})

describe('each holder may make a read keep only its share of bytes', () => {
  it('drops what a flooding holder sends past its share, and still rebuilds the honest objects', async () => {
    const honest = await Promise.all([10, 11, 12].map(async seed => await object(seed, 10_000)))
    // A holder answering first with one shard each of 200 objects that will never have k shards (10 kB shards).
    const junk = await Promise.all(Array.from({ length: 200 }, async (_, i) => await object(100 + i, 100_000)))
    const answers: Record<string, Answer> = {}
    for (let i = 0; i < K; i++) answers[holders[i]] = async () => { await delay(30); return honest.map(o => o.shard(i)) }
    answers[holders[14]] = async () => junk.map(o => o.shard(14))
    const maxReadBytes = 2.5 * 1024 * 1024 // a share of 256 KiB per holder: 26 junk shards
    const fetched = await storeOver(answers, { maxReadBytes }).fetchObjects()

    expect(fetched.objects.map(object => object.bytes)).toEqual(honest.map(o => o.bytes))
    expect(fetched.failed).toHaveLength(200)
    const kept = fetched.failed.filter(failure => failure.shardsRetrieved === 1)
    const dropped = fetched.failed.filter(failure => failure.shardsRetrieved === 0)
    expect(kept.length * 10_000).toBeLessThanOrEqual(maxReadBytes / K)
    expect(kept.length).toBe(26)
    expect(dropped).toHaveLength(200 - kept.length)
    for (const failure of dropped) {
      expect(failure.error).toBeInstanceOf(ReadBudgetExceededError)
      expect(failure.error.message).toMatch(/came from a holder that had already sent its share of 262144 bytes/)
    }
    for (const failure of kept) expect(failure.error.name).toBe('NotEnoughShardsError')
  })
})
