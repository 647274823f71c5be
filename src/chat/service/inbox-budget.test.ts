/**
 * The per-inbox budget as senders meet it (issue 15 item 2), over 20 real libp2p storage nodes: strangers stop at
 * the inbox's stranger allowance and leave nothing behind when refused, the recipient's contacts get in with the
 * contact pass they learned from their own inbox, or write to the recipient's contact inbox, which strangers cannot
 * find, once the recipient's messages named it; and a minority of holders refusing (full, or hostile) does not
 * stop a message: its shards go to the next-closest nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressToBytes, WalletIdentity } from '../../identity/index.ts'
import { CHAT_PLACEMENT_RULES, inboxPlacementKey } from '../../placement/index.ts'
import { startChunkService } from '../../protocols/index.ts'
import { QuotaExceededError, type ChunkStore } from '../../store/index.ts'
import { isRunning, xorClosestPeers, type MeshNode } from '../../testing/object-mesh.ts'
import { chatServiceOn, createChatMesh, joinMesh, objectStoreOn } from '../../testing/chat-mesh.ts'
import type { ChatService } from './chat-service.ts'
import { MemoryMessageCache } from './message-cache.ts'
import { NS_INBOX } from '../../crypto/index.ts'
import type { ObjectStore } from '../../objects/index.ts'
import { inboxNamespace } from '../../placement/index.ts'
import { deriveChatKeyPair } from '../chat-keys.ts'
import { deriveContactInboxIdentity } from '../derived-identities.ts'
import { sealMessage } from '../envelope.ts'
import { InboxRateLimitedError } from './errors.ts'

/** Small budgets, so that a handful of messages fills the strangers' lane. */
const INBOX_LIMITS = { maxStrangerHeldObjects: 2, maxHeldObjects: 50 }
const wallets = { alice: WalletIdentity.generate(), bob: WalletIdentity.generate(), dave: WalletIdentity.generate() }

let nodes: MeshNode[]
const mesh = (): MeshNode[] => nodes
let alice: ChatService
let aliceObjects: ObjectStore
/** What Alice's browser keeps across reloads (IndexedDB in a tab). */
const aliceCache = new MemoryMessageCache()
let bob: ChatService
let dave: ChatService
const started: ChatService[] = []

/** The recipient of Bob's contact inbox. */
const bobsContactInbox = deriveContactInboxIdentity(wallets.bob).address

/** Distinct objects held in Bob's (public, or contact) inbox over the whole mesh, and on which nodes each one's shards are. */
async function bobsInbox (recipient: string = wallets.bob.address): Promise<Map<string, string[]>> {
  const objects = new Map<string, string[]>()
  for (const node of nodes) {
    for (const record of await node.store.listByPlacementKey(inboxPlacementKey(recipient))) {
      objects.set(record.objectId, [...objects.get(record.objectId) ?? [], node.peerId])
    }
  }
  return objects
}

beforeAll(async () => {
  nodes = await createChatMesh(20, { inboxLimits: INBOX_LIMITS })
  await Promise.all(nodes.slice(0, 3).map(async node => { await joinMesh(node, nodes, 3) }))
  ;({ chat: alice, objects: aliceObjects } = chatServiceOn(nodes[0], wallets.alice, mesh, { autoCompaction: false, cache: aliceCache }))
  bob = chatServiceOn(nodes[1], wallets.bob, mesh, { autoCompaction: false }).chat
  dave = chatServiceOn(nodes[2], wallets.dave, mesh, { autoCompaction: false }).chat
  started.push(alice, bob, dave)
  await Promise.all(started.map(async chat => { await chat.start() }))
}, 90_000)

afterAll(async () => {
  await Promise.all(started.map(async chat => { await chat.stop() }))
  await Promise.all((nodes ?? []).filter(isRunning).map(async node => { await node.libp2p.stop() }))
}, 30_000)

describe('an inbox\'s budget, as senders meet it', { timeout: 60_000 }, () => {
  it('takes strangers\' messages up to the strangers\' allowance, refuses the next leaving nothing behind, and takes a contact\'s', async () => {
    // Bob has written to Alice, as an older version of the app does: without naming a contact inbox. Reading her
    // inbox, Alice learns his pass into his.
    const { bytes } = await sealMessage({
      sender: wallets.bob,
      senderKeys: deriveChatKeyPair(wallets.bob),
      recipientBundle: await bob.lookupBundle(wallets.alice.address),
      content: { text: 'hello Alice' },
      sentAt: Date.now()
    })
    await objectStoreOn(nodes[1], wallets.bob, mesh).storeObject(bytes, { namespace: inboxNamespace(wallets.alice.address) })
    expect((await alice.readHistory(wallets.bob.address)).messages.map(message => message.text)).toEqual(['hello Alice'])

    for (const text of ['first', 'second']) expect((await dave.sendMessage(wallets.bob.address, text)).storedInInbox).toBe(true)
    const held = await bobsInbox()
    expect(held.size).toBe(2)
    // Dave's third message: every holder refuses it (the inbox holds its strangers' allowance). Bob is online, so
    // it still reaches him live; nothing of it stays in the mesh (the shards spare nodes took are taken back).
    const third = await dave.sendMessage(wallets.bob.address, 'third')
    expect(third.storedInInbox).toBe(false)
    expect(third.delivered).toBe(true)
    expect(third.problems.find(problem => problem.part === 'inbox')?.message).toMatch(/has not written to/)
    expect(await bobsInbox()).toEqual(held)
    // With Bob offline, Dave learns why his message cannot be left for him.
    await bob.stop()
    const refused = await dave.sendMessage(wallets.bob.address, 'fourth').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(InboxRateLimitedError)
    expect((refused as Error).message).toMatch(/takes no more messages from people they have not written to/)
    await bob.start()
    expect(await bobsInbox()).toEqual(held)

    // Alice shows Bob's pass: the strangers' allowance does not apply to her.
    expect((await alice.sendMessage(wallets.bob.address, 'hi Bob, Alice here')).storedInInbox).toBe(true)
    expect((await bobsInbox()).size).toBe(3)
  })

  it('a reloaded tab keeps its contacts\' passes after compaction emptied its inbox', async () => {
    // Alice's compaction moves Bob's message from her inbox into her history: her inbox no longer shows his pass.
    await alice.compactHistory()
    expect((await aliceObjects.fetchObjects(wallets.alice.address, { namespace: NS_INBOX })).objects).toEqual([])
    // Her tab reloads: a new service, with what her browser kept.
    await alice.stop()
    started.splice(started.indexOf(alice), 1)
    alice = chatServiceOn(nodes[0], wallets.alice, mesh, { autoCompaction: false, cache: aliceCache }).chat
    started.push(alice)
    await alice.start()
    expect((await alice.history(wallets.bob.address)).map(message => message.text)).toContain('hello Alice')
    // Bob's inbox still holds its strangers' allowance (Dave's two): only a contact's message gets in.
    const sent = await alice.sendMessage(wallets.bob.address, 'after a reload')
    expect(sent.problems).toEqual([])
    expect(sent.storedInInbox).toBe(true)
    expect((await bobsInbox()).size).toBe(4)
  })

  it('a contact who named its contact inbox gets messages there, where strangers cannot crowd them out', async () => {
    // Bob writes to Alice as this version does: his message names his contact inbox.
    await bob.sendMessage(wallets.alice.address, 'write to me here')
    expect((await alice.history(wallets.bob.address)).map(message => message.text)).toContain('write to me here')
    const publicInbox = await bobsInbox()
    const sent = await alice.sendMessage(wallets.bob.address, 'in your contact inbox')
    expect(sent.problems).toEqual([])
    expect(sent.storedInInbox).toBe(true)
    expect(await bobsInbox()).toEqual(publicInbox) // nothing more where strangers look
    expect((await bobsInbox(bobsContactInbox)).size).toBe(1)
    // Its holders see one pseudonym writing to another: Alice wrote as her own contact inbox.
    const records = (await Promise.all(nodes.map(async node => await node.store.listByPlacementKey(inboxPlacementKey(bobsContactInbox))))).flat()
    expect(new Set(records.map(record => record.owner))).toEqual(new Set([deriveContactInboxIdentity(wallets.alice).address.toLowerCase()]))
    // And what they hold is sealed for Bob: neither party's address shows, even in the object rebuilt from its data shards.
    const data = records.filter(record => record.shardIndex < 10).sort((a, b) => a.shardIndex - b.shardIndex)
    expect(data).toHaveLength(10)
    const object = Buffer.concat(data.map(record => record.data))
    for (const address of [wallets.alice.address, wallets.bob.address]) expect(object.includes(Buffer.from(addressToBytes(address)))).toBe(false)
    // Bob's other tab, with nothing cached, reads both inboxes.
    expect((await bob.readHistory(wallets.alice.address)).messages.map(message => message.text)).toContain('in your contact inbox')
    // Alice's tab reloads: it still writes there.
    await alice.stop()
    started.splice(started.indexOf(alice), 1)
    alice = chatServiceOn(nodes[0], wallets.alice, mesh, { autoCompaction: false, cache: aliceCache }).chat
    started.push(alice)
    await alice.start()
    expect((await alice.sendMessage(wallets.bob.address, 'still there after a reload')).storedInInbox).toBe(true)
    expect((await bobsInbox(bobsContactInbox)).size).toBe(2)
    expect(await bobsInbox()).toEqual(publicInbox)
  })

  it('places a message when a minority of the inbox\'s holders refuse it, on the next-closest nodes', async () => {
    // Three of the 15 closest holders of Bob's (contact) inbox are full: every STORE meets the node quota.
    const closest = await xorClosestPeers(mesh, { liveOnly: true })(inboxPlacementKey(bobsContactInbox), 15)
    const writers = new Set(nodes.slice(0, 3).map(node => node.peerId)) // their own shards skip the chunk service
    const full = nodes.filter(node => closest.includes(node.peerId) && !writers.has(node.peerId)).slice(0, 3)
    expect(full).toHaveLength(3)
    for (const node of full) {
      await node.service.stop()
      const quota = new QuotaExceededError({ scope: 'node', usedBytes: 1, limitBytes: 1, requestedBytes: 1 })
      const fullStore = new Proxy(node.store, {
        get (target, property, receiver) {
          if (property === 'put') return async () => { throw quota }
          const value = Reflect.get(target, property, receiver) as unknown
          return typeof value === 'function' ? value.bind(target) : value
        }
      }) as ChunkStore
      node.service = await startChunkService(node.libp2p, node.privateKey, { store: fullStore, placementRules: CHAT_PLACEMENT_RULES, inboxLimits: INBOX_LIMITS })
    }
    const before = new Set((await bobsInbox(bobsContactInbox)).keys())
    // Before: the first QUOTA_EXCEEDED stopped the whole store, and the message failed (InboxRateLimitedError).
    const sent = await alice.sendMessage(wallets.bob.address, 'despite three full holders')
    expect(sent.storedInInbox).toBe(true)
    const placed = [...(await bobsInbox(bobsContactInbox)).entries()].filter(([objectId]) => !before.has(objectId))
    expect(placed).toHaveLength(1)
    const [, holders] = placed[0]
    expect(new Set(holders).size).toBe(15) // one shard on each of 15 nodes...
    for (const node of full) expect(holders).not.toContain(node.peerId) // ...none on the full ones
    expect(holders.filter(holder => !closest.includes(holder))).toHaveLength(3) // three on the next-closest
    const read = await bob.readHistory(wallets.alice.address)
    expect(read.messages.map(message => message.text)).toContain('despite three full holders')
  })
})
