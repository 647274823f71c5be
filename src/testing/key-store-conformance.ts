import { describe, expect, it } from 'vitest'
import type { KeyStore } from '../identity/index.ts'
import { loadOrCreateWallet } from '../identity/index.ts'

export interface KeyStoreHarness {
  /** A new, empty store (e.g. a fresh database or directory). */
  create(): Promise<KeyStore>
  /** Optional: a second instance over the same storage as `store`, as after a page reload or process restart. */
  reopen?(store: KeyStore): Promise<KeyStore>
}

/**
 * The behaviour every `KeyStore` implementation must have. Call it from the implementation's test file:
 *   runKeyStoreConformance('IndexedDbKeyStore', { create: ..., reopen: ... })
 */
export function runKeyStoreConformance (implementationName: string, harness: KeyStoreHarness): void {
  describe(`KeyStore conformance: ${implementationName}`, () => {
    it('returns undefined for a name never stored', async () => {
      const store = await harness.create()
      expect(await store.get('absent')).toBeUndefined()
    })

    it('returns the bytes stored under a name', async () => {
      const store = await harness.create()
      await store.put('a', Uint8Array.of(1, 2, 3))
      expect(await store.get('a')).toEqual(Uint8Array.of(1, 2, 3))
    })

    it('stores empty and 32-byte values exactly', async () => {
      const store = await harness.create()
      const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)
      await store.put('empty', new Uint8Array())
      await store.put('key', key)
      expect(await store.get('empty')).toEqual(new Uint8Array())
      expect(await store.get('key')).toEqual(key)
    })

    it('replaces the value on a second put', async () => {
      const store = await harness.create()
      await store.put('a', Uint8Array.of(1))
      await store.put('a', Uint8Array.of(2, 2))
      expect(await store.get('a')).toEqual(Uint8Array.of(2, 2))
    })

    it('keeps names independent', async () => {
      const store = await harness.create()
      await store.put('a', Uint8Array.of(1))
      await store.put('b', Uint8Array.of(2))
      expect(await store.get('a')).toEqual(Uint8Array.of(1))
      expect(await store.get('b')).toEqual(Uint8Array.of(2))
    })

    it('stores the contents of a subarray view, not its whole buffer', async () => {
      const store = await harness.create()
      await store.put('view', Uint8Array.of(9, 1, 2, 9).subarray(1, 3))
      expect(await store.get('view')).toEqual(Uint8Array.of(1, 2))
    })

    it('is not affected by the caller mutating bytes after put or after get', async () => {
      const store = await harness.create()
      const input = Uint8Array.of(1, 2, 3)
      await store.put('a', input)
      input[0] = 99
      const first = await store.get('a')
      first![1] = 99
      expect(await store.get('a')).toEqual(Uint8Array.of(1, 2, 3))
    })

    it('gives loadOrCreateWallet the same identity on every call', async () => {
      const store = await harness.create()
      const first = await loadOrCreateWallet(store)
      const second = await loadOrCreateWallet(store)
      expect(second.address).toBe(first.address)
    })

    if (harness.reopen !== undefined) {
      const reopen = harness.reopen
      it('keeps values and the wallet identity after reopening', async () => {
        const store = await harness.create()
        await store.put('a', Uint8Array.of(7, 7))
        const wallet = await loadOrCreateWallet(store)
        const reopened = await reopen(store)
        expect(await reopened.get('a')).toEqual(Uint8Array.of(7, 7))
        expect((await loadOrCreateWallet(reopened)).address).toBe(wallet.address)
      })
    }
  })
}
