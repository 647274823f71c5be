/**
 * An owner can sign a manifest over k + m shards that are not one codeword. A reader must then refuse the object
 * whichever k shards it got, instead of two readers each showing a different message as the signed one.
 */
import { describe, expect, it } from 'vitest'
import { NS_HISTORY, bytesEqual, sha256 } from '../crypto/index.ts'
import { decode, encode } from '../erasure/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import type { ChunkExchange, FetchedShard } from '../protocols/index.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import { buildManifest, encodeSignedManifest, type ManifestVersion, type SignedManifest } from '../wire/index.ts'
import { decodeCommittedObject } from './codeword.ts'
import { InconsistentObjectError } from './errors.ts'
import { collectShards } from './gather.ts'

const K = 10
const M = 5
const wallet = WalletIdentity.generate()
const placementKey = placementKeyFor(NS_HISTORY, wallet.address)

/**
 * Signed with every shard of `shards`, whatever they are. Version-2 shards come as the chunk client hands them
 * over, with their proof and verified hash; version-1 ones without a hash, so decoding hashes them itself.
 */
function sign (shards: Uint8Array[], originalLength: number, version: ManifestVersion = 1): { manifest: SignedManifest, fetched: (index: number) => FetchedShard } {
  const { manifest, shardProofs } = buildManifest(wallet, { namespace: NS_HISTORY, placementKey, k: K, m: M, originalLength, shards, createdAt: 1_767_225_600_000, version })
  const manifestBytes = encodeSignedManifest(manifest)
  return {
    manifest,
    fetched: index => ({
      manifest, manifestBytes, shardIndex: index, shard: shards[index],
      ...(version === 2 ? { shardProof: shardProofs[index], shardHash: sha256(shards[index]) } : {})
    })
  }
}

/** One holder per shard given; this node holds nothing. */
function holdersServing (shards: FetchedShard[]): { exchange: ChunkExchange, holders: string[] } {
  const byHolder = new Map(shards.map(shard => [`holder-${shard.shardIndex}`, shard]))
  const exchange: ChunkExchange = {
    selfId: 'reader',
    fetch: async holder => { const shard = byHolder.get(holder); return shard === undefined ? [] : [shard] },
    store: async () => { throw new Error('not used') },
    list: async () => { throw new Error('not used') },
    delete: async () => { throw new Error('not used') },
    connected: () => true
  }
  return { exchange, holders: [...byHolder.keys()] }
}

async function read (shards: FetchedShard[]): Promise<Awaited<ReturnType<Awaited<ReturnType<typeof collectShards>>['collector']['results']>>> {
  const { exchange, holders } = holdersServing(shards)
  const { collector, stats } = await collectShards({ exchange, holders, target: placementKey, timeoutMs: 1000, enough: () => false })
  return await collector.results(stats)
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

describe.each([1, 2] as const)('a reader accepts an object only as the one codeword its owner signed (manifest version %i)', version => {
  it('refuses shards whose parity was computed from other data, whichever k shards it holds', async () => {
    const random = mulberry32(0xe91)
    const length = 1000
    const messageA = randomBytes(random, length)
    // B differs from A in the bytes of data shards 0-4 only: shards 5-9 are the same in both.
    const messageB = Uint8Array.from(messageA)
    messageB.set(randomBytes(random, 500), 0)
    const a = await encode(messageA, K, M)
    const b = await encode(messageB, K, M)
    for (let index = 5; index < K; index++) expect(b.shards[index]).toEqual(a.shards[index])
    // A's data shards with B's parity, all 15 hashes signed by the owner.
    const forged = sign([...a.shards.slice(0, K), ...b.shards.slice(K)].map(shard => Uint8Array.from(shard)), length, version)

    // What each reader would show without the check: two different "signed" messages.
    expect(await decode(range(0, 15).map(i => i < K ? forged.fetched(i).shard : null), K, M, length)).toEqual(messageA)
    expect(await decode(range(0, 15).map(i => i >= 5 ? forged.fetched(i).shard : null), K, M, length)).toEqual(messageB)

    for (const [indices, mismatched] of [[range(0, 10), range(10, 15)], [range(5, 15), range(0, 5)]] as const) {
      const { objects, failed } = await read(indices.map(forged.fetched))
      expect(objects).toEqual([])
      expect(failed).toHaveLength(1)
      expect(failed[0].objectId).toBe(forged.manifest.objectId)
      expect(failed[0].error).toBeInstanceOf(InconsistentObjectError)
      expect(failed[0].error.name).toBe('InconsistentObjectError')
      expect((failed[0].error as InconsistentObjectError).mismatchedShards).toEqual(mismatched)
      expect(failed[0].error.message).toMatch(/do not form one codeword/)
    }
  })

  it('returns an honest object from any k of its shards, data only, parity heavy or mixed', async () => {
    const random = mulberry32(0xc0de)
    for (const length of [0, 1, 1000, 70_001]) {
      const message = randomBytes(random, length)
      const honest = sign((await encode(message, K, M)).shards.map(shard => Uint8Array.from(shard)), length, version)
      for (const indices of [range(0, 10), range(5, 15), [0, 2, 4, 6, 8, 10, 11, 12, 13, 14]]) {
        const { objects, failed } = await read(indices.map(honest.fetched))
        expect(failed).toEqual([])
        expect(objects.map(object => object.bytes)).toEqual([message])
      }
    }
  })

  it('costs about one encode and m shard hashes more than a plain decode (timed at 1 KB and 4 MiB)', async () => {
    if (version === 2) return // timed once: both versions hash the m rebuilt shards, and version 2 adds a 15-leaf tree
    const random = mulberry32(0xbe4c)
    const rows: string[] = []
    for (const length of [1024, 4 * 1024 * 1024]) {
      const message = randomBytes(random, length)
      const { manifest, fetched } = sign((await encode(message, K, M)).shards.map(shard => Uint8Array.from(shard)), length, 2)
      const runs = length > 65_536 ? 8 : 400
      for (const [pattern, indices] of [['data shards 0-9', range(0, 10)], ['shards 5-14', range(5, 15)]] as const) {
        const slots = range(0, 15).map(i => indices.includes(i) ? fetched(i).shard : null)
        // As the reader has them: the hashes of the shards it verified, kept from their verification.
        const hashes = range(0, 15).map(i => indices.includes(i) ? fetched(i).shardHash : undefined)
        const time = async (run: () => Promise<Uint8Array>): Promise<number> => {
          for (let i = 0; i < 3; i++) expect(bytesEqual(await run(), message)).toBe(true) // warm-up, and both agree
          const started = performance.now()
          for (let i = 0; i < runs; i++) await run()
          return (performance.now() - started) / runs
        }
        const plain = await time(async () => await decode(slots, K, M, length))
        const checked = await time(async () => await decodeCommittedObject(slots, manifest, hashes))
        rows.push(`${length} B, ${pattern}: decode ${plain.toFixed(3)} ms, checked decode ${checked.toFixed(3)} ms (+${(checked - plain).toFixed(3)} ms)`)
      }
    }
    console.log(`codeword check cost (mean of repeated runs):\n  ${rows.join('\n  ')}`)
  }, 60_000)
})
