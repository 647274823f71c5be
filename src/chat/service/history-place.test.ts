/**
 * Where a user's history lives, over 15 real libp2p storage nodes (DHT off, exact XOR placement): under the
 * history identity derived from the wallet key (derived-identities.ts), not under a key anyone can compute from the
 * user's address; each sent message's copy sealed, so its holders learn neither party. History written under the
 * wallet address before is still read, and compaction moves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../../crypto/index.ts'
import { addressToBytes, WalletIdentity } from '../../identity/index.ts'
import { placementKeyFor } from '../../placement/index.ts'
import type { ShardRecord } from '../../store/index.ts'
import { isRunning, type MeshNode } from '../../testing/object-mesh.ts'
import { chatServiceOn, containsBytes as contains, createChatMesh, joinMesh } from '../../testing/chat-mesh.ts'
import { deriveHistoryIdentity } from '../derived-identities.ts'
import { deriveSegmentKey, openHistorySegment } from '../history-segment.ts'
import type { ChatService } from './chat-service.ts'

const wallets = { alice: WalletIdentity.generate(), bob: WalletIdentity.generate(), carol: WalletIdentity.generate(), dave: WalletIdentity.generate(), erin: WalletIdentity.generate() }
let nodes: MeshNode[]
const mesh = (): MeshNode[] => nodes
const started: ChatService[] = []

beforeAll(async () => {
  nodes = await createChatMesh(15)
  await Promise.all(nodes.slice(0, 10).map(async node => { await joinMesh(node, nodes, 3) }))
}, 60_000)

afterAll(async () => {
  await Promise.all(started.map(async chat => { await chat.stop() }))
  await Promise.all((nodes ?? []).filter(isRunning).map(async node => { await node.libp2p.stop() }))
}, 30_000)

/** A chat service on node `at`, compaction off unless `autoCompaction` says otherwise. */
async function startChat (at: number, wallet: WalletIdentity, autoCompaction: false | { minAgeMs: number } = false): Promise<ReturnType<typeof chatServiceOn>> {
  const service = chatServiceOn(nodes[at], wallet, mesh, { autoCompaction })
  await service.chat.start()
  started.push(service.chat)
  return service
}

/** Every record any node holds under `key`. */
async function recordsUnder (key: Uint8Array): Promise<ShardRecord[]> {
  return (await Promise.all(nodes.map(async node => await node.store.listByPlacementKey(key)))).flat()
}

/** The object's bytes (with the coder's padding) from its data shards, as anyone who gathers 10 of them has it. */
function dataOf (records: readonly ShardRecord[], objectId: string): Uint8Array {
  const shards = records.filter(record => record.objectId === objectId).sort((a, b) => a.shardIndex - b.shardIndex).slice(0, 10)
  expect(shards.map(record => record.shardIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  const joined = new Uint8Array(shards.reduce((sum, record) => sum + record.data.length, 0))
  let at = 0
  for (const record of shards) { joined.set(record.data, at); at += record.data.length }
  return joined
}

describe('where a history lives', () => {
  it('puts a sent message\'s copy under the history identity, where holders see neither party\'s address', async () => {
    const { chat: alice } = await startChat(0, wallets.alice)
    const { chat: bob } = await startChat(1, wallets.bob)
    const sent = await alice.sendMessage(bob.address, 'the history copy of this is sealed')
    expect(sent.storedInHistory).toBe(true)

    // Nothing under the key anyone can compute from Alice's address.
    expect(await recordsUnder(placementKeyFor(NS_HISTORY, wallets.alice.address))).toEqual([])
    const historyId = deriveHistoryIdentity(wallets.alice)
    const records = await recordsUnder(placementKeyFor(NS_HISTORY, historyId.address))
    expect(records).toHaveLength(15)
    const parties = [wallets.alice.address, wallets.bob.address].map(address => addressToBytes(address))
    for (const record of records) {
      expect(record.owner).toBe(historyId.address.toLowerCase())
      for (const party of parties) expect(contains(record.manifest, party)).toBe(false)
    }
    // Even all of it together: the object is a segment sealed with Alice's segment key, not the envelope.
    const object = dataOf(records, records[0].objectId)
    for (const party of parties) expect(contains(object, party)).toBe(false)

    // Alice on another node, with an empty cache, reads it back; Bob got it.
    const { chat: reader, objects: readerObjects } = await startChat(2, wallets.alice)
    // It asks the old place (the wallet address's history key) until at least k holders answer that it is empty.
    const fetchObjects = readerObjects.fetchObjects.bind(readerObjects)
    let oldPlaceReads = 0
    readerObjects.fetchObjects = async (owner, options) => {
      if (owner === wallets.alice.address && options?.namespace === NS_HISTORY) oldPlaceReads++
      return await fetchObjects(owner, options)
    }
    expect((await reader.history(bob.address)).map(message => message.text)).toEqual(['the history copy of this is sealed'])
    expect(oldPlaceReads).toBe(1)
    expect((await reader.history(bob.address)).map(message => message.text)).toEqual(['the history copy of this is sealed'])
    expect(oldPlaceReads).toBe(1)
    expect((await bob.history(alice.address)).map(message => message.text)).toEqual(['the history copy of this is sealed'])
  }, 120_000)

  it('reads history written under the wallet address before, and compaction moves it under the history identity', async () => {
    const { chat: carol, objects: carolObjects } = await startChat(3, wallets.carol)
    const historyId = deriveHistoryIdentity(wallets.carol)
    const carolHistory = carolObjects.withSigner(historyId)
    await carol.sendMessage(wallets.bob.address, 'written before the history identity')
    // Make it what an older version of the app left: the envelope itself, under Carol's wallet address.
    const [copy] = (await carolHistory.fetchObjects(historyId.address, { namespace: NS_HISTORY })).objects
    const [envelope] = (await openHistorySegment(historyId.address, deriveSegmentKey(wallets.carol), copy.bytes)).envelopes
    const { objectId: oldId } = await carolObjects.storeObject(envelope, { namespace: NS_HISTORY })
    expect(await carolHistory.deleteObject(copy.objectId)).toBeGreaterThan(0)

    // A new tab of Carol's reads it from the old place.
    const { chat: later } = await startChat(4, wallets.carol)
    const report = await later.readHistory()
    expect(report.unavailable).toEqual([])
    expect(report.messages.map(message => message.text)).toEqual(['written before the history identity'])

    // Compaction packs it into a segment of the new place, and deletes it from the old one.
    expect(await later.compactHistory()).toEqual({ segments: 1, messages: 1, deleted: 1 })
    const old = await carolObjects.fetchObjects(wallets.carol.address, { namespace: NS_HISTORY })
    expect([...old.objects, ...old.failed]).toEqual([])
    expect(await recordsUnder(placementKeyFor(NS_HISTORY, wallets.carol.address))).toEqual([])
    const moved = (await carolHistory.fetchObjects(historyId.address, { namespace: NS_HISTORY })).objects
    expect(moved).toHaveLength(1)
    expect(moved[0].objectId).not.toBe(oldId)
    const { chat: fresh } = await startChat(5, wallets.carol)
    expect((await fresh.history()).map(message => message.text)).toEqual(['written before the history identity'])
  }, 120_000)

  it('moves one old-place message by itself: a read that meets history in the old place starts compaction', async () => {
    await startChat(9, wallets.erin)
    const { chat: dave, objects: daveObjects } = await startChat(6, wallets.dave)
    const historyId = deriveHistoryIdentity(wallets.dave)
    const daveHistory = daveObjects.withSigner(historyId)
    await dave.sendMessage(wallets.erin.address, 'one message from an older version')
    const [copy] = (await daveHistory.fetchObjects(historyId.address, { namespace: NS_HISTORY })).objects
    const [envelope] = (await openHistorySegment(historyId.address, deriveSegmentKey(wallets.dave), copy.bytes)).envelopes
    await daveObjects.storeObject(envelope, { namespace: NS_HISTORY })
    expect(await daveHistory.deleteObject(copy.objectId)).toBeGreaterThan(0)

    // A tab with compaction on, far below its 32 packable objects: the read alone starts a run that moves it.
    const { chat: compacting } = await startChat(7, wallets.dave, { minAgeMs: 0 })
    expect((await compacting.history()).map(message => message.text)).toEqual(['one message from an older version'])
    const deadline = Date.now() + 90_000
    while ((await recordsUnder(placementKeyFor(NS_HISTORY, wallets.dave.address))).length > 0) {
      if (Date.now() > deadline) throw new Error('the old place still holds records 90 s after the read')
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    const moved = (await daveHistory.fetchObjects(historyId.address, { namespace: NS_HISTORY })).objects
    expect(moved).toHaveLength(1)
    const { chat: fresh } = await startChat(8, wallets.dave)
    expect((await fresh.history()).map(message => message.text)).toEqual(['one message from an older version'])
  }, 120_000)
})
