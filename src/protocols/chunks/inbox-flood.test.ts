/**
 * Inbox flood and censorship (issue 15 item 2), against real holders over libp2p on loopback: a crowd of fresh
 * sender identities floods one inbox. Before the per-inbox budget, 100 new wallets x 31 messages left 3,000 objects
 * in that inbox on one holder (30 per wallet: only the per-sender rate applied; 20 wallets left 600). Now
 * strangers' objects stop at the inbox's stranger allowance (120 a minute, 512 held, by default), the recipient's
 * contacts (who show its contact pass) still get in, and a stranger's first message gets in again once the
 * recipient has removed what it read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WalletIdentity } from '../../identity/index.ts'
import { inboxNamespace, inboxPlacementKey } from '../../placement/index.ts'
import { MemoryChunkStore } from '../../store/index.ts'
import { ChunkStatus, encodeChunkRequest } from '../../wire/index.ts'
import { connect, createTestNode, frame, makeObject, rawExchange, type TestNode, type TestObject } from '../../testing/chunk-nodes.ts'
import { deleteShards, storeShard } from './client.ts'
import { RemoteNotOwnerError, RemoteQuotaExceededError } from './errors.ts'
import { DEFAULT_INBOX_LIMITS } from './inbox-limits.ts'
import { startChunkService, type ChunkService } from './service.ts'

const bob = WalletIdentity.generate()
const alice = WalletIdentity.generate()
const carol = WalletIdentity.generate()
const MESSAGE_BYTES = 600
/** The attack is 100 wallets (ZENTALK_FLOOD_WALLETS=100); 20 keep the test quick, with the same outcome. */
const FLOOD_WALLETS = Number(process.env.ZENTALK_FLOOD_WALLETS ?? 20)
/** A holder with small budgets, to run a flood through many windows quickly. */
const SMALL = { ...DEFAULT_INBOX_LIMITS, maxStrangerObjectsPerWindow: 20, maxStrangerHeldObjects: 50, maxHeldObjects: 120 }

interface Holder {
  node: TestNode
  store: MemoryChunkStore
  service: ChunkService
}

let client: TestNode
/** Default inbox limits. */
let standard: Holder
let small: Holder
/** Added to the holders' clock, to move on by whole rate windows without waiting. */
let clockOffset = 0
const now = (): number => Date.now() + clockOffset
let seed = 0

/** A message-sized object from `sender` in `recipient`'s inbox, created on the holders' clock. */
async function message (sender: WalletIdentity, recipient: WalletIdentity): Promise<TestObject> {
  return await makeObject(sender, {
    namespace: inboxNamespace(recipient.address),
    placementKey: inboxPlacementKey(recipient.address),
    length: MESSAGE_BYTES,
    createdAt: now(),
    seed: ++seed
  })
}

/** Bob's contact pass for Alice: the manifest of a message Bob put into Alice's inbox. */
let alicesPass: Uint8Array

async function store0 (holder: Holder, object: TestObject, inboxPass?: Uint8Array): Promise<ChunkStatus> {
  const reply = await rawExchange(client, holder.node.libp2p.peerId, frame(encodeChunkRequest({
    type: 'store', manifest: object.manifestBytes, shardIndex: 0, shard: object.shards[0], ...(inboxPass === undefined ? {} : { inboxPass })
  })))
  return reply.status
}

/** `wallets` fresh identities each send `perWallet` messages into Bob's inbox, 3 requests at a time; the answers. */
async function flood (holder: Holder, wallets: number, perWallet: number): Promise<Map<ChunkStatus, number>> {
  const objects: TestObject[] = []
  for (let w = 0; w < wallets; w++) {
    const attacker = WalletIdentity.generate()
    for (let i = 0; i < perWallet; i++) objects.push(await message(attacker, bob))
  }
  const answers = new Map<ChunkStatus, number>()
  const queue = [...objects]
  await Promise.all([0, 1, 2].map(async () => {
    for (let object = queue.shift(); object !== undefined; object = queue.shift()) {
      const status = await store0(holder, object)
      answers.set(status, (answers.get(status) ?? 0) + 1)
    }
  }))
  return answers
}

/** Distinct objects held in Bob's inbox on `holder`. */
async function heldInBobsInbox (holder: Holder): Promise<number> {
  return new Set((await holder.store.listByPlacementKey(inboxPlacementKey(bob.address))).map(record => record.objectId)).size
}

async function startHolder (inboxLimits = DEFAULT_INBOX_LIMITS): Promise<Holder> {
  const node = await createTestNode()
  const store = new MemoryChunkStore()
  const service = await startChunkService(node.libp2p, node.privateKey, { store, now, inboxLimits })
  await connect(client, node)
  return { node, store, service }
}

beforeAll(async () => {
  client = await createTestNode()
  ;[standard, small] = await Promise.all([startHolder(), startHolder(SMALL)])
  alicesPass = (await message(bob, alice)).manifestBytes
}, 60_000)

afterAll(async () => {
  for (const holder of [standard, small]) {
    await holder?.service.stop()
    await holder?.node.libp2p.stop()
  }
  await client?.libp2p.stop()
})

describe('inbox flood (issue 15 item 2)', () => {
  it('holds one window\'s stranger allowance of a crowd of fresh identities, and takes the recipient\'s contacts', { timeout: 60_000 }, async () => {
    // The attack: new wallets x 31 messages, each wallet one over the per-sender rate.
    const answers = await flood(standard, FLOOD_WALLETS, 31)
    // Before: 30 held per wallet (3,000 for 100 wallets). Now: one window's stranger allowance, all wallets together.
    expect(await heldInBobsInbox(standard)).toBe(DEFAULT_INBOX_LIMITS.maxStrangerObjectsPerWindow)
    expect(answers.get(ChunkStatus.OK)).toBe(DEFAULT_INBOX_LIMITS.maxStrangerObjectsPerWindow)
    expect(answers.get(ChunkStatus.QUOTA_EXCEEDED)).toBe(FLOOD_WALLETS * 31 - DEFAULT_INBOX_LIMITS.maxStrangerObjectsPerWindow)

    // Alice, whom Bob has written to, shows his pass: her messages go in at her own rate, flood or not.
    for (let i = 0; i < DEFAULT_INBOX_LIMITS.maxObjectsPerWindow; i++) {
      expect(await store0(standard, await message(alice, bob), alicesPass)).toBe(ChunkStatus.OK)
    }
    // A pass Bob gave someone else, or one Carol signed herself, is no pass: Carol is a stranger, and refused now.
    const refused = await storeShard(client.libp2p, standard.node.libp2p.peerId, { ...shard0(await message(carol, bob)), inboxPass: alicesPass })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RemoteQuotaExceededError)
    expect((refused as Error).message).toMatch(/has not written to/)
    const selfMade = (await message(carol, carol)).manifestBytes
    expect(await store0(standard, await message(carol, bob), selfMade)).toBe(ChunkStatus.QUOTA_EXCEEDED)
    expect(await heldInBobsInbox(standard)).toBe(DEFAULT_INBOX_LIMITS.maxStrangerObjectsPerWindow + DEFAULT_INBOX_LIMITS.maxObjectsPerWindow)
  })

  it('stops strangers at the inbox\'s stranger allowance however long the flood goes on, and keeps the rest for contacts', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 10; i++) expect(await store0(small, await message(alice, bob), alicesPass)).toBe(ChunkStatus.OK)
    // Window after window of new wallets: strangers' objects stop where the inbox holds maxStrangerHeldObjects.
    for (let window = 1; window <= 4; window++) {
      clockOffset += SMALL.windowMs + 1000
      const answers = await flood(small, 1, 31)
      expect(answers.get(ChunkStatus.OK)).toBe(window <= 2 ? SMALL.maxStrangerObjectsPerWindow : undefined) // 10 + 20 + 20 = 50
    }
    expect(await heldInBobsInbox(small)).toBe(SMALL.maxStrangerHeldObjects)
    const refused = await storeShard(client.libp2p, small.node.libp2p.peerId, shard0(await message(carol, bob))).catch((error: unknown) => error)
    expect((refused as Error).message).toMatch(/holds 50 objects on this holder, the most it takes from senders .* has not written to/)
    // Alice still gets in, up to maxHeldObjects: strangers can never take that from her.
    for (let i = 0; i < 30; i++) expect(await store0(small, await message(alice, bob), alicesPass)).toBe(ChunkStatus.OK)
    expect(await heldInBobsInbox(small)).toBe(SMALL.maxStrangerHeldObjects + 30)
  })

  it('takes a stranger\'s first message again once the recipient has removed what it read', { timeout: 30_000 }, async () => {
    clockOffset += SMALL.windowMs + 1000
    const first = await message(carol, bob)
    expect(await store0(small, first)).toBe(ChunkStatus.QUOTA_EXCEEDED)
    // Bob removes what he has read (compaction deletes it once packed into his history): here, 40 objects.
    const records = await small.store.listByPlacementKey(inboxPlacementKey(bob.address))
    const objectIds = [...new Set(records.map(record => record.objectId))].slice(0, 40)
    for (const objectId of objectIds) expect(await deleteShards(client.libp2p, small.node.libp2p.peerId, bob, objectId, { now })).toBe(1)
    expect(await store0(small, first)).toBe(ChunkStatus.OK)
    expect(await heldInBobsInbox(small)).toBe(SMALL.maxStrangerHeldObjects + 30 - 40 + 1)
  })
})

describe('a failed send\'s shards (issue 15 item 2: no orphans)', () => {
  it('lets the sender take its inbox object back within the undo window, and only the recipient after it', { timeout: 30_000 }, async () => {
    const taken = await message(alice, bob)
    expect(await store0(standard, taken, alicesPass)).toBe(ChunkStatus.OK)
    expect(await deleteShards(client.libp2p, standard.node.libp2p.peerId, alice, taken.manifest.objectId, { now })).toBe(1)
    expect(await standard.store.listObjectShards(taken.manifest.objectId)).toEqual([])

    const kept = await message(alice, bob)
    expect(await store0(standard, kept, alicesPass)).toBe(ChunkStatus.OK)
    clockOffset += DEFAULT_INBOX_LIMITS.senderUndoMs
    const refused = await deleteShards(client.libp2p, standard.node.libp2p.peerId, alice, kept.manifest.objectId, { now }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(RemoteNotOwnerError)
    expect((refused as Error).message).toMatch(/only by 0x[0-9a-f]{40} \(its sender may, within 600000 ms of its storing\)/)
    // Nor can anyone else, inside the window or not; the recipient can.
    await expect(deleteShards(client.libp2p, standard.node.libp2p.peerId, carol, kept.manifest.objectId, { now })).rejects.toBeInstanceOf(RemoteNotOwnerError)
    expect(await deleteShards(client.libp2p, standard.node.libp2p.peerId, bob, kept.manifest.objectId, { now })).toBe(1)
  })
})

function shard0 (object: TestObject): { manifest: TestObject['manifest'], manifestBytes: Uint8Array, shardIndex: number, shard: Uint8Array } {
  return { manifest: object.manifest, manifestBytes: object.manifestBytes, shardIndex: 0, shard: object.shards[0] }
}
