/**
 * A holder's side of a tombstone passed on by another holder (handlers/delete.ts): an owner's whole-object delete
 * older than the owner's own window, applied within the tombstone's retention, by the object's delete authority
 * only. Real libp2p nodes on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_DELETE } from '../../crypto/index.ts'
import { WalletIdentity } from '../../identity/index.ts'
import { CHAT_PLACEMENT_RULES, inboxNamespace, inboxPlacementKey } from '../../placement/index.ts'
import { MemoryChunkStore, type Tombstone } from '../../store/index.ts'
import { ChunkStatus, deleteAuthorization, encodeChunkRequest } from '../../wire/index.ts'
import { connect, createTestNode, frame, makeObject, rawExchange, shardInput, type TestNode, type TestObject } from '../../testing/chunk-nodes.ts'
import { deleteShards, passOnTombstone, storeShard } from './client.ts'
import { DEFAULT_DELETE_MAX_AGE_MS, DEFAULT_TOMBSTONE_RETENTION_MS } from './constants.ts'
import { InvalidTombstoneError, RemoteExpiredError, RemoteNotFoundError, RemoteNotOwnerError, RemoteObjectDeletedError } from './errors.ts'
import { isValidTombstone } from './handlers/delete.ts'
import { startChunkService, type ChunkService } from './service.ts'

const alice = WalletIdentity.generate()
const mallory = WalletIdentity.generate()
const STRIPES = [{ k: 2, m: 1 }]
const DAY = 24 * 60 * 60_000

let client: TestNode
let holder: TestNode
let service: ChunkService | undefined
let store: MemoryChunkStore
let clock = Date.now()
let seed = 100

/** A fresh holder store and service on the test clock, holding every shard of a new object of Alice's. */
async function holding (options: { namespace?: string, placementKey?: Uint8Array, signer?: WalletIdentity } = {}): Promise<TestObject> {
  await service?.stop()
  store = new MemoryChunkStore()
  service = await startChunkService(holder.libp2p, holder.privateKey, { store, now: () => clock, allowedStripes: STRIPES, placementRules: CHAT_PLACEMENT_RULES })
  const object = await makeObject(options.signer ?? alice, { k: 2, m: 1, seed: ++seed, createdAt: clock, ...options })
  for (let index = 0; index < 3; index++) await storeShard(client.libp2p, holder.libp2p.peerId, shardInput(object, index))
  return object
}

/** The tombstone a holder that applied `signer`'s delete of `object` at `deletedAt` keeps. */
function tombstoneOf (object: TestObject, deletedAt: number, signer: WalletIdentity = alice): Tombstone {
  const { objectId, placementKey } = object.manifest
  return { objectId, owner: signer.address, deletedAt, placementKey, signature: signer.sign(NS_DELETE, deleteAuthorization(objectId, undefined, deletedAt)) }
}

const heldIndices = async (object: TestObject): Promise<number[]> => (await store.listObjectShards(object.manifest.objectId)).map(record => record.shardIndex)

beforeAll(async () => {
  ;[client, holder] = await Promise.all([createTestNode(), createTestNode()])
  await connect(client, holder)
})

afterAll(async () => {
  await service?.stop()
  await Promise.all([client, holder].map(async node => await node.libp2p.stop()))
})

describe('a tombstone passed on by another holder', () => {
  it('is applied like the owner\'s delete a day after it was signed: shards gone, the same tombstone kept, the object refused', async () => {
    const object = await holding()
    const tombstone = tombstoneOf(object, clock - DAY)
    expect(await passOnTombstone(client.libp2p, holder.libp2p.peerId, tombstone)).toBe(3)
    expect(await heldIndices(object)).toEqual([])
    const kept = await store.getTombstone(object.manifest.objectId)
    expect(kept).toEqual(tombstone)
    expect(isValidTombstone(kept!)).toBe(true)
    await expect(storeShard(client.libp2p, holder.libp2p.peerId, shardInput(object, 1))).rejects.toBeInstanceOf(RemoteObjectDeletedError)
    // Passed on again (by another holder): nothing left to delete.
    await expect(passOnTombstone(client.libp2p, holder.libp2p.peerId, tombstone)).rejects.toBeInstanceOf(RemoteNotFoundError)
  })

  it('is applied up to the end of the tombstone retention, and refused EXPIRED after it', async () => {
    const object = await holding()
    await expect(passOnTombstone(client.libp2p, holder.libp2p.peerId, tombstoneOf(object, clock - DEFAULT_TOMBSTONE_RETENTION_MS - 1)))
      .rejects.toBeInstanceOf(RemoteExpiredError)
    expect(await heldIndices(object)).toEqual([0, 1, 2])
    expect(await store.getTombstone(object.manifest.objectId)).toBeUndefined()
    expect(await passOnTombstone(client.libp2p, holder.libp2p.peerId, tombstoneOf(object, clock - DEFAULT_TOMBSTONE_RETENTION_MS))).toBe(3)
  })

  it('does not stretch the window of a single-shard delete, which leaves no tombstone', async () => {
    const object = await holding()
    await expect(deleteShards(client.libp2p, holder.libp2p.peerId, alice, object.manifest.objectId, { shardIndex: 1, now: () => clock - DEFAULT_DELETE_MAX_AGE_MS - 1 }))
      .rejects.toBeInstanceOf(RemoteExpiredError)
    expect(await heldIndices(object)).toEqual([0, 1, 2])
  })

  it('is refused when signed by someone other than the owner: NOT_OWNER for Mallory\'s own signature, BAD_SIGNATURE when it names Alice', async () => {
    const object = await holding()
    // Mallory's valid signature over the delete of Alice's object: she is not its delete authority.
    const mallorys = tombstoneOf(object, clock - DAY, mallory)
    expect(isValidTombstone(mallorys)).toBe(true)
    await expect(passOnTombstone(client.libp2p, holder.libp2p.peerId, mallorys)).rejects.toBeInstanceOf(RemoteNotOwnerError)
    // Naming Alice over Mallory's signature: the client will not send it, and a holder sent it anyway refuses it.
    const forged = { ...mallorys, owner: alice.address }
    await expect(passOnTombstone(client.libp2p, holder.libp2p.peerId, forged)).rejects.toBeInstanceOf(InvalidTombstoneError)
    await expect(passOnTombstone(client.libp2p, holder.libp2p.peerId, { ...forged, signature: new Uint8Array(64) })).rejects.toBeInstanceOf(InvalidTombstoneError)
    const raw = await rawExchange(client, holder.libp2p.peerId, frame(encodeChunkRequest({
      type: 'delete', objectId: forged.objectId, shardIndex: undefined, owner: alice.address, timestamp: forged.deletedAt, signature: forged.signature
    })))
    expect(raw.status).toBe(ChunkStatus.BAD_SIGNATURE)
    // A real tombstone of another object does not apply to this one (its signature covers the other ID).
    const other = tombstoneOf(await makeObject(alice, { k: 2, m: 1, seed: ++seed }), clock - DAY)
    const crossed = await rawExchange(client, holder.libp2p.peerId, frame(encodeChunkRequest({
      type: 'delete', objectId: object.manifest.objectId, shardIndex: undefined, owner: alice.address, timestamp: other.deletedAt, signature: other.signature
    })))
    expect(crossed.status).toBe(ChunkStatus.BAD_SIGNATURE)
    expect(await heldIndices(object)).toEqual([0, 1, 2])
    expect(await store.getTombstone(object.manifest.objectId)).toBeUndefined()
  })

  it('does not carry an inbox sender\'s undo right: only the recipient\'s delete is passed on', async () => {
    const bob = WalletIdentity.generate()
    // Alice's message in Bob's inbox: its delete authority is Bob; Alice may undo only within minutes of the store.
    const message = await holding({ namespace: inboxNamespace(bob.address), placementKey: inboxPlacementKey(bob.address) })
    await expect(passOnTombstone(client.libp2p, holder.libp2p.peerId, tombstoneOf(message, clock - DAY, alice)))
      .rejects.toBeInstanceOf(RemoteNotOwnerError)
    expect(await heldIndices(message)).toEqual([0, 1, 2])
    expect(await passOnTombstone(client.libp2p, holder.libp2p.peerId, tombstoneOf(message, clock - DAY, bob))).toBe(3)
  })

  it('costs no signature check when the holder keeps no shard of the object', async () => {
    const object = await holding()
    await store.delete(object.manifest.objectId)
    // Junk signature: a holder that checked it would answer BAD_SIGNATURE; this one looks its shards up first.
    const raw = await rawExchange(client, holder.libp2p.peerId, frame(encodeChunkRequest({
      type: 'delete', objectId: object.manifest.objectId, shardIndex: undefined, owner: alice.address, timestamp: clock - DAY, signature: new Uint8Array(65)
    })))
    expect(raw.status).toBe(ChunkStatus.NOT_FOUND)
  })
})

describe('the owner\'s own delete', () => {
  it('keeps the placement key its object was held under in the tombstone, for passing it on', async () => {
    const object = await holding()
    expect(await deleteShards(client.libp2p, holder.libp2p.peerId, alice, object.manifest.objectId, { now: () => clock })).toBe(3)
    expect(await store.getTombstone(object.manifest.objectId)).toMatchObject({ placementKey: object.manifest.placementKey, deletedAt: Math.floor(clock) })
  })
})
