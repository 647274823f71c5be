/**
 * The node's libp2p key, kept in a byte store so the peer ID survives restarts (a tab's IndexedDB, a headless
 * node's data directory). The peer ID, and so the node's Kademlia ID, is derived from this key.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

/** Stores named byte strings. Tabs use IndexedDB, headless nodes files; tests use memory. */
export interface BytesStore {
  get(name: string): Promise<Uint8Array | undefined>
  put(name: string, bytes: Uint8Array): Promise<void>
}

const NODE_KEY_NAME = 'libp2p-node-key'

export async function loadOrCreateNodeKey (store: BytesStore): Promise<PrivateKey> {
  const saved = await store.get(NODE_KEY_NAME)
  if (saved != null) return privateKeyFromProtobuf(saved)
  const key = await generateKeyPair('Ed25519')
  await store.put(NODE_KEY_NAME, privateKeyToProtobuf(key))
  return key
}

export class MemoryBytesStore implements BytesStore {
  private readonly map = new Map<string, Uint8Array>()
  async get (name: string): Promise<Uint8Array | undefined> { return this.map.get(name) }
  async put (name: string, bytes: Uint8Array): Promise<void> { this.map.set(name, bytes.slice()) }
}
