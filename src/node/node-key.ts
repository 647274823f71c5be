/**
 * The node's libp2p key, kept in a byte store so the peer ID survives restarts (a tab's IndexedDB, a headless
 * node's data directory). The peer ID, and so the node's Kademlia ID, is derived from this key. A storage node's
 * key must carry the mesh's node-ID work (`nodeIdWorkBits`, `src/placement/node-id-work.ts`), so it is generated
 * until it does: 2^bits key generations on average, once.
 */
import { generateKeyPair, generateKeyPairFromSeed, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { nodeClassOfMultihash, nodeIdWorkOf, type NodeClass } from '../placement/index.ts'

/** Stores named byte strings. Tabs use IndexedDB, headless nodes files; tests use memory. */
export interface BytesStore {
  get(name: string): Promise<Uint8Array | undefined>
  put(name: string, bytes: Uint8Array): Promise<void>
}

export const NODE_KEY_NAME = 'libp2p-node-key'

/** Key generations between two yields to the event loop while a key is searched for (a tab's page stays responsive). */
const ATTEMPTS_PER_YIELD = 64

export interface NodeKeyOptions {
  /** Node-ID work the key must carry (0: any key). */
  workBits?: number
  /**
   * The class the key's peer ID must carry (`src/placement/node-class.ts`), in a mesh that places by class; default
   * none: any.
   */
  nodeClass?: NodeClass
  /** Told when a kept key lacks the work or the class and is replaced (the node gets a new peer ID). */
  onReplaced?: (oldPeerId: string) => void
}

/** Whether `key`'s peer ID carries at least `bits` of node-ID work. */
export function keyMeetsWork (key: PrivateKey, bits: number, nodeClass?: NodeClass): boolean {
  if (bits <= 0 && nodeClass === undefined) return true
  const multihash = peerIdFromPrivateKey(key).toMultihash().bytes
  return (bits <= 0 || nodeIdWorkOf(multihash) >= bits) && (nodeClass === undefined || nodeClassOfMultihash(multihash) === nodeClass)
}

/**
 * An Ed25519 key whose peer ID carries `bits` of node-ID work, and how many keys were generated to find it. With
 * `seed`, keys come from the 32-byte seeds it returns in turn (a simulation's nodes are then the same every run),
 * derived by `fromSeed` (default libp2p's `generateKeyPairFromSeed`; Node code may pass a faster equivalent).
 */
export async function generateNodeKey (
  bits: number,
  seed?: () => Uint8Array,
  fromSeed: (seed: Uint8Array) => PrivateKey | Promise<PrivateKey> = async s => await generateKeyPairFromSeed('Ed25519', s),
  nodeClass?: NodeClass
): Promise<{ key: PrivateKey, attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const key = seed === undefined ? await generateKeyPair('Ed25519') : await fromSeed(seed())
    if (keyMeetsWork(key, bits, nodeClass)) return { key, attempts }
    if (attempts % ATTEMPTS_PER_YIELD === 0) await new Promise(resolve => setTimeout(resolve, 0))
  }
}

export async function loadOrCreateNodeKey (store: BytesStore, options: NodeKeyOptions = {}): Promise<PrivateKey> {
  const bits = options.workBits ?? 0
  const saved = await store.get(NODE_KEY_NAME)
  if (saved != null) {
    const key = privateKeyFromProtobuf(saved)
    if (keyMeetsWork(key, bits, options.nodeClass)) return key
    options.onReplaced?.(peerIdFromPrivateKey(key).toString())
  }
  const { key } = await generateNodeKey(bits, undefined, undefined, options.nodeClass)
  await store.put(NODE_KEY_NAME, privateKeyToProtobuf(key))
  return key
}

export class MemoryBytesStore implements BytesStore {
  private readonly map = new Map<string, Uint8Array>()
  async get (name: string): Promise<Uint8Array | undefined> { return this.map.get(name) }
  async put (name: string, bytes: Uint8Array): Promise<void> { this.map.set(name, bytes.slice()) }
}
