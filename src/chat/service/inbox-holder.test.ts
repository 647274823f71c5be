/**
 * Inbox rules as holders enforce them, over real libp2p with the chunk client and a raw client that writes
 * hand-made frames: anyone may append with a valid sender signature, under the inbox key of the recipient the
 * manifest names; per-sender rate and size limits; only the recipient deletes; refusals are typed and change
 * nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { NS_HISTORY, NS_INBOX, NS_MANIFEST, toHex } from '../../crypto/index.ts'
import { WalletIdentity } from '../../identity/index.ts'
import { RemoteNotOwnerError, RemoteOversizeError, RemoteQuotaExceededError, deleteShards, fetchShards, startChunkService, storeShard } from '../../protocols/index.ts'
import { inboxNamespace, inboxPlacementKey, placementKeyFor } from '../../placement/index.ts'
import { connect, createTestNode, frame, makeObject, rawExchange, snapshot, type TestNode, type TestObject } from '../../testing/chunk-nodes.ts'
import { MemoryChunkStore } from '../../store/index.ts'
import { ChunkStatus, encodeChunkRequest, SignedManifestMessage } from '../../wire/index.ts'

const alice = WalletIdentity.generate()
const bob = WalletIdentity.generate()
const carol = WalletIdentity.generate()
const mallory = WalletIdentity.generate()

// The sender's undo window (inbox-flood.test.ts) is closed 1 ms after a store here: past it only Bob deletes.
const LIMITS = { maxObjectsPerWindow: 3, windowMs: 60_000, maxObjectBytes: 4096, senderUndoMs: 1 }

let client: TestNode
let holderNode: TestNode
let store: MemoryChunkStore
/** Added to the holder's clock, to move past the rate window without waiting. */
let clockOffset = 0

/** A message-sized object from `sender` for `recipient`'s inbox (or under the given namespace and key). */
async function inboxObject (sender: WalletIdentity, recipient: WalletIdentity, seed: number,
  options: { namespace?: string, placementKey?: Uint8Array, length?: number, k?: number, m?: number } = {}): Promise<TestObject> {
  // Created now, as a sender's new message is (older objects count against the holders' backdated allowance).
  return await makeObject(sender, {
    createdAt: Date.now() + clockOffset,
    namespace: options.namespace ?? inboxNamespace(recipient.address),
    placementKey: options.placementKey ?? inboxPlacementKey(recipient.address),
    length: options.length ?? 600,
    k: options.k,
    m: options.m,
    seed
  })
}

async function store0 (object: TestObject, index = 0): Promise<{ status: ChunkStatus, message: string }> {
  return await rawExchange(client, holderNode.libp2p.peerId,
    frame(encodeChunkRequest({ type: 'store', manifest: object.manifestBytes, shardIndex: index, shard: object.shards[index] })))
}

beforeAll(async () => {
  ;[client, holderNode] = await Promise.all([createTestNode(), createTestNode()])
  store = new MemoryChunkStore()
  // 1 + 2: the stripe of the "k = 1" size-limit case below, allowed here so that the size limit is what refuses it.
  await startChunkService(holderNode.libp2p, holderNode.privateKey, {
    store, inboxLimits: LIMITS, now: () => Date.now() + clockOffset, allowedStripes: [{ k: 10, m: 5 }, { k: 1, m: 2 }]
  })
  await connect(client, holderNode)
})

afterAll(async () => {
  await Promise.all([client, holderNode].map(async node => await node?.libp2p.stop()))
})

describe('a holder\'s inbox rules', () => {
  let before: string
  beforeEach(async () => { before = await snapshot(store) })

  it('takes Alice\'s message into Bob\'s inbox, serves it to anyone, and lets only Bob delete it', async () => {
    const message = await inboxObject(alice, bob, 1)
    for (const [index, shard] of message.shards.entries()) {
      await storeShard(client.libp2p, holderNode.libp2p.peerId, { manifest: message.manifest, manifestBytes: message.manifestBytes, shardIndex: index, shard })
    }
    const fetched = await fetchShards(client.libp2p, holderNode.libp2p.peerId, inboxPlacementKey(bob.address))
    expect(fetched).toHaveLength(15)
    expect(fetched[0].manifest).toMatchObject({ owner: alice.address, namespace: inboxNamespace(bob.address) })
    // The same key is what placementKeyFor(NS_INBOX, recipient) derives: a reader needs only its own address.
    expect(toHex(inboxPlacementKey(bob.address))).toBe(toHex(placementKeyFor(NS_INBOX, bob.address)))

    const held = await snapshot(store)
    const { objectId } = message.manifest
    // Past the undo window the sender cannot take it back, nor can a third party; the refusal names who may.
    await new Promise(resolve => setTimeout(resolve, 5))
    const bySender = await deleteShards(client.libp2p, holderNode.libp2p.peerId, alice, objectId).catch((error: unknown) => error)
    expect(bySender).toBeInstanceOf(RemoteNotOwnerError)
    expect((bySender as Error).message).toContain(`only by ${bob.address}`)
    await expect(deleteShards(client.libp2p, holderNode.libp2p.peerId, carol, objectId)).rejects.toBeInstanceOf(RemoteNotOwnerError)
    expect(await snapshot(store)).toBe(held)
    expect(await deleteShards(client.libp2p, holderNode.libp2p.peerId, bob, objectId)).toBe(15)
    expect(await snapshot(store)).toBe(before)
  })

  it('refuses inbox objects that do not name their recipient\'s inbox, and forged senders, without side effects', async () => {
    const carolsKey = await inboxObject(alice, bob, 2, { placementKey: inboxPlacementKey(carol.address) })
    expect((await store0(carolsKey)).status).toBe(ChunkStatus.NOT_OWNER)
    const historyKey = await inboxObject(alice, bob, 3, { placementKey: placementKeyFor(NS_HISTORY, bob.address) })
    expect((await store0(historyKey)).status).toBe(ChunkStatus.NOT_OWNER)
    // The bare namespace names nobody; a recipient must be written canonically (lowercase) and be an address.
    const bare = await inboxObject(alice, bob, 4, { namespace: NS_INBOX })
    expect((await store0(bare)).status).toBe(ChunkStatus.UNSUPPORTED_NAMESPACE)
    const upper = await inboxObject(alice, bob, 5, { namespace: `${NS_INBOX}/0x${bob.address.slice(2).toUpperCase()}` })
    expect((await store0(upper)).status).toBe(ChunkStatus.UNSUPPORTED_NAMESPACE)
    const junk = await inboxObject(alice, bob, 6, { namespace: `${NS_INBOX}/bob` })
    expect((await store0(junk)).status).toBe(ChunkStatus.UNSUPPORTED_NAMESPACE)
    // Mallory re-signs Alice's manifest body: it still names Alice as its owner (the sender).
    const genuine = await inboxObject(alice, bob, 7)
    const body = SignedManifestMessage.decode(genuine.manifestBytes).body
    const forged = SignedManifestMessage.encode({ body, signature: new Uint8Array(mallory.sign(NS_MANIFEST, body)) })
    const reply = await rawExchange(client, holderNode.libp2p.peerId,
      frame(encodeChunkRequest({ type: 'store', manifest: forged, shardIndex: 0, shard: genuine.shards[0] })))
    expect(reply.status).toBe(ChunkStatus.BAD_SIGNATURE)
    expect(await snapshot(store)).toBe(before)
  })

  it('refuses inbox objects over its size limit, by length and by shard size, while history objects are not limited', async () => {
    const big = await inboxObject(mallory, bob, 8, { length: LIMITS.maxObjectBytes + 1 })
    const reply = await store0(big)
    expect(reply.status).toBe(ChunkStatus.OVERSIZE)
    expect(reply.message).toMatch(/at most 4096 bytes/)
    // k = 1 puts the whole object in each shard: still bounded by the object limit.
    const wide = await inboxObject(mallory, bob, 9, { length: LIMITS.maxObjectBytes + 1, k: 1, m: 2 })
    await expect(storeShard(client.libp2p, holderNode.libp2p.peerId, { manifest: wide.manifest, manifestBytes: wide.manifestBytes, shardIndex: 0, shard: wide.shards[0] }))
      .rejects.toBeInstanceOf(RemoteOversizeError)
    expect(await snapshot(store)).toBe(before)
    const history = await makeObject(mallory, { length: LIMITS.maxObjectBytes * 2, seed: 10 })
    expect((await store0(history)).status).toBe(ChunkStatus.OK)
  })

  it('limits each sender\'s new objects per inbox and window; more shards of an admitted object still go in', async () => {
    const floods = await Promise.all([11, 12, 13, 14].map(async seed => await inboxObject(mallory, carol, seed)))
    for (const object of floods.slice(0, 3)) expect((await store0(object)).status).toBe(ChunkStatus.OK)
    const held = await snapshot(store)
    const refused = await storeShard(client.libp2p, holderNode.libp2p.peerId,
      { manifest: floods[3].manifest, manifestBytes: floods[3].manifestBytes, shardIndex: 0, shard: floods[3].shards[0] }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RemoteQuotaExceededError)
    expect((refused as Error).message).toMatch(/inbox of .* within 60000 ms/)
    expect(await snapshot(store)).toBe(held)
    // Another shard of an object already admitted is not a new object.
    expect((await store0(floods[1], 4)).status).toBe(ChunkStatus.OK)
    // The limit is per sender and per recipient.
    expect((await store0(await inboxObject(alice, carol, 15))).status).toBe(ChunkStatus.OK)
    expect((await store0(await inboxObject(mallory, bob, 16))).status).toBe(ChunkStatus.OK)
    // A minute later Mallory may write to Carol again.
    clockOffset = LIMITS.windowMs + 1000
    expect((await store0(floods[3])).status).toBe(ChunkStatus.OK)
  })
})
