import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { NS_DELETE, NS_HISTORY, NS_INBOX, NS_MANIFEST, bytesEqual, sha256, toHex } from '../../crypto/index.ts'
import { decode } from '../../erasure/index.ts'
import { WalletIdentity, addressToBytes } from '../../identity/index.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryChunkStore, type ShardRecord } from '../../store/index.ts'
import { SqliteChunkStore } from '../../store/sqlite.ts'
import { ChunkRequest, ChunkStatus, deleteAuthorization, encodeChunkRequest, objectIdToBytes, SignedManifestMessage } from '../../wire/index.ts'
import { deleteShards, fetchShards, listShards, storeShard, verifyStoreReceipt, type RejectedShard } from './client.ts'
import { CHUNKS_PROTOCOL, DEFAULT_TOMBSTONE_RETENTION_MS } from './constants.ts'
import {
  ChunkPeerUnreachableError,
  InvalidAckError,
  RemoteBadSignatureError,
  RemoteExpiredError,
  RemoteHashMismatchError,
  RemoteHoldsOtherShardError,
  RemoteNotFoundError,
  RemoteNotOwnerError,
  RemoteObjectDeletedError,
  RemoteQuotaExceededError,
  RemoteRejectedError
} from './errors.ts'
import { DEFAULT_PLACEMENT_RULES, placementKeyFor } from '../../placement/index.ts'
import { isValidTombstone } from './handlers/delete.ts'
import { storeOnSelf } from './self-holder.ts'
import { ChunkService, startChunkService } from './service.ts'
import { connect, createTestNode, frame, makeObject, rawExchange, shardInput, snapshot, varint, type TestNode, type TestObject } from '../../testing/chunk-nodes.ts'

const alice = WalletIdentity.generate()
/** The mesh's stripe plus the small ones these tests code objects with (3 shards of 2 + 1, two of 1 + 1). */
const TEST_STRIPES = [{ k: 10, m: 5 }, { k: 2, m: 1 }, { k: 1, m: 1 }]
const bob = WalletIdentity.generate()

let client: TestNode
let holder: TestNode
let spare: TestNode
let holderStore: MemoryChunkStore
let aliceObject: TestObject

/** Stores every shard of `object` on `node` through the real client. */
async function storeAll (node: TestNode, object: TestObject): Promise<void> {
  for (let index = 0; index < object.shards.length; index++) {
    await storeShard(client.libp2p, node.libp2p.peerId, shardInput(object, index))
  }
}

beforeAll(async () => {
  ;[client, holder, spare] = await Promise.all([createTestNode(), createTestNode(), createTestNode()])
  holderStore = new MemoryChunkStore()
  await startChunkService(holder.libp2p, holder.privateKey, { store: holderStore, allowedStripes: TEST_STRIPES })
  await Promise.all([connect(client, holder), connect(client, spare)])
  aliceObject = await makeObject(alice)
})

afterAll(async () => {
  await Promise.all([client, holder, spare].map(async node => await node?.libp2p.stop()))
})

describe('chunk exchange between real libp2p nodes', () => {
  it.each([1, 2] as const)('stores 15 shards of a version-%i manifest with verified receipts, fetches them verified, lists them, and deletes them as the owner', async (version) => {
    const object = await makeObject(alice, { seed: 12, version })
    const receipts = []
    for (let index = 0; index < 15; index++) {
      receipts.push(await storeShard(client.libp2p, holder.libp2p.peerId, shardInput(object, index)))
    }
    expect((await holderStore.stats()).shards).toBe(15)
    // Each record keeps the proof its shard came with (version 2), or none (version 1).
    for (const record of await holderStore.listObjectShards(object.manifest.objectId)) {
      expect(record.shardProof).toEqual(object.shardProofs[record.shardIndex])
    }
    const holderKey = holder.libp2p.peerId.publicKey!
    for (const [index, receipt] of receipts.entries()) {
      expect(receipt).toMatchObject({ holder: holder.libp2p.peerId.toString(), objectId: object.manifest.objectId, shardIndex: index })
      expect(await verifyStoreReceipt(receipt, holderKey)).toBe(true)
    }
    // A receipt is bound to its shard and to the holder's key.
    expect(await verifyStoreReceipt({ ...receipts[0], shardIndex: 1 }, holderKey)).toBe(false)
    expect(await verifyStoreReceipt(receipts[0], client.libp2p.peerId.publicKey!)).toBe(false)

    // Storing again is idempotent: same receipt time, nothing added.
    const again = await storeShard(client.libp2p, holder.libp2p.peerId, shardInput(object, 3))
    expect(again.storedAt).toBe(receipts[3].storedAt)
    expect((await holderStore.stats()).shards).toBe(15)

    const placementKey = placementKeyFor(NS_HISTORY, alice.address)
    const fetched = await fetchShards(client.libp2p, holder.libp2p.peerId.toString(), placementKey)
    expect(fetched.map(shard => shard.shardIndex)).toEqual([...Array(15).keys()])
    for (const shard of fetched) {
      expect(shard.manifest.objectId).toBe(object.manifest.objectId)
      expect(shard.shard).toEqual(object.shards[shard.shardIndex])
      expect(shard.shardProof).toEqual(object.shardProofs[shard.shardIndex])
    }
    // Any 10 of the fetched shards rebuild the object.
    const slots = fetched.map((shard, index) => index % 3 === 0 ? null : shard.shard)
    expect(await decode(slots, 10, 5, object.plaintext.length)).toEqual(object.plaintext)

    const byObject = await fetchShards(client.libp2p, holder.libp2p.peerId, { objectId: object.manifest.objectId })
    expect(byObject).toHaveLength(15)
    const listed = await listShards(client.libp2p, holder.libp2p.peerId, { placementKey })
    expect(listed.map(entry => [entry.shardIndex, toHex(entry.shardHash), entry.owner]))
      .toEqual(object.shards.map((shard, index) => [index, toHex(sha256(shard)), alice.address]))

    expect(await deleteShards(client.libp2p, holder.libp2p.peerId, alice, object.manifest.objectId, { shardIndex: 14 })).toBe(1)
    expect(await deleteShards(client.libp2p, holder.libp2p.peerId, alice, object.manifest.objectId)).toBe(14)
    expect((await holderStore.stats()).shards).toBe(0)
    expect(await fetchShards(client.libp2p, holder.libp2p.peerId, placementKey)).toEqual([])
    await expect(deleteShards(client.libp2p, holder.libp2p.peerId, alice, object.manifest.objectId))
      .rejects.toBeInstanceOf(RemoteNotFoundError)
  })
})

describe('a holder refuses bad requests, changes nothing, and keeps serving', () => {
  let before: string

  beforeAll(async () => {
    await storeAll(holder, aliceObject)
  })

  beforeEach(async () => {
    before = await snapshot(holderStore)
  })

  /** The store is as before, and a valid FETCH still returns Alice's 15 verified shards. */
  async function expectUnchangedAndServing (): Promise<void> {
    expect(await snapshot(holderStore)).toBe(before)
    const fetched = await fetchShards(client.libp2p, holder.libp2p.peerId, aliceObject.manifest.placementKey)
    expect(fetched).toHaveLength(15)
  }

  async function sendRequest (request: ChunkRequest | Uint8Array): Promise<{ status: ChunkStatus, message: string }> {
    const body = request instanceof Uint8Array ? request : ChunkRequest.encode(request)
    return await rawExchange(client, holder.libp2p.peerId, frame(body))
  }

  it('refuses a manifest signed by another key than its owner (Bob forging Alice\'s manifest to overwrite her shard)', async () => {
    const body = SignedManifestMessage.decode(aliceObject.manifestBytes).body
    const forged = SignedManifestMessage.encode({ body, signature: new Uint8Array(bob.sign(NS_MANIFEST, body)) })
    const reply = await sendRequest(encodeChunkRequest({ type: 'store', manifest: forged, shardIndex: 0, shard: aliceObject.shards[0] }))
    expect(reply.status).toBe(ChunkStatus.BAD_SIGNATURE)
    await expectUnchangedAndServing()
  })

  it('refuses a shard whose hash or size does not match its manifest entry, and an index beyond k + m', async () => {
    const fresh = await makeObject(alice, { seed: 2 })
    const flipped = Uint8Array.from(fresh.shards[4])
    flipped[0] ^= 1
    const store = (shardIndex: number, shard: Uint8Array): Uint8Array => encodeChunkRequest({ type: 'store', manifest: fresh.manifestBytes, shardIndex, shard })
    expect((await sendRequest(store(4, flipped))).status).toBe(ChunkStatus.HASH_MISMATCH)
    expect((await sendRequest(store(4, fresh.shards[4].subarray(1)))).status).toBe(ChunkStatus.HASH_MISMATCH)
    expect((await sendRequest(store(5, fresh.shards[4]))).status).toBe(ChunkStatus.HASH_MISMATCH)
    expect((await sendRequest(store(15, fresh.shards[4]))).status).toBe(ChunkStatus.MALFORMED)
    await expectUnchangedAndServing()
  })

  it('refuses an oversize frame from its length prefix alone', async () => {
    const declared = 4 * 1024 * 1024 + 20 * 1024
    const reply = await rawExchange(client, holder.libp2p.peerId, [varint(declared), new Uint8Array(64 * 1024)])
    expect(reply.status).toBe(ChunkStatus.OVERSIZE)
    await expectUnchangedAndServing()
  })

  it('refuses garbage bytes, a request without a command, and an unknown version', async () => {
    expect((await sendRequest(new Uint8Array([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0x00, 0x01]))).status).toBe(ChunkStatus.MALFORMED)
    expect((await sendRequest({ version: 1, stores: [] })).status).toBe(ChunkStatus.MALFORMED)
    const future = await sendRequest({ version: 2, stores: [], fetch: { placementKey: new Uint8Array(aliceObject.manifest.placementKey), objectIds: [] } })
    expect(future.status).toBe(ChunkStatus.UNSUPPORTED_VERSION)
    expect(future.message).toMatch(/version 2/)
    await expectUnchangedAndServing()
  })

  it('refuses a DELETE by a non-owner, one signed for someone else, and a stale one', async () => {
    const { objectId } = aliceObject.manifest
    await expect(deleteShards(client.libp2p, holder.libp2p.peerId, bob, objectId)).rejects.toBeInstanceOf(RemoteNotOwnerError)
    // Bob signs but names Alice as the owner.
    const timestamp = Date.now()
    const signature = new Uint8Array(bob.sign(NS_DELETE, deleteAuthorization(objectId, undefined, timestamp)))
    const claimed = await sendRequest({ version: 1, stores: [], delete: { objectId: objectIdToBytes(objectId) as Uint8Array<ArrayBuffer>, owner: addressToBytes(alice.address), timestamp, signature } })
    expect(claimed.status).toBe(ChunkStatus.BAD_SIGNATURE)
    // Alice's own authorisation, but 11 minutes old (outside the replay window) for one shard, older than the
    // tombstone retention for the whole object (a whole-object delete is taken within it: a tombstone passed on by
    // another holder, tombstone-handoff.test.ts), or 3 minutes ahead.
    await expect(deleteShards(client.libp2p, holder.libp2p.peerId, alice, objectId, { shardIndex: 0, now: () => Date.now() - 11 * 60_000 }))
      .rejects.toBeInstanceOf(RemoteExpiredError)
    await expect(deleteShards(client.libp2p, holder.libp2p.peerId, alice, objectId, { now: () => Date.now() - DEFAULT_TOMBSTONE_RETENTION_MS - 60_000 }))
      .rejects.toBeInstanceOf(RemoteExpiredError)
    await expect(deleteShards(client.libp2p, holder.libp2p.peerId, alice, objectId, { now: () => Date.now() + 3 * 60_000 }))
      .rejects.toBeInstanceOf(RemoteExpiredError)
    await expectUnchangedAndServing()
  })

  it('lets Bob store under his own placement key without touching Alice\'s shards, but never under hers', async () => {
    const bobsUnderAlice = await makeObject(bob, { seed: 3, placementKey: aliceObject.manifest.placementKey })
    await expect(storeShard(client.libp2p, holder.libp2p.peerId, { manifest: bobsUnderAlice.manifest, manifestBytes: bobsUnderAlice.manifestBytes, shardIndex: 0, shard: bobsUnderAlice.shards[0] }))
      .rejects.toBeInstanceOf(RemoteNotOwnerError)
    const inbox = await makeObject(bob, { seed: 4, namespace: NS_INBOX })
    expect((await sendRequest(encodeChunkRequest({ type: 'store', manifest: inbox.manifestBytes, shardIndex: 0, shard: inbox.shards[0] }))).status)
      .toBe(ChunkStatus.UNSUPPORTED_NAMESPACE)
    await expectUnchangedAndServing()

    const bobsOwn = await makeObject(bob, { seed: 5 })
    await storeShard(client.libp2p, holder.libp2p.peerId, { manifest: bobsOwn.manifest, manifestBytes: bobsOwn.manifestBytes, shardIndex: 2, shard: bobsOwn.shards[2] })
    expect(await fetchShards(client.libp2p, holder.libp2p.peerId, bobsOwn.manifest.placementKey)).toHaveLength(1)
    const alices = await fetchShards(client.libp2p, holder.libp2p.peerId, aliceObject.manifest.placementKey)
    expect(alices.map(shard => [shard.manifest.owner, toHex(shard.shard)]))
      .toEqual(aliceObject.shards.map(shard => [alice.address, toHex(shard)]))
    expect(await deleteShards(client.libp2p, holder.libp2p.peerId, bob, bobsOwn.manifest.objectId)).toBe(1)
  })

  it('answers a replayed DELETE with nothing deleted, even after the shard was stored again', async () => {
    const fresh = await makeObject(alice, { seed: 6, k: 2, m: 1 })
    await storeAll(holder, fresh)
    const timestamp = Date.now()
    const signature = new Uint8Array(alice.sign(NS_DELETE, deleteAuthorization(fresh.manifest.objectId, 1, timestamp)))
    const request = { version: 1, stores: [], delete: { objectId: objectIdToBytes(fresh.manifest.objectId) as Uint8Array<ArrayBuffer>, shardIndex: 1, owner: addressToBytes(alice.address), timestamp, signature } }
    expect(await sendRequest(request)).toMatchObject({ status: ChunkStatus.OK, deleted: 1 })
    // Deleting one shard leaves no tombstone: the shard may be stored again (e.g. by a hand-off).
    expect(await holderStore.getTombstone(fresh.manifest.objectId)).toBeUndefined()
    await storeAll(holder, fresh)
    expect(await sendRequest(request)).toMatchObject({ status: ChunkStatus.OK, deleted: 0 })
    expect(await holderStore.listObjectShards(fresh.manifest.objectId)).toHaveLength(3)
    await deleteShards(client.libp2p, holder.libp2p.peerId, alice, fresh.manifest.objectId)
    await expectUnchangedAndServing()
  })
})

describe('holder limits and client verification (on a spare node)', () => {
  let service: ChunkService | undefined

  async function serve (init: Parameters<typeof startChunkService>[2], privateKey = spare.privateKey): Promise<void> {
    await service?.stop()
    service = await startChunkService(spare.libp2p, privateKey, { allowedStripes: TEST_STRIPES, ...init })
  }

  afterAll(async () => { await service?.stop() })

  it('answers QUOTA_EXCEEDED and stores nothing when the store is full', async () => {
    const store = new MemoryChunkStore({ ownerQuotaBytes: 2 * (aliceObject.shards[0].length + aliceObject.manifestBytes.length) })
    await serve({ store })
    await storeAll(spare, { ...aliceObject, shards: aliceObject.shards.slice(0, 2) })
    const error = await storeShard(client.libp2p, spare.libp2p.peerId, { manifest: aliceObject.manifest, manifestBytes: aliceObject.manifestBytes, shardIndex: 2, shard: aliceObject.shards[2] })
      .catch((error: unknown) => error)
    expect(error).toBeInstanceOf(RemoteQuotaExceededError)
    expect(error).toBeInstanceOf(RemoteRejectedError)
    expect((error as RemoteRejectedError).status).toBe(ChunkStatus.QUOTA_EXCEEDED)
    expect((error as Error).name).toBe('RemoteQuotaExceededError')
    expect((await store.stats()).shards).toBe(2)

    const empty = new MemoryChunkStore({ nodeQuotaBytes: 100 })
    await serve({ store: empty })
    await expect(storeShard(client.libp2p, spare.libp2p.peerId, { manifest: aliceObject.manifest, manifestBytes: aliceObject.manifestBytes, shardIndex: 0, shard: aliceObject.shards[0] }))
      .rejects.toBeInstanceOf(RemoteQuotaExceededError)
    expect(await snapshot(empty)).toBe(JSON.stringify({ stats: { shards: 0, bytes: 0, quotaBytes: 100, ownerQuotaBytes: null, owners: 0 }, records: [] }))
  })

  it('refuses a sole STORE while it keeps another shard of the object, and accepts it again for the same shard', async () => {
    const store = new MemoryChunkStore()
    await serve({ store })
    const put = async (shardIndex: number, sole?: boolean): Promise<unknown> =>
      await storeShard(client.libp2p, spare.libp2p.peerId, { manifest: aliceObject.manifest, manifestBytes: aliceObject.manifestBytes, shardIndex, shard: aliceObject.shards[shardIndex], sole })
    await put(4, true)
    const error = await put(5, true).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(RemoteHoldsOtherShardError)
    expect((error as RemoteRejectedError).status).toBe(ChunkStatus.HOLDS_OTHER_SHARD)
    expect((error as Error).message).toContain('keeps shard 4')
    expect((await store.listObjectShards(aliceObject.manifest.objectId)).map(r => r.shardIndex)).toEqual([4])
    // The same shard again is the idempotent re-store; another object is no conflict; without `sole` (fewer
    // nodes than shards) a second shard is taken.
    await put(4, true)
    const other = await makeObject(alice, { seed: 11 })
    await storeShard(client.libp2p, spare.libp2p.peerId, { manifest: other.manifest, manifestBytes: other.manifestBytes, shardIndex: 5, shard: other.shards[5], sole: true })
    await put(5)
    expect((await store.listObjectShards(aliceObject.manifest.objectId)).map(r => r.shardIndex).sort((a, b) => a - b)).toEqual([4, 5])
  })

  describe('tombstones of deleted objects', () => {
    /** What anyone who once fetched shard 1 of `object` could have saved. */
    const savedShard = (object: TestObject) =>
      ({ manifest: object.manifest, manifestBytes: object.manifestBytes, shardIndex: 1, shard: object.shards[1] })

    it('refuses a saved copy of a deleted object with RemoteObjectDeletedError until the tombstone expires', async () => {
      let clock = Date.now()
      const store = new MemoryChunkStore()
      await serve({ store, now: () => clock })
      const object = await makeObject(alice, { seed: 13, k: 2, m: 1 })
      const { objectId } = object.manifest
      await storeAll(spare, object)
      expect(await deleteShards(client.libp2p, spare.libp2p.peerId, alice, objectId, { now: () => clock })).toBe(3)

      // The holder keeps the owner's signed delete, which anyone can check.
      const tombstone = await store.getTombstone(objectId)
      expect(tombstone).toMatchObject({ objectId, owner: alice.address, deletedAt: Math.floor(clock) })
      expect(isValidTombstone(tombstone!)).toBe(true)
      expect(isValidTombstone({ ...tombstone!, deletedAt: tombstone!.deletedAt + 1 })).toBe(false)
      expect(isValidTombstone({ ...tombstone!, owner: bob.address })).toBe(false)

      const replay = await storeShard(client.libp2p, spare.libp2p.peerId, savedShard(object)).catch((error: unknown) => error)
      expect(replay).toBeInstanceOf(RemoteObjectDeletedError)
      expect(replay).toMatchObject({ name: 'RemoteObjectDeletedError', status: ChunkStatus.DELETED })
      expect((replay as Error).message).toContain(`deleted by its owner ${alice.address}`)
      await expect(storeShard(client.libp2p, spare.libp2p.peerId, { ...savedShard(object), sole: true }))
        .rejects.toBeInstanceOf(RemoteObjectDeletedError)
      // This node's own repairer, placing a shard on this node, is refused the same way.
      const self = { peerId: spare.libp2p.peerId.toString(), store, placementRules: DEFAULT_PLACEMENT_RULES, now: () => clock }
      const saved = savedShard(object)
      await expect(storeOnSelf(self, saved))
        .rejects.toBeInstanceOf(RemoteObjectDeletedError)
      expect(await store.listObjectShards(objectId)).toEqual([])

      // Still refused just before the retention ends; then purged, and the object is taken like any other.
      clock += DEFAULT_TOMBSTONE_RETENTION_MS - 60_000
      await expect(storeShard(client.libp2p, spare.libp2p.peerId, savedShard(object))).rejects.toBeInstanceOf(RemoteObjectDeletedError)
      clock += 2 * 60_000
      await storeShard(client.libp2p, spare.libp2p.peerId, savedShard(object))
      expect(await store.getTombstone(objectId)).toBeUndefined()
      expect((await store.listObjectShards(objectId)).map(record => record.shardIndex)).toEqual([1])
    })

    it('purges expired tombstones when it applies another delete', async () => {
      let clock = Date.now()
      const store = new MemoryChunkStore()
      await serve({ store, now: () => clock, tombstoneRetentionMs: 60 * 60_000 })
      const [first, second] = await Promise.all([makeObject(alice, { seed: 14, k: 2, m: 1 }), makeObject(alice, { seed: 15, k: 2, m: 1 })])
      await storeAll(spare, first)
      await storeAll(spare, second)
      await deleteShards(client.libp2p, spare.libp2p.peerId, alice, first.manifest.objectId, { now: () => clock })
      clock += 60 * 60_000 + 1
      await deleteShards(client.libp2p, spare.libp2p.peerId, alice, second.manifest.objectId, { now: () => clock })
      expect(await store.getTombstone(first.manifest.objectId)).toBeUndefined()
      expect(await store.getTombstone(second.manifest.objectId)).toMatchObject({ deletedAt: Math.floor(clock) })
    })

    it('takes a shard out again when the object was deleted while its STORE was being written', async () => {
      const object = await makeObject(alice, { seed: 16, k: 2, m: 1 })
      const timestamp = Date.now()
      const signature = alice.sign(NS_DELETE, deleteAuthorization(object.manifest.objectId, undefined, timestamp))
      // The owner's DELETE runs between the STORE's tombstone check and its write.
      class DeletedMidStore extends MemoryChunkStore {
        override async put (record: ShardRecord): Promise<void> {
          await this.putTombstone({ objectId: record.objectId, owner: alice.address, deletedAt: timestamp, signature })
          await super.put(record)
        }
      }
      const store = new DeletedMidStore()
      await serve({ store })
      await expect(storeShard(client.libp2p, spare.libp2p.peerId, savedShard(object))).rejects.toBeInstanceOf(RemoteObjectDeletedError)
      expect(await store.listObjectShards(object.manifest.objectId)).toEqual([])
      expect((await store.stats()).shards).toBe(0)
    })

    it('still refuses the saved copy after the holder restarts on the same SQLite database', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'zentalk-tombstone-'))
      const path = join(dir, 'chunks.sqlite')
      try {
        const before = new SqliteChunkStore(path)
        await serve({ store: before })
        const object = await makeObject(alice, { seed: 17, k: 2, m: 1 })
        await storeAll(spare, object)
        expect(await deleteShards(client.libp2p, spare.libp2p.peerId, alice, object.manifest.objectId)).toBe(3)
        await service?.stop()
        await before.close()

        const after = new SqliteChunkStore(path)
        try {
          await serve({ store: after })
          await expect(storeShard(client.libp2p, spare.libp2p.peerId, savedShard(object))).rejects.toBeInstanceOf(RemoteObjectDeletedError)
          expect(await after.listObjectShards(object.manifest.objectId)).toEqual([])
        } finally {
          await service?.stop()
          await after.close()
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })

  it('pages FETCH and LIST responses and the client follows every page', async () => {
    const big = await makeObject(alice, { seed: 7, length: 20_000 }) // 2000-byte shards
    const store = new MemoryChunkStore()
    await serve({ store, maxShardBytes: 2048, maxResponseBytes: 2048 + 10 * 1024 + 32 + 4096 + 4 * 2800, listPageEntries: 4 })
    // A shard over the holder's own limit fits the frame limit but is refused by the STORE rules.
    const tooBig = await makeObject(alice, { seed: 8, length: 25_000 }) // 2500-byte shards
    expect((await rawExchange(client, spare.libp2p.peerId, frame(encodeChunkRequest({ type: 'store', manifest: tooBig.manifestBytes, shardIndex: 0, shard: tooBig.shards[0] })))).status)
      .toBe(ChunkStatus.OVERSIZE)
    expect((await store.stats()).shards).toBe(0)
    await storeAll(spare, big)
    const fetched = await fetchShards(client.libp2p, spare.libp2p.peerId, big.manifest.placementKey)
    expect(fetched.map(shard => shard.shardIndex)).toEqual([...Array(15).keys()])
    const listed = await listShards(client.libp2p, spare.libp2p.peerId)
    expect(listed).toHaveLength(15)
    // The raw exchange shows the paging: the first page is partial and says so.
    const first = await rawExchange(client, spare.libp2p.peerId, frame(encodeChunkRequest({ type: 'fetch', target: { placementKey: big.manifest.placementKey } })))
    expect(first.more).toBe(true)
    expect(first.shards.length).toBeGreaterThan(1)
    expect(first.shards.length).toBeLessThan(15)
    await expect(fetchShards(client.libp2p, spare.libp2p.peerId, big.manifest.placementKey, { maxPages: 1 })).rejects.toThrow(/after 1 pages/)
  })

  it('answers a FETCH by placement key that names objects with the shards of those objects only', async () => {
    const store = new MemoryChunkStore()
    await serve({ store })
    const objects = await Promise.all([11, 12, 13].map(async seed => await makeObject(alice, { seed, length: 3000 })))
    for (const object of objects) await storeAll(spare, object)
    const placementKey = objects[0].manifest.placementKey
    const wanted = [objects[0].manifest.objectId, objects[2].manifest.objectId]
    const raw = await rawExchange(client, spare.libp2p.peerId, frame(encodeChunkRequest({
      type: 'fetch', target: { placementKey, objectIds: wanted }
    })))
    expect(raw.status).toBe(ChunkStatus.OK)
    expect(raw.shards).toHaveLength(30)
    const fetched = await fetchShards(client.libp2p, spare.libp2p.peerId, placementKey, { objectIds: wanted })
    expect(new Set(fetched.map(shard => shard.manifest.objectId))).toEqual(new Set(wanted))
    expect(fetched).toHaveLength(30)
    // Without names, every object of the key.
    expect(await fetchShards(client.libp2p, spare.libp2p.peerId, placementKey)).toHaveLength(45)
  })

  it('carries maximal 4 MiB shards both ways (frames past the 4 MB default stream buffer)', async () => {
    const store = new MemoryChunkStore()
    await serve({ store })
    const large = await makeObject(alice, { seed: 9, length: 4 * 1024 * 1024, k: 1, m: 1 })
    expect(large.shards[0].length).toBe(4 * 1024 * 1024)
    await storeAll(spare, large)
    const fetched = await fetchShards(client.libp2p, spare.libp2p.peerId, { objectId: large.manifest.objectId })
    expect(fetched.map(shard => shard.shard.length)).toEqual([4 * 1024 * 1024, 4 * 1024 * 1024])
    expect(bytesEqual(fetched[0].shard, large.shards[0])).toBe(true) // toEqual walks 4 Mi elements slowly
  })

  it('drops and reports shards that do not verify instead of returning them', async () => {
    const store = new MemoryChunkStore()
    await serve({ store })
    await storeAll(spare, aliceObject)
    // The holder's disk went bad (or it lies): shard 6 changed after it was stored.
    const record = (await store.get(aliceObject.manifest.objectId, 6 as never))!
    record.data = Uint8Array.from(record.data)
    record.data[10] ^= 0xff
    await store.put(record)
    const rejected: RejectedShard[] = []
    const fetched = await fetchShards(client.libp2p, spare.libp2p.peerId, aliceObject.manifest.placementKey, { onRejected: r => rejected.push(r) })
    expect(fetched.map(shard => shard.shardIndex)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14])
    expect(rejected).toHaveLength(1)
    expect(rejected[0]).toMatchObject({ shardIndex: 6, objectId: aliceObject.manifest.objectId, peer: spare.libp2p.peerId.toString() })
    expect(rejected[0].reason.name).toBe('ShardHashMismatchError')
  })

  it('checks a manifest sent by several holders once, and still rejects different bytes for the same object', async () => {
    const store = new MemoryChunkStore()
    await serve({ store })
    await storeAll(spare, aliceObject)
    const checked = new Map()
    const key = aliceObject.manifest.placementKey
    expect(await fetchShards(client.libp2p, spare.libp2p.peerId, key, { checkedManifests: checked })).toHaveLength(15)
    expect(checked.size).toBe(1)
    expect(await fetchShards(client.libp2p, holder.libp2p.peerId, key, { checkedManifests: checked })).toHaveLength(15)
    expect(checked.size).toBe(1)
    // One holder now sends shard 6 with a forged signature: the valid manifest checked before does not cover it.
    const record = (await store.get(aliceObject.manifest.objectId, 6 as never))!
    const forged = SignedManifestMessage.decode(record.manifest)
    forged.signature = Uint8Array.from(forged.signature)
    forged.signature[5] ^= 0xff
    await store.put({ ...record, manifest: SignedManifestMessage.encode(forged) })
    const rejected: RejectedShard[] = []
    const fetched = await fetchShards(client.libp2p, spare.libp2p.peerId, key, { checkedManifests: checked, onRejected: r => rejected.push(r) })
    expect(fetched.map(shard => shard.shardIndex)).not.toContain(6)
    expect(fetched).toHaveLength(14)
    expect(rejected.map(r => [r.shardIndex, r.reason.name])).toEqual([[6, 'InvalidSignatureError']])
  })

  it('throws InvalidAckError when the receipt is not signed by the holder\'s key', async () => {
    const impostorKey = (await createTestNodeKey())
    await serve({ store: new MemoryChunkStore() }, impostorKey)
    const error = await storeShard(client.libp2p, spare.libp2p.peerId, { manifest: aliceObject.manifest, manifestBytes: aliceObject.manifestBytes, shardIndex: 0, shard: aliceObject.shards[0] })
      .catch((error: unknown) => error)
    expect(error).toBeInstanceOf(InvalidAckError)
    expect((error as Error).name).toBe('InvalidAckError')
  })

  it('answers BUSY past its concurrency limit and resets a request that never arrives', async () => {
    await serve({ store: new MemoryChunkStore(), maxConcurrentRequests: 1, requestTimeoutMs: 1000 })
    const stalled = await client.libp2p.dialProtocol(spare.libp2p.peerId, CHUNKS_PROTOCOL)
    const closed = new Promise(resolve => stalled.addEventListener('close', resolve, { once: true }))
    stalled.send(varint(100)) // announces 100 bytes, sends none
    while (service?.activeRequests !== 1) await new Promise(resolve => setTimeout(resolve, 10))
    const busy = await rawExchange(client, spare.libp2p.peerId, frame(encodeChunkRequest({ type: 'list' })))
    expect(busy.status).toBe(ChunkStatus.BUSY)
    await closed
    expect(stalled.status).not.toBe('open')
    expect(await listShards(client.libp2p, spare.libp2p.peerId)).toEqual([])
  })

  it('maps a peer that does not serve the protocol, or cannot be reached, to ChunkPeerUnreachableError', async () => {
    await service?.stop()
    service = undefined
    const error = await fetchShards(client.libp2p, spare.libp2p.peerId, aliceObject.manifest.placementKey).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(ChunkPeerUnreachableError)
    expect((error as Error).name).toBe('ChunkPeerUnreachableError')
    const nowhere = await createTestNodeKey()
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    await expect(fetchShards(client.libp2p, peerIdFromPrivateKey(nowhere), aliceObject.manifest.placementKey, { timeoutMs: 1500 }))
      .rejects.toBeInstanceOf(ChunkPeerUnreachableError)
  })
})

async function createTestNodeKey (): Promise<import('@libp2p/interface').PrivateKey> {
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  return await generateKeyPair('Ed25519')
}
