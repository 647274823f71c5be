/**
 * Where identities keep their secret key bytes: an IndexedDB store in tabs, a file store on Node, a memory
 * store in tests. It moves bytes by name and nothing else; what the bytes mean is up to the caller.
 * Every implementation must pass `runKeyStoreConformance` (key-store-conformance.ts).
 */
export interface KeyStore {
  /** The bytes last stored under `name`, or undefined if there are none. */
  get(name: string): Promise<Uint8Array | undefined>
  /** Stores a copy of `bytes` under `name`, replacing what was there. Resolves once durably stored. */
  put(name: string, bytes: Uint8Array): Promise<void>
}
