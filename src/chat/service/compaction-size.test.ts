/**
 * What compaction saves, measured over 15 real libp2p storage nodes: a history of short (35-character)
 * messages, as single-message objects and then as segments. Bytes at holders are every holder's shard records
 * (shard, signed manifest, shard proof); a read counts the FETCH requests sent to holders and the objects rebuilt.
 * Prints the figures; asserts that segments keep the history at no more than 3 times its sealed bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../../crypto/index.ts'
import { WalletIdentity } from '../../identity/index.ts'
import { ObjectStore } from '../../objects/index.ts'
import { CHAT_PLACEMENT_RULES } from '../../placement/index.ts'
import { isRunning, objectStoreDeps, xorClosestPeers, type MeshNode } from '../../testing/object-mesh.ts'
import { createChatMesh, joinMesh } from '../../testing/chat-mesh.ts'
import { deriveChatKeyPair } from '../chat-keys.ts'
import { openMessage, sealMessage } from '../envelope.ts'
import { deriveSegmentKey } from '../history-segment.ts'
import { createKeyBundle } from '../key-bundle.ts'
import { toChatMessage } from './chat-message.ts'
import { HistoryCompactor } from './compaction.ts'
import { expandHistoryObjects } from './history-segments.ts'

/**
 * 100 by default, to keep the unit suite short (storing and deleting each message's object takes about 0.2 s of this
 * test's 15-node mesh); `ZENTALK_COMPACTION_MESSAGES=1000 npx vitest run --project node <this file>` gives the
 * figures the README quotes.
 */
const MESSAGES = Number(process.env.ZENTALK_COMPACTION_MESSAGES ?? 100)
const TEXT = 'See you at the station at 6:30, ok?'
const STORES_AT_ONCE = 16

const alice = WalletIdentity.generate()
const bob = WalletIdentity.generate()
let nodes: MeshNode[]
let objects: ObjectStore
const fetchRequests = { count: 0 }

beforeAll(async () => {
  nodes = await createChatMesh(15)
  await joinMesh(nodes[0], nodes, 4)
  const deps = objectStoreDeps(nodes[0], alice, xorClosestPeers(() => nodes, { liveOnly: true }), {
    placementRules: CHAT_PLACEMENT_RULES, storeTimeoutMs: 30_000, fetchTimeoutMs: 30_000, readDeadlineMs: 120_000
  })
  const fetch = deps.exchange.fetch.bind(deps.exchange)
  deps.exchange = { ...deps.exchange, connected: deps.exchange.connected.bind(deps.exchange), fetch: async (...args) => { fetchRequests.count++; return await fetch(...args) } }
  objects = new ObjectStore(deps)
}, 60_000)

afterAll(async () => {
  await Promise.all((nodes ?? []).filter(isRunning).map(async node => { await node.libp2p.stop() }))
}, 30_000)

/** Sum over holders of shard + manifest + proof bytes, and the number of shard records. */
async function bytesAtHolders (): Promise<{ bytes: number, records: number }> {
  let bytes = 0
  let records = 0
  for (const node of nodes) {
    for (const key of await node.store.listShardKeys()) {
      const record = await node.store.get(key.objectId, key.shardIndex)
      if (record === undefined) continue
      bytes += record.data.length + record.manifest.length + (record.shardProof?.length ?? 0)
      records++
    }
  }
  return { bytes, records }
}

async function readAll (): Promise<{ objects: number, requests: number, messages: number, ms: number }> {
  const before = fetchRequests.count
  const started = Date.now()
  const result = await objects.fetchObjects(alice.address, { namespace: NS_HISTORY })
  expect(result.failed).toEqual([])
  const { copies } = await expandHistoryObjects(result.objects, 'history', alice.address, deriveSegmentKey(alice))
  return { objects: result.objects.length, requests: fetchRequests.count - before, messages: copies.length, ms: Date.now() - started }
}

describe('history compaction, measured', () => {
  it(`keeps ${MESSAGES} short messages at holders in at most 3 times their sealed bytes`, async () => {
    const aliceKeys = deriveChatKeyPair(alice)
    const bobKeys = deriveChatKeyPair(bob)
    const bobBundle = createKeyBundle(bob, { x25519PublicKey: bobKeys.publicKey, createdAt: 1 })
    const aliceBundle = createKeyBundle(alice, { x25519PublicKey: aliceKeys.publicKey, createdAt: 1 })
    const envelopes = await Promise.all(Array.from({ length: MESSAGES }, async (_, i) =>
      (await sealMessage({ sender: alice, senderKeys: aliceKeys, recipientBundle: bobBundle, content: { text: TEXT }, sentAt: 1_800_000_000_000 + i })).bytes))
    expect(new TextEncoder().encode(TEXT)).toHaveLength(35)
    const sealed = envelopes.reduce((sum, envelope) => sum + envelope.length, 0)

    const queue = [...envelopes]
    await Promise.all(Array.from({ length: STORES_AT_ONCE }, async () => {
      for (let envelope = queue.shift(); envelope !== undefined; envelope = queue.shift()) await objects.storeObject(envelope, { namespace: NS_HISTORY })
    }))
    const before = await bytesAtHolders()
    const readBefore = await readAll()
    expect(readBefore).toMatchObject({ objects: MESSAGES, messages: MESSAGES })

    const compactor = new HistoryCompactor({
      owner: alice.address,
      objects,
      segmentKey: deriveSegmentKey(alice),
      open: async bytes => toChatMessage(await openMessage(bytes, { me: alice.address, myKeys: aliceKeys, lookupBundle: async address => address === bob.address ? bobBundle : aliceBundle })),
      now: Date.now
    })
    const started = Date.now()
    const result = await compactor.run()
    const compactionMs = Date.now() - started
    expect(result).toMatchObject({ messages: MESSAGES, deleted: MESSAGES })
    const after = await bytesAtHolders()
    const readAfter = await readAll()
    expect(readAfter).toMatchObject({ objects: result.segments, messages: MESSAGES })

    const ratio = (bytes: number): string => (bytes / sealed).toFixed(2)
    console.log([
      `${MESSAGES} messages of 35 characters: ${sealed} sealed bytes (${(sealed / MESSAGES).toFixed(0)} per envelope)`,
      `before compaction: ${before.bytes} bytes at holders in ${before.records} shard records (${ratio(before.bytes)} × sealed, ${(before.bytes / MESSAGES).toFixed(0)} per message); ` +
        `a read: ${readBefore.objects} objects, ${readBefore.requests} holder FETCH requests, ${readBefore.ms} ms`,
      `after compaction (${compactionMs} ms): ${after.bytes} bytes at holders in ${after.records} shard records (${ratio(after.bytes)} × sealed, ${(after.bytes / MESSAGES).toFixed(0)} per message); ` +
        `a read: ${readAfter.objects} objects (segments), ${readAfter.requests} holder FETCH requests, ${readAfter.ms} ms`
    ].join('\n'))
    expect(after.bytes).toBeLessThanOrEqual(3 * sealed)
    expect(after.bytes * 5).toBeLessThan(before.bytes)
  }, 600_000)
})
