import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WalletIdentity } from '../../identity/index.ts'
import { MemoryChunkStore } from '../../store/index.ts'
import { NS_MANIFEST } from '../../crypto/index.ts'
import { ChunkStatus, MAX_CHUNK_REQUEST_BYTES, MAX_CHUNK_RESPONSE_BYTES, SignedManifestMessage, decodeChunkRequest, encodeChunkResponse } from '../../wire/index.ts'
import { connect, createTestNode, makeObject, shardInput, type TestNode, type TestObject } from '../../testing/chunk-nodes.ts'
import { storeShard, storeShardBatch, verifyStoreReceipt } from './client.ts'
import { CHUNKS_PROTOCOL } from './constants.ts'
import { RemoteBadSignatureError, RemoteHoldsOtherShardError } from './errors.ts'
import { MAX_FORGED_PER_BATCH } from './handlers/store.ts'
import { createChunkExchange, type ChunkExchange } from './exchange.ts'
import { ChunkService } from './service.ts'
import type { StoreReceipt } from './client.ts'
import type { Connection, Stream } from '@libp2p/interface'

const alice = WalletIdentity.generate()
const mallory = WalletIdentity.generate()
const TEST_STRIPES = [{ k: 10, m: 5 }]

/** A holder whose chunk service answers through a tap that records each request's command, or refuses batches as a release without them does. */
interface TappedHolder {
  node: TestNode
  store: MemoryChunkStore
  /** Command type of every request received, in order. */
  requests: string[]
}

async function tappedHolder (options: { batches: boolean }): Promise<TappedHolder> {
  const node = await createTestNode()
  const store = new MemoryChunkStore()
  const service = new ChunkService({ registrar: node.libp2p, privateKey: node.privateKey, logger: node.libp2p.logger }, { store, allowedStripes: TEST_STRIPES })
  const requests: string[] = []
  await node.libp2p.handle(CHUNKS_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const messages = lpStream(stream, { maxDataLength: MAX_CHUNK_REQUEST_BYTES })
    const frame = (await messages.read()).subarray()
    const type = decodeChunkRequest(frame).type
    requests.push(type)
    const answer = type === 'storeBatch' && !options.batches
      // What an older holder's decoder says of a request whose only command is in a field it does not know.
      ? encodeChunkResponse({ status: ChunkStatus.MALFORMED, message: 'a chunk request carries exactly one of store, fetch, delete, list; this one has none' })
      : await service.answer(frame, connection.remotePeer.toString())
    await lpStream(stream, { maxDataLength: MAX_CHUNK_RESPONSE_BYTES }).write(answer)
    await stream.close()
  })
  return { node, store, requests }
}

let client: TestNode
let holder: TappedHolder
let oldHolder: TappedHolder
let exchange: ChunkExchange

beforeAll(async () => {
  client = await createTestNode()
  ;[holder, oldHolder] = await Promise.all([tappedHolder({ batches: true }), tappedHolder({ batches: false })])
  await Promise.all([connect(client, holder.node), connect(client, oldHolder.node)])
  // One request at a time per holder, so stores queue behind each other and coalesce.
  exchange = createChunkExchange({ libp2p: client.libp2p, store: new MemoryChunkStore(), requestsPerHolder: 1 })
})

afterAll(async () => {
  await Promise.all([client, holder?.node, oldHolder?.node].map(async node => await node?.libp2p.stop()))
})

async function objects (count: number, seed: number): Promise<TestObject[]> {
  return await Promise.all(Array.from({ length: count }, async (_, i) => await makeObject(alice, { seed: seed + i })))
}

async function expectReceipts (receipts: readonly StoreReceipt[], at: TappedHolder, stored: readonly TestObject[], index: number): Promise<void> {
  const key = at.node.libp2p.peerId.publicKey!
  for (const [i, receipt] of receipts.entries()) {
    expect(receipt).toMatchObject({ holder: at.node.libp2p.peerId.toString(), objectId: stored[i].manifest.objectId, shardIndex: index })
    expect(await verifyStoreReceipt(receipt, key)).toBe(true)
    expect((await at.store.get(stored[i].manifest.objectId, index as never))?.data).toEqual(stored[i].shards[index])
  }
}

describe('a batch of STOREs to one holder', () => {
  it('stores each shard with its own verified receipt, and refuses one on its own without touching the others', async () => {
    const stored = await objects(4, 100)
    // The holder keeps shard 1 of the last object, so a sole STORE of its shard 2 is refused.
    await storeShard(client.libp2p, holder.node.libp2p.peerId, shardInput(stored[3], 1))
    const inputs = [...stored.slice(0, 3).map(object => ({ ...shardInput(object, 2), sole: true })), { ...shardInput(stored[3], 2), sole: true }]
    holder.requests.length = 0
    const results = await storeShardBatch(client.libp2p, holder.node.libp2p.peerId, inputs)
    expect(holder.requests).toEqual(['storeBatch'])
    expect(results[3]).toBeInstanceOf(RemoteHoldsOtherShardError)
    await expectReceipts(results.slice(0, 3) as StoreReceipt[], holder, stored, 2)
    expect(await holder.store.get(stored[3].manifest.objectId, 2 as never)).toBeUndefined()
  })

  it('stops checking a batch after a few manifests not signed by their owner, and keeps what came before', async () => {
    const stored = await objects(5, 150)
    // Mallory re-signs Alice's manifests: each costs the holder a signature recovery to refuse.
    const forge = (object: TestObject): Uint8Array => {
      const body = SignedManifestMessage.decode(object.manifestBytes).body
      return SignedManifestMessage.encode({ body, signature: new Uint8Array(mallory.sign(NS_MANIFEST, body)) })
    }
    const inputs = stored.map((object, i) => i === 0 ? shardInput(object, 3) : { ...shardInput(object, 3), manifestBytes: forge(object) })
    const results = await storeShardBatch(client.libp2p, holder.node.libp2p.peerId, inputs)
    await expectReceipts([results[0] as StoreReceipt], holder, stored, 3)
    expect(MAX_FORGED_PER_BATCH).toBe(2)
    for (const result of results.slice(1)) expect(result).toBeInstanceOf(RemoteBadSignatureError)
    expect(results.slice(1, 3).map(result => (result as Error).message)).not.toContainEqual(expect.stringContaining('not checked'))
    for (const result of results.slice(3)) expect((result as Error).message).toContain('not checked')
    for (const object of stored.slice(1)) expect(await holder.store.get(object.manifest.objectId, 3 as never)).toBeUndefined()
  })
})

describe('coalesced stores through the exchange', () => {
  it('go to one holder as few batch requests, each store settled with its own receipt', async () => {
    const stored = await objects(12, 200)
    holder.requests.length = 0
    const signal = new AbortController().signal
    const receipts = await Promise.all(stored.map(async object =>
      await exchange.store(holder.node.libp2p.peerId.toString(), { ...shardInput(object, 5), sole: true }, { signal, coalesce: true })))
    await expectReceipts(receipts, holder, stored, 5)
    // All were queued before the first request slot was taken: one request carried them all.
    expect(holder.requests).toEqual(['storeBatch'])
  })

  it('fail one by one: a shard that does not match its manifest fails alone, before anything is sent', async () => {
    const stored = await objects(4, 250)
    holder.requests.length = 0
    const signal = new AbortController().signal
    const flipped = Uint8Array.from(stored[1].shards[6])
    flipped[0] ^= 1
    const settled = await Promise.allSettled(stored.map(async (object, i) => await exchange.store(holder.node.libp2p.peerId.toString(),
      { ...shardInput(object, 6), ...(i === 1 ? { shard: flipped } : {}) }, { signal, coalesce: true })))
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { name: 'ShardHashMismatchError' } })
    const receipts = settled.filter((_, i) => i !== 1).map(result => (result as PromiseFulfilledResult<StoreReceipt>).value)
    await expectReceipts(receipts, holder, [stored[0], stored[2], stored[3]], 6)
    expect(holder.requests).toEqual(['storeBatch'])
    expect(await holder.store.get(stored[1].manifest.objectId, 6 as never)).toBeUndefined()
  })

  it('go to a holder without batches one by one, after its first refusal', async () => {
    const stored = await objects(6, 300)
    const signal = new AbortController().signal
    const storeAll = async (index: number): Promise<StoreReceipt[]> => await Promise.all(stored.map(async object =>
      await exchange.store(oldHolder.node.libp2p.peerId.toString(), { ...shardInput(object, index), sole: false }, { signal, coalesce: true })))
    await expectReceipts(await storeAll(7), oldHolder, stored, 7)
    expect(oldHolder.requests).toEqual(['storeBatch', ...Array(6).fill('store')])
    oldHolder.requests.length = 0
    await expectReceipts(await storeAll(8), oldHolder, stored, 8)
    expect(oldHolder.requests).toEqual(Array(6).fill('store'))
  })

  it('without coalesce, or with different signals, stay one request each', async () => {
    const stored = await objects(3, 400)
    holder.requests.length = 0
    await Promise.all(stored.map(async object => await exchange.store(holder.node.libp2p.peerId.toString(), shardInput(object, 0))))
    await Promise.all(stored.map(async object =>
      await exchange.store(holder.node.libp2p.peerId.toString(), shardInput(object, 1), { signal: new AbortController().signal, coalesce: true })))
    expect(holder.requests).toEqual(Array(6).fill('store'))
  })
})
