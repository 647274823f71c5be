/**
 * Hostile peers against a holder (issue 15), over real libp2p on loopback: each case sends what an attacker who
 * plays by the protocol's letter would send, asserts the holder's answer, and then that it still serves an honest
 * request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../../crypto/index.ts'
import { WalletIdentity } from '../../identity/index.ts'
import { placementKeyFor } from '../../placement/index.ts'
import { MemoryChunkStore, type ChunkStore } from '../../store/index.ts'
import { ChunkStatus, buildManifest, encodeChunkRequest, encodeSignedManifest } from '../../wire/index.ts'
import { connect, createTestNode, frame, makeObject, rawExchange, varint, type TestNode } from '../../testing/chunk-nodes.ts'
import { testPlacementKey, testRecord } from '../../testing/store-conformance.ts'
import { HealthMonitor, chunkServiceProbe } from '../../health/index.ts'
import { fetchShards, listShards, storeShard } from './client.ts'
import { CHUNKS_PROTOCOL } from './constants.ts'
import { RemoteUnsupportedStripeError } from './errors.ts'
import { startChunkService, type ChunkService } from './service.ts'

const attacker = WalletIdentity.generate()
const honest = WalletIdentity.generate()

let client: TestNode
let holder: TestNode
let holderStore: MemoryChunkStore
let service: ChunkService

beforeAll(async () => {
  ;[client, holder] = await Promise.all([createTestNode(), createTestNode()])
  holderStore = new MemoryChunkStore()
  service = await startChunkService(holder.libp2p, holder.privateKey, { store: holderStore })
  await connect(client, holder)
}, 60_000)

afterAll(async () => {
  await service?.stop()
  await Promise.all([client, holder].map(async node => await node?.libp2p.stop()))
})

/** An honest 10 + 5 object still goes in and comes back out. */
async function expectServesHonestly (seed: number): Promise<void> {
  const object = await makeObject(honest, { seed })
  await storeShard(client.libp2p, holder.libp2p.peerId, { manifest: object.manifest, manifestBytes: object.manifestBytes, shardIndex: 0, shard: object.shards[0] })
  const fetched = await fetchShards(client.libp2p, holder.libp2p.peerId, { objectId: object.manifest.objectId })
  expect(fetched.map(shard => shard.shardIndex)).toEqual([0])
}

describe('repair amplification (issue 15 item 3)', { timeout: 60_000 }, () => {
  it('refuses a k = 1, m = 255 object stored under its owner\'s own key with UNSUPPORTED_STRIPE, and keeps nothing', async () => {
    // The attacker needs no real encoding: a holder checks only the shard it is given against the manifest's hash.
    const shardSize = 64 * 1024
    const shard = new Uint8Array(shardSize).fill(7)
    const { manifest } = buildManifest(attacker, {
      namespace: NS_HISTORY,
      placementKey: placementKeyFor(NS_HISTORY, attacker.address),
      k: 1,
      m: 255,
      originalLength: shardSize,
      shards: new Array<Uint8Array>(256).fill(shard),
      createdAt: Date.now()
    })
    // What a repairer would build to restore one lost shard of it: the whole codeword, 256 shards from 1.
    const codewordBytes = (manifest.k + manifest.m) * manifest.shardSize
    expect(codewordBytes / shardSize).toBe(256) // with a maximal 4 MiB shard: 1 GiB built and 255 shards written

    const refused = await storeShard(client.libp2p, holder.libp2p.peerId, { manifest, manifestBytes: encodeSignedManifest(manifest), shardIndex: 0, shard })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RemoteUnsupportedStripeError)
    expect((refused as Error).message).toMatch(/1\+255.*accepts only 10\+5/)
    expect(await holderStore.listObjectShards(manifest.objectId)).toEqual([])
    await expectServesHonestly(1)
  })

  it('accepts another stripe only when the holder is configured for it', async () => {
    const other = await makeObject(attacker, { seed: 2, k: 4, m: 2 })
    const input = { manifest: other.manifest, manifestBytes: other.manifestBytes, shardIndex: 1, shard: other.shards[1] }
    await expect(storeShard(client.libp2p, holder.libp2p.peerId, input)).rejects.toBeInstanceOf(RemoteUnsupportedStripeError)
    const wider = await createTestNode()
    try {
      const store = new MemoryChunkStore()
      await startChunkService(wider.libp2p, wider.privateKey, { store, allowedStripes: [{ k: 10, m: 5 }, { k: 4, m: 2 }] })
      await connect(client, wider)
      await storeShard(client.libp2p, wider.libp2p.peerId, input)
      expect(await store.listObjectShards(other.manifest.objectId)).toHaveLength(1)
    } finally {
      await wider.libp2p.stop()
    }
  })
})

/** A store that counts the records (and listings) its queries hand out: what a request made the holder read. */
function countingStore (inner: ChunkStore): { store: ChunkStore, read: () => number, reset: () => void } {
  let read = 0
  const count = <T>(result: T): T => {
    read += Array.isArray(result) ? result.length : result === undefined ? 0 : 1
    return result
  }
  const store = new Proxy(inner, {
    get (target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (typeof value !== 'function') return value
      if (['get', 'listByPlacementKey', 'listObjectShards', 'listShardKeys', 'pageByPlacementKey', 'pageListings'].includes(String(property))) {
        return async (...args: unknown[]) => count(await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args))
      }
      return value.bind(target)
    }
  })
  return { store, read: () => read, reset: () => { read = 0 } }
}

describe('memory per request (issue 15 item 1)', { timeout: 60_000 }, () => {
  const RECORDS = 64
  const SHARD_BYTES = 1024 * 1024

  let big: TestNode
  let counted: ReturnType<typeof countingStore>
  let bigService: ChunkService

  beforeAll(async () => {
    big = await createTestNode()
    const inner = new MemoryChunkStore()
    // One owner's key filled with 64 x 1 MiB (the attack used 64 x 4 MiB).
    for (let object = 1; object <= RECORDS; object++) await inner.put(testRecord({ owner: 7, object, shard: 0, size: SHARD_BYTES }))
    counted = countingStore(inner)
    bigService = await startChunkService(big.libp2p, big.privateKey, { store: counted.store })
    await connect(client, big)
  }, 60_000)

  afterAll(async () => {
    await bigService?.stop()
    await big?.libp2p.stop()
  })

  it('reads one page of records for a FETCH page, not every record of the key', async () => {
    counted.reset()
    const reply = await rawExchange(client, big.libp2p.peerId, frame(encodeChunkRequest({ type: 'fetch', target: { placementKey: testPlacementKey(7) } })))
    expect(reply.status).toBe(ChunkStatus.OK)
    const page = reply.shards.length
    expect(page).toBeGreaterThan(1)
    expect(page).toBeLessThan(RECORDS)
    expect(reply.more).toBe(true)
    // Before: every one of the key's 64 records (64 MiB) was read to cut a 32 MiB page.
    expect(counted.read()).toBeLessThanOrEqual(page + 4)

    // The next page, after the cursor, reads from there on only.
    counted.reset()
    const last = reply.shards[page - 1]
    const next = await rawExchange(client, big.libp2p.peerId, frame(encodeChunkRequest({
      type: 'fetch', target: { placementKey: testPlacementKey(7) }, after: { objectId: testRecord({ object: page }).objectId, shardIndex: last.shardIndex }
    })))
    expect(next.status).toBe(ChunkStatus.OK)
    expect(counted.read()).toBeLessThanOrEqual(next.shards.length + 4)
  })

  it('reads one page of listings for a LIST without a key, not every summary in the store', async () => {
    const pageEntries = 8
    const listing = await createTestNode()
    const inner = new MemoryChunkStore()
    for (let object = 1; object <= 40; object++) await inner.put(testRecord({ owner: 3, object, shard: 0, size: 16 }))
    const listed = countingStore(inner)
    const listService = await startChunkService(listing.libp2p, listing.privateKey, { store: listed.store, listPageEntries: pageEntries })
    try {
      await connect(client, listing)
      const reply = await rawExchange(client, listing.libp2p.peerId, frame(encodeChunkRequest({ type: 'list' })))
      expect(reply.status).toBe(ChunkStatus.OK)
      expect(reply.summaries).toHaveLength(pageEntries)
      expect(reply.more).toBe(true)
      expect(listed.read()).toBeLessThanOrEqual(pageEntries + 1) // before: 40 summaries, then 8 whole records
    } finally {
      await listService.stop()
      await listing.libp2p.stop()
    }
  })

  it('keeps FETCH answers in flight under the node\'s budget: a FETCH past it is answered BUSY, and served once the budget frees', async () => {
    const budgeted = await createTestNode()
    const inner = new MemoryChunkStore()
    for (let object = 1; object <= 12; object++) await inner.put(testRecord({ owner: 7, object, shard: 0, size: SHARD_BYTES }))
    // The first FETCH's second read waits on a gate: its first four shards stay reserved, in flight, meanwhile.
    let openGate = (): void => {}
    const gate = new Promise<void>(resolve => { openGate = resolve })
    let gatedReads = 0
    const gated = new Proxy(inner, {
      get (target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown
        if (typeof value !== 'function') return value
        if (property !== 'pageByPlacementKey') return value.bind(target)
        return async (key: Uint8Array, query: { after?: unknown, limit: number }) => {
          if (query.after !== undefined) {
            gatedReads++
            await gate
          }
          return await inner.pageByPlacementKey(key, query as never)
        }
      }
    })
    // Room for four 1 MiB shards and a bit: less than one more.
    const budget = 4 * SHARD_BYTES + 512 * 1024
    const budgetService = await startChunkService(budgeted.libp2p, budgeted.privateKey, { store: gated, maxShardBytes: SHARD_BYTES, maxAnswerBytesInFlight: budget })
    try {
      await connect(client, budgeted)
      const request = frame(encodeChunkRequest({ type: 'fetch', target: { placementKey: testPlacementKey(7) } }))
      const first = rawExchange(client, budgeted.libp2p.peerId, request)
      await until(() => gatedReads === 1)
      expect(budgetService.answerBytes).toBeGreaterThan(4 * SHARD_BYTES)
      expect(budgetService.answerBytes).toBeLessThanOrEqual(budget)
      const second = await rawExchange(client, budgeted.libp2p.peerId, request)
      expect(second.status).toBe(ChunkStatus.BUSY)
      openGate()
      const firstAnswer = await first
      expect(firstAnswer.status).toBe(ChunkStatus.OK)
      expect(firstAnswer.shards).toHaveLength(4) // cut where the budget ran out
      expect(firstAnswer.more).toBe(true)
      await until(() => budgetService.answerBytes === 0)
      const third = await rawExchange(client, budgeted.libp2p.peerId, request)
      expect(third.status).toBe(ChunkStatus.OK)
      expect(third.shards.length).toBeGreaterThan(0)
    } finally {
      openGate()
      await budgetService.stop()
      await budgeted.libp2p.stop()
    }
  })
})

/** A stream that announces a 1000-byte request and then sends one byte every `everyMs`: a slow-loris sender. */
async function trickle (from: TestNode, to: TestNode, everyMs = 200): Promise<{ closed: () => boolean, stop: () => void }> {
  const stream = await from.libp2p.dialProtocol(to.libp2p.peerId, CHUNKS_PROTOCOL)
  let closed = false
  stream.addEventListener('close', () => { closed = true }, { once: true })
  stream.send(varint(1000))
  const timer = setInterval(() => {
    try {
      if (!closed) stream.send(new Uint8Array([0x42]))
    } catch {
      closed = true
    }
  }, everyMs)
  return { closed: () => closed, stop: () => { clearInterval(timer); stream.abort(new Error('test done')) } }
}

async function until (condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('slow streams (issue 15 item 6)', { timeout: 90_000 }, () => {
  let attackers: TestNode[] = []
  let target: TestNode | undefined
  let targetService: ChunkService | undefined
  const trickles: Array<{ closed: () => boolean, stop: () => void }> = []

  beforeAll(async () => {
    attackers = await Promise.all([0, 1, 2, 3].map(async () => await createTestNode()))
  }, 60_000)

  afterEach(async () => {
    for (const stream of trickles.splice(0)) stream.stop()
    await targetService?.stop()
    await target?.libp2p.stop()
    target = undefined
    targetService = undefined
  }, 30_000)

  afterAll(async () => {
    await Promise.all(attackers.map(async node => await node.libp2p.stop()))
  })

  async function startTarget (init: Partial<Parameters<typeof startChunkService>[2]> = {}): Promise<ChunkService> {
    target = await createTestNode()
    targetService = await startChunkService(target.libp2p, target.privateKey, { store: new MemoryChunkStore(), ...init })
    await Promise.all([client, ...attackers].map(async node => await connect(node, target!)))
    return targetService
  }

  it('serves an honest peer while 4 peers trickle 4 streams each into all 16 slots', async () => {
    const service = await startTarget({ slowRequestMs: 500 })
    for (const attacker of attackers) for (let i = 0; i < 4; i++) trickles.push(await trickle(attacker, target!))
    await until(() => service.activeRequests === 16)
    await new Promise(resolve => setTimeout(resolve, 600)) // the tricklers have been sending for longer than slowRequestMs
    // Before: every slot was taken, so this LIST was answered BUSY until a trickler's 30 s ran out.
    const answer = await rawExchange(client, target!.libp2p.peerId, frame(encodeChunkRequest({ type: 'list' })))
    expect(answer.status).toBe(ChunkStatus.OK)
    expect(await listShards(client.libp2p, target!.libp2p.peerId)).toEqual([])
    expect(trickles.filter(stream => stream.closed()).length).toBeGreaterThanOrEqual(1) // slots taken from the tricklers
    expect(service.activeRequests).toBeLessThanOrEqual(16)
  })

  it('resets a stream whose request trickles past the deadline from its first byte, and one that sends nothing', async () => {
    const service = await startTarget({ requestTimeoutMs: 1000, firstByteTimeoutMs: 1000 })
    const slow = await trickle(attackers[0], target!, 100) // keeps sending, never completes
    trickles.push(slow)
    const idle = await attackers[1].libp2p.dialProtocol(target!.libp2p.peerId, CHUNKS_PROTOCOL)
    let idleClosed = false
    idle.addEventListener('close', () => { idleClosed = true }, { once: true })
    idle.send(new Uint8Array(0))
    await until(() => slow.closed() && idleClosed)
    await until(() => service.activeRequests === 0)
    expect(await listShards(client.libp2p, target!.libp2p.peerId)).toEqual([])
  })

  it('does not declare a holder dead because its probe was answered BUSY', async () => {
    // One slot per peer and four peers holding them: a fifth peer cannot take one over, so it gets BUSY.
    const service = await startTarget({ maxConcurrentRequests: 4, maxConcurrentRequestsPerPeer: 1 })
    for (const attacker of attackers) trickles.push(await trickle(attacker, target!))
    await until(() => service.activeRequests === 4)
    const busy = await rawExchange(client, target!.libp2p.peerId, frame(encodeChunkRequest({ type: 'list' })))
    expect(busy.status).toBe(ChunkStatus.BUSY)
    const monitor = new HealthMonitor({
      peers: () => [target!.libp2p.peerId.toString()], probe: chunkServiceProbe(client.libp2p, 2000), retries: 1, retryDelayMs: 50, probeTimeoutMs: 2000
    })
    const round = await monitor.runOnce()
    expect(round.died).toEqual([])
    expect(monitor.isDead(target!.libp2p.peerId.toString())).toBe(false)
  })
})
