/**
 * Test support (Node only): storage nodes that accept chat objects (CHAT_PLACEMENT_RULES), and chat services on
 * them over an exact XOR ranking of the live nodes. Not part of the public API.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Startable } from '@libp2p/interface'
import type { WalletIdentity } from '../identity/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { connectTo, isRunning, objectStoreDeps, xorClosestPeers, type MeshNode } from './object-mesh.ts'
import { startChunkService, type ChunkServiceInit } from '../protocols/index.ts'
import { createMeshLibp2p } from '../net/index.ts'
import { MemoryChunkStore } from '../store/index.ts'
import { ChatService, MemoryMessageCache, type ChatServiceInit, type TypedEvents } from '../chat/index.ts'
import { CHAT_PLACEMENT_RULES } from '../placement/index.ts'

export type ChatMeshOptions = Pick<ChunkServiceInit, 'inboxLimits'>

/**
 * Dials and handshakes may wait seconds on a machine whose two cores are shared with browser test runs (load
 * averages above 20 were seen); the chunk tests' 5 s is too short for a 16-node mesh there.
 */
const DIAL_TIMEOUT_MS = 20_000
/** Per holder request in the tests' object stores. */
const CHUNK_TIMEOUT_MS = 20_000

/** One started storage node with its DHT stopped (placement comes from `xorClosestPeers`). */
export async function createChatNode (options: ChatMeshOptions = {}): Promise<MeshNode> {
  const privateKey = await generateKeyPair('Ed25519')
  const libp2p = await createMeshLibp2p({
    privateKey,
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    rtcConfiguration: { iceServers: [] },
    allowPrivateAddresses: true,
    dialWebSocketPeers: true,
    maxConnections: 50,
    inboundConnectionThreshold: 100,
    maxIncomingPendingConnections: 100,
    dialTimeoutMs: DIAL_TIMEOUT_MS,
    userAgent: 'zentalk-chat-test'
  })
  await libp2p.start()
  const node = { libp2p, privateKey }
  await (node.libp2p.services.dht as unknown as Startable).stop()
  const store = new MemoryChunkStore()
  const service = await startChunkService(node.libp2p, node.privateKey, { store, placementRules: CHAT_PLACEMENT_RULES, ...options })
  return { ...node, peerId: node.libp2p.peerId.toString(), store, service }
}

export async function createChatMesh (count: number, options: ChatMeshOptions = {}): Promise<MeshNode[]> {
  return await Promise.all(Array.from({ length: count }, async () => await createChatNode(options)))
}

/**
 * Connects `node` to every other running node, so later dials by peer ID find a connection. A few dials at a
 * time, each retried: on a loaded machine fifteen simultaneous handshakes in one process overrun libp2p's fixed
 * 6 s per-address dial timeout.
 */
export async function joinMesh (node: MeshNode, nodes: readonly MeshNode[], parallel = 4): Promise<void> {
  const pending = nodes.filter(other => other !== node && isRunning(other))
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let other = pending.shift(); other !== undefined; other = pending.shift()) {
      for (let attempt = 1; ; attempt++) {
        try {
          await connectTo(node, [other])
          break
        } catch (error) {
          if (attempt >= 3) throw error
        }
      }
    }
  }))
}

/** An object store signing as `wallet` on `node`, placing objects on the live nodes of `nodes()`. */
export function objectStoreOn (node: MeshNode, wallet: WalletIdentity, nodes: () => readonly MeshNode[]): ObjectStore {
  return new ObjectStore(objectStoreDeps(node, wallet, xorClosestPeers(nodes, { liveOnly: true }), {
    placementRules: CHAT_PLACEMENT_RULES,
    storeTimeoutMs: CHUNK_TIMEOUT_MS,
    fetchTimeoutMs: CHUNK_TIMEOUT_MS
  }))
}

/** A chat service of `wallet` on `node` (not started), with its object store. */
export function chatServiceOn (node: MeshNode, wallet: WalletIdentity, nodes: () => readonly MeshNode[],
  options: Partial<ChatServiceInit> = {}): { chat: ChatService, objects: ObjectStore } {
  const objects = objectStoreOn(node, wallet, nodes)
  const chat = new ChatService({ wallet, objects, libp2p: node.libp2p, cache: new MemoryMessageCache(), deliveryTimeoutMs: CHUNK_TIMEOUT_MS, ...options })
  return { chat, objects }
}

/** Resolves with the next `type` event's detail, or rejects after `timeoutMs`. */
export async function nextEvent<Events extends object, K extends keyof Events> (events: TypedEvents<Events>, type: K, timeoutMs = 10_000): Promise<Events[K]> {
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no ${String(type)} event within ${timeoutMs} ms`)) }, timeoutMs)
    const off = events.on(type, detail => { clearTimeout(timer); off(); resolve(detail) })
  })
}

/** True when no record in any node's store contains `needle` (e.g. a message text) as raw bytes. */
export async function noStoreContains (nodes: readonly MeshNode[], needle: Uint8Array): Promise<boolean> {
  for (const node of nodes) {
    for (const key of await node.store.listShardKeys()) {
      const record = await node.store.get(key.objectId, key.shardIndex)
      if (record !== undefined && (containsBytes(record.data, needle) || containsBytes(record.manifest, needle))) return false
    }
  }
  return true
}

/** True when `needle` occurs in `haystack` as a run of bytes. */
export function containsBytes (haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}
