/**
 * What one hostile holder can make a reader take in a single FETCH, over real libp2p nodes: the holder's chunk
 * handler is replaced by one answering whatever the test says, and the reader's own chunk client reads it.
 * Pages, bytes, manifests to check and manifests failing their check are each bounded, and the cache of checked
 * manifests stays within its size.
 */
import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY, toHex } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import {
  CHUNKS_PROTOCOL,
  DEFAULT_CHECKED_MANIFESTS_ENTRIES,
  DEFAULT_MAX_FETCH_PAGES,
  DEFAULT_MAX_FETCH_REJECTED_MANIFESTS,
  FetchLimitExceededError,
  fetchShards,
  type FetchShardsOptions
} from '../protocols/index.ts'
import { connect, createTestNode, makeObject, type TestObject, type TestNode } from '../testing/chunk-nodes.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import { ChunkStatus, MAX_CHUNK_REQUEST_BYTES, MAX_FETCH_SHARDS_PER_RESPONSE, decodeChunkRequest, encodeChunkResponse, type SignedManifest, type StoredShard } from '../wire/index.ts'

const MIB = 1024 * 1024
const owner = WalletIdentity.generate()
const stranger = WalletIdentity.generate()
const ownerKey = placementKeyFor(NS_HISTORY, owner.address)

function entry (manifest: Uint8Array, shardIndex: number, shard: Uint8Array): StoredShard {
  return { manifest: manifest as Uint8Array<ArrayBuffer>, shardIndex, shard: shard as Uint8Array<ArrayBuffer> }
}

describe('a reader bounds what one hostile holder can make it take in a FETCH', () => {
  let reader: TestNode
  let hostile: TestNode
  /** The hostile holder's page for the `page`-th request it gets (from 0). */
  let answer: (page: number) => { shards: StoredShard[], more: boolean }
  let served = 0

  beforeAll(async () => {
    [reader, hostile] = await Promise.all([createTestNode(), createTestNode()])
    await connect(reader, hostile)
    await hostile.libp2p.handle(CHUNKS_PROTOCOL, async stream => {
      const messages = lpStream(stream, { maxDataLength: MAX_CHUNK_REQUEST_BYTES })
      decodeChunkRequest((await messages.read()).subarray())
      await messages.write(encodeChunkResponse({ status: ChunkStatus.OK, ...answer(served++) }))
      await stream.close()
    })
  }, 30_000)

  afterAll(async () => {
    await Promise.all([reader, hostile].filter(node => node !== undefined).map(async node => { await node.libp2p.stop() }))
  })

  async function fetchFromHostile (options: FetchShardsOptions = {}): Promise<{ outcome: Promise<unknown>, pages: () => number }> {
    served = 0
    const outcome = fetchShards(reader.libp2p, hostile.libp2p.peerId, ownerKey, { timeoutMs: 20_000, ...options })
    outcome.catch(() => {})
    return { outcome, pages: () => served }
  }

  it(`follows at most ${DEFAULT_MAX_FETCH_PAGES} pages of a holder that always has more`, async () => {
    // One tiny shard per page, each further on (same manifest: checked once), forever.
    const foreign = await makeObject(stranger, { length: 100 })
    answer = page => ({ shards: [entry(foreign.manifestBytes, page, new Uint8Array(1))], more: true })
    const { outcome, pages } = await fetchFromHostile()
    await expect(outcome).rejects.toSatisfy((error: unknown) => error instanceof FetchLimitExceededError && error.limit === 'pages')
    expect(pages()).toBe(DEFAULT_MAX_FETCH_PAGES)
  })

  it('cuts a holder past 64 MiB of shards, after three 28 MiB pages instead of up to 64', async () => {
    const foreign = await makeObject(stranger, { length: 100 })
    const big = new Uint8Array(4 * MIB)
    answer = page => ({ shards: Array.from({ length: 7 }, (_, i) => entry(foreign.manifestBytes, page * 7 + i, big)), more: true })
    const { outcome, pages } = await fetchFromHostile()
    await expect(outcome).rejects.toSatisfy((error: unknown) => error instanceof FetchLimitExceededError && error.limit === 'bytes')
    expect(pages()).toBe(3)
  }, 60_000)

  it(`cuts a holder after ${DEFAULT_MAX_FETCH_REJECTED_MANIFESTS} manifests that fail their check (each a signature recovery)`, async () => {
    // Validly signed, by someone else for their own key: each costs a recovery, then fails the placement check.
    const foreign = await Promise.all(Array.from({ length: 100 }, async (_, i) => await makeObject(stranger, { length: 100, seed: i })))
    answer = () => ({ shards: foreign.map(object => entry(object.manifestBytes, 0, object.shards[0])), more: false })
    const checkedManifests = new Map<string, SignedManifest | Error>()
    const { outcome } = await fetchFromHostile({ checkedManifests })
    await expect(outcome).rejects.toSatisfy((error: unknown) => error instanceof FetchLimitExceededError && error.limit === 'rejected manifests')
    expect(checkedManifests.size).toBe(DEFAULT_MAX_FETCH_REJECTED_MANIFESTS + 1)
  })

  it('checks at most maxManifestChecks new manifests per FETCH; manifests an earlier answer checked are free', async () => {
    const objects: TestObject[] = await Promise.all(Array.from({ length: 30 }, async (_, i) => await makeObject(owner, { length: 100, seed: i })))
    answer = () => ({ shards: objects.map(object => entry(object.manifestBytes, 0, object.shards[0])), more: false })
    // The first holder's answer checks all 30 (within the default bound)...
    const checkedManifests = new Map<string, SignedManifest | Error>()
    expect(await (await fetchFromHostile({ checkedManifests })).outcome).toHaveLength(30)
    // ...so another holder sending the same manifests costs nothing, whatever the bound.
    expect(await (await fetchFromHostile({ checkedManifests, maxManifestChecks: 20 })).outcome).toHaveLength(30)
    // Without them checked before, the answer is cut at the 21st.
    const fresh = new Map<string, SignedManifest | Error>()
    const { outcome } = await fetchFromHostile({ checkedManifests: fresh, maxManifestChecks: 20 })
    await expect(outcome).rejects.toSatisfy((error: unknown) => error instanceof FetchLimitExceededError && error.limit === 'manifest checks')
    expect(fresh.size).toBe(20)
  })

  it(`keeps at most ${DEFAULT_CHECKED_MANIFESTS_ENTRIES} checked manifests, dropping the oldest`, async () => {
    const random = mulberry32(0xcace)
    const pages = Array.from({ length: 3 }, () => Array.from({ length: MAX_FETCH_SHARDS_PER_RESPONSE }, () => randomBytes(random, 80)))
    const checkedManifests = new Map<string, SignedManifest | Error>()
    for (const page of pages) {
      answer = () => ({ shards: page.map(junk => entry(junk, 0, new Uint8Array(1))), more: false })
      const limits = { maxManifestChecks: 1e6, maxRejectedManifests: 1e6 }
      expect(await (await fetchFromHostile({ checkedManifests, ...limits })).outcome).toEqual([])
    }
    expect(checkedManifests.size).toBe(DEFAULT_CHECKED_MANIFESTS_ENTRIES)
    expect(checkedManifests.has(toHex(pages[0][0]))).toBe(false)
    expect(checkedManifests.has(toHex(pages[2][MAX_FETCH_SHARDS_PER_RESPONSE - 1]))).toBe(true)
    // With the default bounds, the same junk is cut at the 65th undecodable manifest.
    answer = () => ({ shards: pages[0].map(junk => entry(junk, 0, new Uint8Array(1))), more: false })
    await expect((await fetchFromHostile()).outcome).rejects.toMatchObject({ name: 'FetchLimitExceededError', limit: 'rejected manifests' })
  })
})
