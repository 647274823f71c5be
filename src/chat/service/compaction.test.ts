/**
 * Compaction of a history into segments over 15 real libp2p storage nodes (DHT off, exact XOR placement): Alice
 * and Bob chat; Alice packs her history and inbox, is stopped half way, runs again, and a reader on another node
 * with an empty cache (what a new tab of Alice's sees) finds every message exactly once at every step. Alice's
 * history lives under her history identity (derived-identities.ts): each sent message's copy is a segment of one
 * envelope until compaction packs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY, NS_INBOX } from '../../crypto/index.ts'
import { WalletIdentity } from '../../identity/index.ts'
import type { ObjectStore } from '../../objects/index.ts'
import { isRunning, type MeshNode } from '../../testing/object-mesh.ts'
import { chatServiceOn, createChatMesh, joinMesh } from '../../testing/chat-mesh.ts'
import { HistorySegmentDecryptError } from '../errors.ts'
import { deriveSegmentKey, isHistorySegment, openHistorySegment, sealHistorySegment } from '../history-segment.ts'
import { deriveContactInboxIdentity, deriveHistoryIdentity } from '../derived-identities.ts'
import type { ChatService } from './chat-service.ts'
import type { ChatMessage } from './chat-message.ts'
import { HistorySegmentReadBackError } from './errors.ts'

const wallets = { alice: WalletIdentity.generate(), bob: WalletIdentity.generate() }
let nodes: MeshNode[]
const mesh = (): MeshNode[] => nodes
let alice: ChatService
let aliceObjects: ObjectStore
/** Alice's store signing as her history identity: the one her chat service writes her history with. */
let aliceHistory: ObjectStore
const aliceHistoryId = deriveHistoryIdentity(wallets.alice)
/** The recipient of Alice's contact inbox, where Bob writes once her messages named it; and its signing store. */
const aliceInboxId = deriveContactInboxIdentity(wallets.alice)
let aliceInbox: ObjectStore
let bob: ChatService
/** Alice on another node with an empty cache: reads only what the mesh has. */
let reader: ChatService

beforeAll(async () => {
  nodes = await createChatMesh(15)
  await Promise.all(nodes.slice(0, 3).map(async node => { await joinMesh(node, nodes, 3) }))
  ;({ chat: alice, objects: aliceObjects } = chatServiceOn(nodes[0], wallets.alice, mesh, { autoCompaction: false }))
  aliceHistory = aliceObjects.withSigner(aliceHistoryId)
  aliceInbox = aliceObjects.withSigner(aliceInboxId)
  bob = chatServiceOn(nodes[1], wallets.bob, mesh, { autoCompaction: false }).chat
  reader = chatServiceOn(nodes[2], wallets.alice, mesh, { autoCompaction: false }).chat
  await Promise.all([alice.start(), bob.start()])
}, 60_000)

afterAll(async () => {
  await Promise.all([alice, bob].filter(chat => chat !== undefined).map(async chat => { await chat.stop() }))
  await Promise.all((nodes ?? []).filter(isRunning).map(async node => { await node.libp2p.stop() }))
}, 30_000)

/** (from, messageId) of every message, as the reader sees them; fails on a message shown twice. */
async function readOnce (): Promise<ChatMessage[]> {
  const report = await reader.readHistory()
  expect(report.rejected).toEqual([])
  expect(report.unavailable).toEqual([])
  const keys = report.messages.map(message => `${message.from}/${message.messageId}`)
  expect(new Set(keys).size).toBe(keys.length)
  return report.messages
}

/** Alice's history (under her history identity) or inboxes (public and contact), as the mesh holds them. */
async function ownObjects (namespace: string): Promise<Uint8Array[]> {
  const results = namespace === NS_HISTORY
    ? [await aliceHistory.fetchObjects(aliceHistoryId.address, { namespace })]
    : [await aliceObjects.fetchObjects(wallets.alice.address, { namespace }), await aliceObjects.fetchObjects(aliceInboxId.address, { namespace })]
  expect(results.flatMap(result => result.failed)).toEqual([])
  return results.flatMap(result => result.objects.map(object => object.bytes))
}

/** How many envelopes a segment of Alice's history holds. */
async function envelopesIn (segment: Uint8Array): Promise<number> {
  return (await openHistorySegment(aliceHistoryId.address, deriveSegmentKey(wallets.alice), segment)).envelopes.length
}

describe('history compaction', () => {
  const texts: string[] = []

  it('packs the history and the inbox; stopped between storing the segment and deleting, nothing is lost or doubled', async () => {
    for (let i = 0; i < 24; i++) {
      const text = `from Alice ${i} ${'x'.repeat(20)}`
      await alice.sendMessage(bob.address, text)
      texts.push(text)
    }
    for (let i = 0; i < 4; i++) {
      const text = `from Bob ${i}`
      await bob.sendMessage(alice.address, text)
      texts.push(text)
    }
    expect((await readOnce()).map(message => message.text).sort()).toEqual([...texts].sort())
    const sent = await ownObjects(NS_HISTORY)
    expect(sent).toHaveLength(24)
    expect(await Promise.all(sent.map(envelopesIn))).toEqual(sent.map(() => 1))
    expect(await ownObjects(NS_INBOX)).toHaveLength(4)

    // The node stops after 5 deletes: the segment is stored and read back, most small objects are still there.
    const stores = [aliceObjects, aliceHistory, aliceInbox]
    const deletes = stores.map(store => store.deleteObject.bind(store))
    let deleted = 0
    for (const [i, store] of stores.entries()) {
      store.deleteObject = async (...args) => {
        if (++deleted > 5) throw new Error('node stopped')
        return await deletes[i](...args)
      }
    }
    try {
      await expect(alice.compactHistory()).rejects.toThrow('node stopped')
    } finally {
      for (const [i, store] of stores.entries()) store.deleteObject = deletes[i]
    }
    const halfway = [...await ownObjects(NS_HISTORY), ...await ownObjects(NS_INBOX)]
    expect(halfway).toHaveLength(1 + 28 - 5)
    const sizes = await Promise.all(halfway.map(async bytes => isHistorySegment(bytes) ? await envelopesIn(bytes) : 1))
    expect(sizes.filter(size => size === 28)).toHaveLength(1)
    expect(sizes.filter(size => size === 1)).toHaveLength(28 - 5)
    const segment = halfway[sizes.indexOf(28)]
    // Every message once, from the segment and the objects left.
    expect((await readOnce()).map(message => message.text).sort()).toEqual([...texts].sort())

    // Run again: the segment names the objects it replaced, so what is left of them goes, and the segment stays.
    expect(await alice.compactHistory()).toEqual({ segments: 0, messages: 0, deleted: 23 })
    const history = await ownObjects(NS_HISTORY)
    expect(history).toEqual([segment])
    expect(await ownObjects(NS_INBOX)).toEqual([])
    const messages = await readOnce()
    expect(messages.map(message => message.text).sort()).toEqual([...texts].sort())
    expect(messages.filter(message => message.direction === 'incoming')).toHaveLength(4)

    // A third run finds nothing to do and does not rewrite the segment.
    expect(await alice.compactHistory()).toEqual({ segments: 0, messages: 0, deleted: 0 })
    expect(await ownObjects(NS_HISTORY)).toEqual(history)
  }, 180_000)

  it('tops up the last segment with new messages; two runs asked at once run one after the other', async () => {
    for (let i = 0; i < 3; i++) {
      const text = `later ${i}`
      await alice.sendMessage(bob.address, text)
      texts.push(text)
    }
    // Read in between: the new messages are there before any compaction.
    expect(await readOnce()).toHaveLength(texts.length)
    // Nine holders (too few to rebuild it, enough that any read meets one) will miss the delete of one of them:
    // keep their shards aside, put them back afterwards.
    const { objects: small } = await aliceHistory.fetchObjects(aliceHistoryId.address, { namespace: NS_HISTORY })
    const missed = (await Promise.all(small.map(async object => ({ object, count: await envelopesIn(object.bytes) })))).find(({ count }) => count === 1)!.object
    const held = await Promise.all(nodes.map(async node => ({ node, records: await node.store.listObjectShards(missed.objectId) })))
    const missedBy = held.filter(holder => holder.records.length > 0).slice(0, 9)
    expect(missedBy).toHaveLength(9)

    const [first, second] = await Promise.all([alice.compactHistory(), alice.compactHistory()])
    expect(first).toEqual({ segments: 1, messages: 31, deleted: 4 })
    expect(second).toEqual({ segments: 0, messages: 0, deleted: 0 })
    const history = await ownObjects(NS_HISTORY)
    expect(history).toHaveLength(1)
    const contents = await openHistorySegment(aliceHistoryId.address, deriveSegmentKey(wallets.alice), history[0])
    expect(contents.envelopes).toHaveLength(31)
    expect(contents.replaces).toContain(missed.objectId)
    expect((await readOnce()).map(message => message.text).sort()).toEqual([...texts].sort())

    // The leftover shards are not reported as missing history (readOnce checks `unavailable`), and the next run deletes them.
    // (A holder that was offline during the delete has neither a tombstone nor lost its shard.)
    for (const { node, records } of missedBy) {
      await node.store.purgeTombstones(Date.now() + 1)
      for (const record of records) await node.store.put(record)
    }
    const { failed } = await aliceHistory.fetchObjects(aliceHistoryId.address, { namespace: NS_HISTORY })
    expect(failed.map(object => object.objectId)).toEqual([missed.objectId])
    expect((await readOnce()).map(message => message.text).sort()).toEqual([...texts].sort())
    expect(await alice.compactHistory()).toEqual({ segments: 0, messages: 0, deleted: 1 })
    for (const { node } of missedBy) expect(await node.store.listObjectShards(missed.objectId)).toEqual([])
    expect(await ownObjects(NS_HISTORY)).toEqual(history)
  }, 120_000)

  it('reports a segment that does not open as refused, shows the rest, and leaves it alone', async () => {
    // A segment of Alice's history sealed with a key that is not hers (a bug, or a restored wrong wallet).
    const [envelope] = (await aliceObjects.fetchObjects(wallets.bob.address, { namespace: NS_INBOX }).catch(() => ({ objects: [] }))).objects
    const foreign = await sealHistorySegment(aliceHistoryId.address, deriveSegmentKey(wallets.bob), { envelopes: [envelope?.bytes ?? new Uint8Array(300).fill(10)], replaces: [] })
    const { objectId } = await aliceHistory.storeObject(foreign, { namespace: NS_HISTORY })
    const report = await reader.readHistory()
    expect(report.rejected).toEqual([expect.objectContaining({ source: 'history', objectId, error: expect.any(HistorySegmentDecryptError) })])
    expect(report.messages.map(message => message.text).sort()).toEqual([...texts].sort())
    expect(await alice.compactHistory()).toEqual({ segments: 0, messages: 0, deleted: 0 })
    expect(await ownObjects(NS_HISTORY)).toHaveLength(2)
    await aliceHistory.deleteObject(objectId)
  }, 60_000)

  it('runs by itself once enough objects are old enough, after a history read', async () => {
    const auto = chatServiceOn(nodes[0], wallets.alice, mesh, { autoCompaction: { minObjects: 3, minAgeMs: 0 } })
    for (let i = 0; i < 2; i++) {
      await alice.sendMessage(bob.address, `auto ${i}`)
      texts.push(`auto ${i}`)
    }
    // Two packable objects: below the threshold, nothing happens.
    await auto.chat.readHistory()
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(await ownObjects(NS_HISTORY)).toHaveLength(3)
    await alice.sendMessage(bob.address, 'auto 2')
    texts.push('auto 2')
    await auto.chat.readHistory()
    // The read started a run in the background: wait until the segment replaced the three objects.
    const deadline = Date.now() + 60_000
    // (Objects being deleted show as failed while only some of their holders have deleted their shards.)
    const current = async (): Promise<number> => {
      const { objects, failed } = await aliceHistory.fetchObjects(aliceHistoryId.address, { namespace: NS_HISTORY })
      return objects.length + failed.length
    }
    while (await current() > 1 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 250))
    // An explicit run waits for any run under way, then finds nothing left.
    expect(await auto.chat.compactHistory()).toEqual({ segments: 0, messages: 0, deleted: 0 })
    const history = await ownObjects(NS_HISTORY)
    expect(history).toHaveLength(1)
    expect(await envelopesIn(history[0])).toBe(34)
    expect((await readOnce()).map(message => message.text).sort()).toEqual([...texts].sort())
  }, 120_000)

  it('deletes nothing when a segment does not read back as written, and finishes on the next run', async () => {
    await alice.sendMessage(bob.address, 'read back')
    texts.push('read back')
    const fetchObject = aliceHistory.fetchObject.bind(aliceHistory)
    aliceHistory.fetchObject = async (...args) => {
      const object = await fetchObject(...args)
      return { ...object, bytes: object.bytes.subarray(1) }
    }
    try {
      await expect(alice.compactHistory()).rejects.toBeInstanceOf(HistorySegmentReadBackError)
    } finally {
      aliceHistory.fetchObject = fetchObject
    }
    // The old segment, the new message's copy and the segment that did not read back: all still there.
    const history = await ownObjects(NS_HISTORY)
    expect((await Promise.all(history.map(envelopesIn))).sort((a, b) => a - b)).toEqual([1, texts.length - 1, texts.length])
    expect((await readOnce()).map(message => message.text).sort()).toEqual([...texts].sort())
    // The new segment is intact after all (only its read back failed): the next run deletes what it replaces.
    expect(await alice.compactHistory()).toEqual({ segments: 0, messages: 0, deleted: 2 })
    const [segment, ...rest] = await ownObjects(NS_HISTORY)
    expect(rest).toEqual([])
    expect(await envelopesIn(segment)).toBe(texts.length)
    expect((await readOnce()).map(message => message.text).sort()).toEqual([...texts].sort())
  }, 120_000)
})
