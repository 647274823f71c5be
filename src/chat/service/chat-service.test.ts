/**
 * The chat service end to end over 16 real libp2p storage nodes (DHT off, exact XOR placement): Alice, Bob and
 * Carol each run a node that also stores shards; Mallory, Dave, Eve and Frank write through Carol's node (any
 * node carries anyone's signed writes), to keep the number of connections, and the test's time, down.
 * The tests run in order and share the mesh, like one conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_INBOX } from '../../crypto/index.ts'
import { WalletIdentity } from '../../identity/index.ts'
import { isRunning, type MeshNode } from '../../testing/object-mesh.ts'
import type { ObjectStore } from '../../objects/index.ts'
import { deriveChatKeyPair } from '../chat-keys.ts'
import { sealMessage } from '../envelope.ts'
import { encodeSignedEnvelope, envelopeSigningMessage } from '../envelope-format.ts'
import {
  EnvelopeDecryptError,
  EnvelopeSignatureError,
  KeyBundleOwnerMismatchError,
  KeyBundleSignatureError,
  NotRecipientError
} from '../errors.ts'
import { createKeyBundle, encodeKeyBundle } from '../key-bundle.ts'
import { NS_ENVELOPE, NS_KEY_BUNDLE } from '../namespaces.ts'
import { SignedEnvelope } from '../../wire/index.ts'
import type { ChatService } from './chat-service.ts'
import type { MessageProgress } from './types.ts'
import type { ChatMessage, Rejection } from './chat-message.ts'
import { NS_KEY_BUNDLE_OBJECTS } from './constants.ts'
import { deliverEnvelope, deliverReadNotice } from './deliver.ts'
import { DeliverStatus } from './deliver-codec.ts'
import { createReadNotice } from '../read-notice.ts'
import { DeliveryRefusedError, InboxRateLimitedError, KeyBundleNotFoundError } from './errors.ts'
import { inboxNamespace, MemoryMessageCache } from './index.ts'
import { chatServiceOn, createChatMesh, createChatNode, joinMesh, nextEvent, noStoreContains, objectStoreOn } from '../../testing/chat-mesh.ts'

const INBOX_LIMITS = { maxObjectsPerWindow: 6 }
const wallets = {
  alice: WalletIdentity.generate(),
  bob: WalletIdentity.generate(),
  carol: WalletIdentity.generate(),
  mallory: WalletIdentity.generate(),
  dave: WalletIdentity.generate(),
  eve: WalletIdentity.generate(),
  frank: WalletIdentity.generate()
}
const utf8 = new TextEncoder()

let nodes: MeshNode[]
const mesh = (): MeshNode[] => nodes
let alice: ChatService
let bob: ChatService
let carol: ChatService
/** Every started service, stopped after the tests. */
const started: ChatService[] = []
let carolObjects: ObjectStore
let bobNode: MeshNode
let carolNode: MeshNode
/** Where Mallory and the others write from, and dial from. */
let malloryNode: MeshNode

/** Every `type` event from now on. */
function collect<T> (subscribe: (listener: (detail: T) => void) => () => void): T[] {
  const seen: T[] = []
  subscribe(detail => seen.push(detail))
  return seen
}

beforeAll(async () => {
  nodes = await createChatMesh(16, { inboxLimits: INBOX_LIMITS })
  ;[, bobNode, carolNode] = nodes
  malloryNode = carolNode
  // The nodes that write or deliver are connected to every node; plain storage nodes only answer.
  await Promise.all(nodes.slice(0, 3).map(async node => { await joinMesh(node, nodes, 3) }))
  alice = chatServiceOn(nodes[0], wallets.alice, mesh, { displayName: 'Alice' }).chat
  bob = chatServiceOn(bobNode, wallets.bob, mesh).chat
  ;({ chat: carol, objects: carolObjects } = chatServiceOn(carolNode, wallets.carol, mesh))
  started.push(alice, bob, carol)
  await Promise.all(started.map(async chat => { await chat.start() }))
}, 60_000)

afterAll(async () => {
  await Promise.all(started.map(async chat => { await chat.stop() }))
  await Promise.all((nodes ?? []).filter(isRunning).map(async node => { await node.libp2p.stop() }))
}, 30_000)

describe('chat service over a real mesh', () => {
  let bobAgain: ChatService
  let bobAgainNode: MeshNode
  const sent: string[] = []

  it('delivers Alice\'s message to Bob\'s node live, stores both copies, and reports progress', async () => {
    const states = collect<MessageProgress>(listener => alice.events.on('message-state', listener))
    const sending = Date.now()
    const received = nextEvent(bob.events, 'message', 30_000).then(message => ({ message, at: Date.now() }))
    const result = await alice.sendMessage(bob.address, 'Hello Bob')
    const { message, at } = await received
    // Live: shown without waiting for anything but the delivery itself (bound generous for a loaded machine).
    expect(at - sending).toBeLessThan(15_000)
    sent.push('Hello Bob')
    expect(message).toMatchObject({ messageId: result.messageId, from: alice.address, to: bob.address, text: 'Hello Bob', direction: 'incoming', peer: alice.address })
    expect(result).toMatchObject({ delivered: true, storedInHistory: true, storedInInbox: true, problems: [] })
    expect(states[0]).toMatchObject({ messageId: result.messageId, state: 'encrypting' })
    expect(states.some(state => state.state === 'sending' && state.inboxShards > 0 && state.inboxShards < 15)).toBe(true)
    expect(states.at(-1)).toMatchObject({ state: 'sent', delivered: true, historyShards: 15, inboxShards: 15, totalShards: 15 })
    // Holders keep ciphertext only.
    expect(await noStoreContains(nodes, utf8.encode('Hello Bob'))).toBe(true)
  })

  it('tells Alice that Bob read her message: a read notice signed by Bob marks it read; one signed by Carol for Bob is refused', async () => {
    const [first] = await bob.history(alice.address)
    expect(first.text).toBe('Hello Bob')
    const states = collect<MessageProgress>(listener => alice.events.on('message-state', listener))
    const rejected = collect<Rejection>(listener => alice.events.on('rejected', listener))
    const read = nextEvent(alice.events, 'read', 30_000)
    await bob.markRead(alice.address, [first.messageId])
    expect(await read).toMatchObject({ peer: bob.address, messageIds: [first.messageId], readAt: expect.any(Number) })
    expect(states).toEqual([expect.objectContaining({ messageId: first.messageId, state: 'sent', delivered: true, read: true })])

    // Carol signs a notice that names Bob as the reader: Alice's node refuses it and nothing is marked read.
    const forged = createReadNotice({ address: bob.address, sign: (namespace, bytes) => wallets.carol.sign(namespace, bytes) },
      { sender: alice.address, readAt: Date.now(), messageIds: [first.messageId] })
    await expect(deliverReadNotice(carolNode.libp2p, nodes[0].libp2p.peerId, forged)).rejects.toMatchObject({ name: 'DeliveryRefusedError', status: DeliverStatus.BAD_SIGNATURE })
    expect(rejected.map(r => r.error.name)).toEqual(['InvalidSignatureError'])
    expect(states).toHaveLength(1)
  })

  it('keeps messages for an offline Bob in his inbox; his new node (same wallet, empty cache) reads all, in order', async () => {
    await bob.stop()
    await bobNode.libp2p.stop()
    for (const text of ['one', 'two', 'three']) {
      const result = await alice.sendMessage(bob.address, text)
      expect(result).toMatchObject({ delivered: false, storedInHistory: true, storedInInbox: true })
      expect(result.problems.map(problem => problem.part)).toEqual(['delivery'])
      sent.push(text)
    }

    bobAgainNode = await createChatNode({ inboxLimits: INBOX_LIMITS })
    nodes = [...nodes, bobAgainNode]
    await joinMesh(bobAgainNode, nodes)
    bobAgain = chatServiceOn(bobAgainNode, wallets.bob, mesh).chat
    started.push(bobAgain)
    await bobAgain.start()
    const report = await bobAgain.readHistory()
    expect(report.messages.map(message => [message.text, message.from, message.direction]))
      .toEqual(sent.map(text => [text, alice.address, 'incoming']))
    expect(report.rejected).toEqual([])
    expect((await bobAgain.history(alice.address)).map(message => message.text)).toEqual(sent)
    expect((await bobAgain.history(carol.address))).toEqual([])
    expect((await alice.history(bob.address)).map(message => [message.text, message.direction])).toEqual(sent.map(text => [text, 'outgoing']))

    // Bob's new node published a newer presence record: Alice's next message reaches it live.
    const received = nextEvent(bobAgain.events, 'message')
    const result = await alice.sendMessage(bob.address, 'four')
    sent.push('four')
    expect(result.delivered).toBe(true)
    expect((await received).text).toBe('four')
  })

  it('keeps Carol out: she cannot open Bob\'s inbox, and her node refuses an envelope addressed to Bob', async () => {
    expect(await carol.history()).toEqual([])
    const { objects } = await carolObjects.fetchObjects(bob.address, { namespace: NS_INBOX })
    expect(objects.length).toBe(sent.length)
    for (const object of objects) {
      await expect(carol.openEnvelope(object.bytes)).rejects.toBeInstanceOf(NotRecipientError)
    }
    const rejected = nextEvent(carol.events, 'rejected')
    const refusal = await deliverEnvelope(nodes[0].libp2p, carolNode.libp2p.peerId, wallets.carol.address, objects[0].bytes)
      .catch((error: unknown) => error)
    expect(refusal).toBeInstanceOf(DeliveryRefusedError)
    expect((refusal as DeliveryRefusedError).status).toBe('NOT_RECIPIENT')
    expect((await rejected).error).toBeInstanceOf(NotRecipientError)
  })

  it('rejects a tampered envelope, a wrong signature and an undecryptable one with typed errors, live and from the inbox', async () => {
    const sealed = await sealMessage({
      sender: wallets.alice,
      senderKeys: deriveChatKeyPair(wallets.alice),
      recipientBundle: await alice.lookupBundle(bob.address),
      content: { text: 'genuine' },
      sentAt: Date.now()
    })
    const { header, ciphertext, signature } = SignedEnvelope.decode(sealed.bytes)
    const flipped = Uint8Array.from(ciphertext)
    flipped[0] ^= 1
    const tampered = encodeSignedEnvelope({ headerBytes: header, ciphertext: flipped, signature })
    const wrongSignature = encodeSignedEnvelope({ headerBytes: header, ciphertext, signature: wallets.mallory.sign(NS_ENVELOPE, envelopeSigningMessage(header, ciphertext)) })
    const undecryptable = encodeSignedEnvelope({ headerBytes: header, ciphertext: flipped, signature: wallets.alice.sign(NS_ENVELOPE, envelopeSigningMessage(header, flipped)) })
    const bad = [tampered, wrongSignature, undecryptable]

    const rejections = collect<Rejection>(listener => bobAgain.events.on('rejected', listener))
    const shown = collect<ChatMessage>(listener => bobAgain.events.on('message', listener))
    const statuses = []
    for (const bytes of bad) {
      const refusal = await deliverEnvelope(malloryNode.libp2p, bobAgainNode.libp2p.peerId, wallets.bob.address, bytes).catch((error: unknown) => error)
      expect(refusal).toBeInstanceOf(DeliveryRefusedError)
      statuses.push((refusal as DeliveryRefusedError).status)
    }
    expect(statuses).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE', 'UNREADABLE'])
    expect(rejections.map(rejection => [rejection.source, rejection.error.name])).toEqual([
      ['live', 'EnvelopeSignatureError'], ['live', 'EnvelopeSignatureError'], ['live', 'EnvelopeDecryptError']
    ])
    expect(rejections[2].error).toBeInstanceOf(EnvelopeDecryptError)
    expect(rejections[1].error.message).toContain(`signed by ${wallets.mallory.address}`)
    expect(shown).toEqual([])

    // The same bytes appended to Bob's inbox by Mallory are reported, never shown, and hide nothing genuine.
    const malloryObjects = objectStoreOn(malloryNode, wallets.mallory, mesh)
    for (const bytes of bad) await malloryObjects.storeObject(bytes, { namespace: inboxNamespace(bob.address) })
    const report = await bobAgain.readHistory()
    expect(report.messages.map(message => message.text)).toEqual(sent)
    expect(report.rejected.map(rejection => `${rejection.source} ${rejection.error.name}`).sort())
      .toEqual(['inbox EnvelopeDecryptError', 'inbox EnvelopeSignatureError', 'inbox EnvelopeSignatureError'])
    expect(report.rejected.every(rejection => rejection.error instanceof EnvelopeSignatureError || rejection.error instanceof EnvelopeDecryptError)).toBe(true)
    // Each refused object is also reported as an event (for the UI to show), once, not on every read.
    const inboxRejections = (): string[] => rejections.filter(rejection => rejection.source === 'inbox').map(rejection => rejection.error.name).sort()
    expect(inboxRejections()).toEqual(['EnvelopeDecryptError', 'EnvelopeSignatureError', 'EnvelopeSignatureError'])
    await bobAgain.readHistory()
    expect(inboxRejections()).toHaveLength(3)
  })

  it('refuses a key bundle signed by another key, one naming another owner, and reports a missing one', async () => {
    const dave = wallets.dave
    const genuine = createKeyBundle(dave, { x25519PublicKey: deriveChatKeyPair(dave).publicKey, createdAt: Date.now() })
    const forged = encodeKeyBundle({ bodyBytes: genuine.bodyBytes, signature: wallets.mallory.sign(NS_KEY_BUNDLE, genuine.bodyBytes) })
    await objectStoreOn(malloryNode, dave, mesh).storeObject(forged, { namespace: NS_KEY_BUNDLE_OBJECTS })
    const rejections = collect<Rejection>(listener => alice.events.on('rejected', listener))
    await expect(alice.lookupBundle(dave.address)).rejects.toBeInstanceOf(KeyBundleSignatureError)
    await expect(alice.sendMessage(dave.address, 'hi Dave')).rejects.toBeInstanceOf(KeyBundleSignatureError)
    expect(rejections[0]).toMatchObject({ source: 'key-bundle', address: dave.address })
    expect(rejections[0].error).toBeInstanceOf(KeyBundleSignatureError)

    // Eve publishes Alice's genuine bundle as her own: valid signature, wrong owner.
    await objectStoreOn(malloryNode, wallets.eve, mesh).storeObject(encodeKeyBundle(await alice.lookupBundle(alice.address)), { namespace: NS_KEY_BUNDLE_OBJECTS })
    await expect(carol.lookupBundle(wallets.eve.address)).rejects.toBeInstanceOf(KeyBundleOwnerMismatchError)
    await expect(carol.lookupBundle(WalletIdentity.generate().address)).rejects.toBeInstanceOf(KeyBundleNotFoundError)
  })

  it('queues a message to someone who has not published a key bundle yet, and sends it once the bundle appears', async () => {
    const gina = WalletIdentity.generate()
    const { chat: sender } = chatServiceOn(carolNode, wallets.carol, mesh, { queueRetryMs: 100 })
    const states = collect<MessageProgress>(listener => sender.events.on('message-state', listener))
    const sending = sender.sendMessage(gina.address, 'waiting for you, Gina')
    await expect.poll(() => states.at(-1)).toMatchObject({ state: 'queued', waitingFor: 'key-bundle' })
    // Gina opens ZenTalk: her bundle is published, and the queued message goes out by itself.
    const { chat: ginaChat } = chatServiceOn(malloryNode, gina, mesh)
    await ginaChat.publishKeyBundle()
    const result = await sending
    expect(result).toMatchObject({ to: gina.address, storedInInbox: true })
    const steps = states.map(state => state.state).filter((state, i, all) => state !== all[i - 1])
    expect(steps).toEqual(['encrypting', 'queued', 'encrypting', 'sending', 'sent'])
    expect((await ginaChat.readHistory(wallets.carol.address)).messages.map(message => message.text)).toEqual(['waiting for you, Gina'])
  })

  it('queues a message composed before the node has joined, and fails one whose recipient never publishes within the queue time', async () => {
    let joined = (): void => {}
    const nodeReady = new Promise<void>(resolve => { joined = resolve })
    const { chat: early } = chatServiceOn(carolNode, wallets.carol, mesh, { nodeReady, queueRetryMs: 50, queueLifetimeMs: 400 })
    const states = collect<MessageProgress>(listener => early.events.on('message-state', listener))
    const sending = early.sendMessage(bob.address, 'composed before joining')
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(states.map(state => [state.state, state.waitingFor])).toEqual([['queued', 'node']])
    joined()
    expect(await sending).toMatchObject({ storedInInbox: true })
    const never = WalletIdentity.generate()
    await expect(early.sendMessage(never.address, 'no one reads this')).rejects.toBeInstanceOf(KeyBundleNotFoundError)
    expect(states.at(-1)).toMatchObject({ state: 'failed', to: never.address })
    expect(states.some(state => state.to === never.address && state.state === 'queued')).toBe(true)
    // Asked not to queue, it fails at once, never queued.
    const before = states.length
    await expect(early.sendMessage(WalletIdentity.generate().address, 'not queued', { queue: false })).rejects.toBeInstanceOf(KeyBundleNotFoundError)
    expect(states.slice(before).map(state => state.state)).toEqual(['encrypting', 'failed'])
  })

  it('shows what the device cached without asking the mesh: a reopened service opens cached messages with cached bundles', async () => {
    const hana = WalletIdentity.generate()
    const cache = new MemoryMessageCache()
    const { chat: before } = chatServiceOn(carolNode, hana, mesh, { cache })
    await before.publishKeyBundle()
    await alice.sendMessage(hana.address, 'kept on this device')
    expect((await before.readHistory()).messages.map(message => message.text)).toEqual(['kept on this device'])
    // The tab reopens: same device cache, and a mesh that has not answered yet.
    const { chat: after, objects } = chatServiceOn(carolNode, hana, mesh, { cache })
    objects.fetchObjects = async () => { throw new Error('the mesh was asked') }
    const shown = await after.readCachedHistory(alice.address)
    expect(shown.map(message => [message.from, message.text])).toEqual([[alice.address, 'kept on this device']])
    expect(await after.readCachedHistory(wallets.bob.address)).toEqual([])
  })

  it('opens a first live message with the key bundle the sender sent along, without asking the mesh for it', async () => {
    const ivy = WalletIdentity.generate()
    const { chat: ivyChat, objects } = chatServiceOn(nodes[3], ivy, mesh)
    started.push(ivyChat)
    await ivyChat.start()
    // From now on Ivy's node cannot read the mesh: Alice's bundle can only come with her message.
    objects.fetchObjects = async () => { throw new Error('the mesh was asked') }
    const received = nextEvent(ivyChat.events, 'message', 30_000)
    const result = await alice.sendMessage(ivy.address, 'first contact')
    expect(result).toMatchObject({ delivered: true, deliveredVia: 'direct' })
    expect((await received).text).toBe('first contact')
    expect((await ivyChat.lookupBundle(alice.address)).x25519PublicKey).toEqual(alice.chatPublicKey)
  })

  it('stops a sender at the inbox holders\' rate limit with a typed error', async () => {
    // Frank published his key bundle once but is offline: everything sent to him goes through his inbox.
    const { chat: frank } = chatServiceOn(malloryNode, wallets.frank, mesh)
    const frankBundle = await frank.publishKeyBundle()
    const { chat: mallory, objects: malloryObjects } = chatServiceOn(malloryNode, wallets.mallory, mesh)
    await mallory.publishKeyBundle()
    // Mallory floods Frank's inbox directly (no history copies, to keep the test short), up to the limit...
    const malloryKeys = deriveChatKeyPair(wallets.mallory)
    for (let i = 0; i < INBOX_LIMITS.maxObjectsPerWindow; i++) {
      const { bytes } = await sealMessage({ sender: wallets.mallory, senderKeys: malloryKeys, recipientBundle: frankBundle, content: { text: `spam ${i}` }, sentAt: Date.now() + i })
      await malloryObjects.storeObject(bytes, { namespace: inboxNamespace(wallets.frank.address) })
    }
    // ...and the service's next message is refused by every holder alike: a typed error, not a silent spill.
    const refused = await mallory.sendMessage(wallets.frank.address, 'one too many').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(InboxRateLimitedError)
    expect((refused as Error).message).toMatch(/take no more messages from you/)
    const report = await frank.readHistory(wallets.mallory.address)
    expect(report.messages.map(message => message.text)).toEqual(Array.from({ length: INBOX_LIMITS.maxObjectsPerWindow }, (_, i) => `spam ${i}`))
    // Nothing of the refused message was left behind, not even on Mallory's own node when it holds part of the inbox.
    expect(report.unavailable).toEqual([])
    expect(report.rejected).toEqual([])
  })
})
