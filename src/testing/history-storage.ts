/**
 * Test and benchmark support (Node only): what a chat history costs the mesh, measured over real libp2p storage
 * nodes in this process. A history of short messages from Alice to Bob is sealed, stored as single-message
 * objects, read back, compacted into segments and read again; bytes at holders are every holder's shard records
 * (shard, signed manifest, shard proof), and a read counts the FETCH requests each holder is sent. Used by
 * src/chat/service/compaction-size.test.ts and `npm run bench -- storage`.
 */
import { NS_HISTORY } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { CHAT_PLACEMENT_RULES } from '../placement/index.ts'
import {
  HistoryCompactor,
  createKeyBundle,
  deriveChatKeyPair,
  deriveSegmentKey,
  expandHistoryObjects,
  openMessage,
  packSegments,
  sealHistorySegment,
  sealMessage,
  toChatMessage,
  type ChatKeyPair,
  type CompactionResult,
  type KeyBundle
} from '../chat/index.ts'
import { isRunning, objectStoreDeps, xorClosestPeers, type MeshNode } from './object-mesh.ts'
import { createChatMesh, joinMesh } from './chat-mesh.ts'

/** A short chat message: 35 characters. */
export const SHORT_MESSAGE = 'See you at the station at 6:30, ok?'
const STORES_AT_ONCE = 16

/** Storage nodes, and an object store on the first that counts FETCH requests per holder. */
export interface HistoryMesh {
  readonly nodes: MeshNode[]
  /** FETCH requests sent to each holder (peer ID) since the mesh started. */
  readonly fetches: Map<string, number>
  /** An object store on `nodes[0]` signing as `wallet`. */
  objectStore(wallet: WalletIdentity): ObjectStore
  stop(): Promise<void>
}

export async function createHistoryMesh (count = 15): Promise<HistoryMesh> {
  const nodes = await createChatMesh(count)
  await joinMesh(nodes[0], nodes, 4)
  const fetches = new Map<string, number>()
  return {
    nodes,
    fetches,
    objectStore: (wallet) => {
      const deps = objectStoreDeps(nodes[0], wallet, xorClosestPeers(() => nodes, { liveOnly: true }), {
        placementRules: CHAT_PLACEMENT_RULES, storeTimeoutMs: 30_000, fetchTimeoutMs: 30_000, readDeadlineMs: 120_000
      })
      const exchange = deps.exchange
      deps.exchange = {
        ...exchange,
        connected: exchange.connected.bind(exchange),
        fetch: async (holder, ...rest) => {
          fetches.set(holder, (fetches.get(holder) ?? 0) + 1)
          return await exchange.fetch(holder, ...rest)
        }
      }
      return new ObjectStore(deps)
    },
    stop: async () => { await Promise.all(nodes.filter(isRunning).map(async node => { await node.libp2p.stop() })) }
  }
}

/** What holders keep: shard records, and their bytes in all and by part. */
export interface HolderBytes {
  /** Shard + signed manifest + shard proof, summed over every holder's records. */
  bytes: number
  records: number
  shardBytes: number
  manifestBytes: number
  proofBytes: number
}

/** Sum over holders of shard + manifest + proof bytes, and the number of shard records. */
export async function bytesAtHolders (nodes: readonly MeshNode[]): Promise<HolderBytes> {
  const sum: HolderBytes = { bytes: 0, records: 0, shardBytes: 0, manifestBytes: 0, proofBytes: 0 }
  for (const node of nodes) {
    for (const key of await node.store.listShardKeys()) {
      const record = await node.store.get(key.objectId, key.shardIndex)
      if (record === undefined) continue
      sum.shardBytes += record.data.length
      sum.manifestBytes += record.manifest.length
      sum.proofBytes += record.shardProof?.length ?? 0
      sum.records++
    }
  }
  sum.bytes = sum.shardBytes + sum.manifestBytes + sum.proofBytes
  return sum
}

/** What holders gained between two counts. */
export function holderBytesGrowth (before: HolderBytes, after: HolderBytes): HolderBytes {
  return {
    bytes: after.bytes - before.bytes,
    records: after.records - before.records,
    shardBytes: after.shardBytes - before.shardBytes,
    manifestBytes: after.manifestBytes - before.manifestBytes,
    proofBytes: after.proofBytes - before.proofBytes
  }
}

/** One owner's history: Alice writing to Bob, with what reading and compacting it takes. */
export interface ChatHistory {
  readonly alice: WalletIdentity
  readonly bob: WalletIdentity
  readonly aliceKeys: ChatKeyPair
  readonly aliceBundle: KeyBundle
  readonly bobBundle: KeyBundle
  readonly segmentKey: Uint8Array
  readonly objects: ObjectStore
  /** Sealed envelopes, in the order they were sent. */
  readonly envelopes: Uint8Array[]
  /** Their total size: what the history is, before the mesh stores it. */
  readonly sealedBytes: number
}

/** Seals `count` messages of `text` from a fresh Alice to a fresh Bob; nothing is stored yet. */
export async function sealHistory (mesh: HistoryMesh, count: number, text = SHORT_MESSAGE): Promise<ChatHistory> {
  const alice = WalletIdentity.generate()
  const bob = WalletIdentity.generate()
  const aliceKeys = deriveChatKeyPair(alice)
  const bobKeys = deriveChatKeyPair(bob)
  const bobBundle = createKeyBundle(bob, { x25519PublicKey: bobKeys.publicKey, createdAt: 1 })
  const aliceBundle = createKeyBundle(alice, { x25519PublicKey: aliceKeys.publicKey, createdAt: 1 })
  const envelopes: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    envelopes.push((await sealMessage({
      sender: alice, senderKeys: aliceKeys, recipientBundle: bobBundle, content: { text }, sentAt: 1_800_000_000_000 + i
    })).bytes)
  }
  return {
    alice,
    bob,
    aliceKeys,
    aliceBundle,
    bobBundle,
    segmentKey: deriveSegmentKey(alice),
    objects: mesh.objectStore(alice),
    envelopes,
    sealedBytes: envelopes.reduce((sum, envelope) => sum + envelope.length, 0)
  }
}

/** Stores every envelope as its own history object, as a tab does when it sends (16 stores in flight). */
export async function storeSingleObjects (history: ChatHistory): Promise<void> {
  const queue = [...history.envelopes]
  await Promise.all(Array.from({ length: STORES_AT_ONCE }, async () => {
    for (let envelope = queue.shift(); envelope !== undefined; envelope = queue.shift()) {
      await history.objects.storeObject(envelope, { namespace: NS_HISTORY })
    }
  }))
}

/** Stores the history straight as segments, as compaction would leave it, without single objects first. */
export async function storeSegments (history: ChatHistory): Promise<number> {
  const groups = packSegments(history.envelopes)
  for (const group of groups) {
    const sealed = await sealHistorySegment(history.alice.address, history.segmentKey, { envelopes: group, replaces: [] })
    await history.objects.storeObject(sealed, { namespace: NS_HISTORY })
  }
  return groups.length
}

export interface HistoryRead {
  /** History objects fetched (single messages or segments). */
  objects: number
  /** Objects that failed to read; a complete read has none. */
  failed: number
  /** Messages in them. */
  messages: number
  /** FETCH requests sent, in all and to the holder asked most. */
  requests: number
  maxRequestsPerHolder: number
  /** Holders asked at least once. */
  holdersAsked: number
  /** Fetching every object and opening the segments. */
  ms: number
  /** Then verifying and decrypting every envelope, as a tab does before showing them (with `open` only). */
  openMs?: number
}

/**
 * Reads the owner's whole history, as a tab opening the conversation does: every history object of the owner,
 * segments opened; with `open`, every envelope is then verified and decrypted too (timed apart).
 */
export async function readHistory (mesh: HistoryMesh, history: ChatHistory, options: { open?: boolean } = {}): Promise<HistoryRead> {
  const before = new Map(mesh.fetches)
  const started = performance.now()
  const result = await history.objects.fetchObjects(history.alice.address, { namespace: NS_HISTORY })
  const { copies } = await expandHistoryObjects(result.objects, 'history', history.alice.address, history.segmentKey)
  const ms = performance.now() - started
  let openMs: number | undefined
  if (options.open === true) {
    const { alice, aliceKeys, bob, bobBundle, aliceBundle } = history
    const opening = performance.now()
    for (const copy of copies) {
      await openMessage(copy.bytes, {
        me: alice.address, myKeys: aliceKeys, lookupBundle: async address => address === bob.address ? bobBundle : aliceBundle
      })
    }
    openMs = Math.round(performance.now() - opening)
  }
  const perHolder = [...mesh.fetches].map(([holder, count]) => count - (before.get(holder) ?? 0)).filter(count => count > 0)
  return {
    ...(openMs === undefined ? {} : { openMs }),
    objects: result.objects.length,
    failed: result.failed.length,
    messages: copies.length,
    requests: perHolder.reduce((sum, count) => sum + count, 0),
    maxRequestsPerHolder: Math.max(0, ...perHolder),
    holdersAsked: perHolder.length,
    ms: Math.round(ms)
  }
}

/** Compacts the owner's single-message objects into segments, as the owner's tab does. */
export async function compactHistory (history: ChatHistory): Promise<CompactionResult & { ms: number }> {
  const { alice, aliceKeys, bob, bobBundle, aliceBundle } = history
  const compactor = new HistoryCompactor({
    owner: alice.address,
    objects: history.objects,
    segmentKey: history.segmentKey,
    open: async bytes => toChatMessage(await openMessage(bytes, {
      me: alice.address, myKeys: aliceKeys, lookupBundle: async address => address === bob.address ? bobBundle : aliceBundle
    })),
    now: Date.now
  })
  const started = performance.now()
  const result = await compactor.run()
  return { ...result, ms: Math.round(performance.now() - started) }
}
