import type { KeyStore } from './key-store.ts'

/** A `KeyStore` that lives as long as the object; for tests and throwaway nodes. */
export class MemoryKeyStore implements KeyStore {
  readonly #entries = new Map<string, Uint8Array>()

  async get (name: string): Promise<Uint8Array | undefined> {
    const bytes = this.#entries.get(name)
    return bytes === undefined ? undefined : Uint8Array.from(bytes)
  }

  async put (name: string, bytes: Uint8Array): Promise<void> {
    this.#entries.set(name, Uint8Array.from(bytes))
  }
}
