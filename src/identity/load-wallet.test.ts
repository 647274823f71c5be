import { describe, expect, it } from 'vitest'
import { fromHex } from '../crypto/index.ts'
import { InvalidPrivateKeyError, KeyStoreError } from './errors.ts'
import type { KeyStore } from './key-store.ts'
import { DEFAULT_WALLET_KEY_NAME, loadOrCreateWallet } from './load-wallet.ts'
import { MemoryKeyStore } from './memory-key-store.ts'

const KNOWN_PRIVATE_KEY = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'

describe('loadOrCreateWallet', () => {
  it('creates a key on first use, stores it as raw 32 bytes, and returns the same identity afterwards', async () => {
    const store = new MemoryKeyStore()
    const created = await loadOrCreateWallet(store)
    const stored = await store.get(DEFAULT_WALLET_KEY_NAME)
    expect(stored).toEqual(created.exportPrivateKey())
    expect((await loadOrCreateWallet(store)).address).toBe(created.address)
  })

  it('loads an existing key, e.g. one restored from a backup', async () => {
    const store = new MemoryKeyStore()
    await store.put('wallet', fromHex(KNOWN_PRIVATE_KEY))
    expect((await loadOrCreateWallet(store)).address).toBe('0x2c7536e3605d9c16a7a3d7b1898e529396a65c23')
  })

  it('keeps identities under different names apart', async () => {
    const store = new MemoryKeyStore()
    const a = await loadOrCreateWallet(store, 'alice')
    const b = await loadOrCreateWallet(store, 'bob')
    expect(a.address).not.toBe(b.address)
    expect((await loadOrCreateWallet(store, 'alice')).address).toBe(a.address)
  })

  it('refuses a corrupt stored key instead of replacing it', async () => {
    const store = new MemoryKeyStore()
    const corrupt = Uint8Array.of(1, 2, 3)
    await store.put('wallet', corrupt)
    await expect(loadOrCreateWallet(store)).rejects.toThrow(InvalidPrivateKeyError)
    expect(await store.get('wallet')).toEqual(corrupt)
  })

  it('two concurrent first calls on one store end with the same identity', async () => {
    const store = new MemoryKeyStore()
    const [a, b] = await Promise.all([loadOrCreateWallet(store), loadOrCreateWallet(store)])
    expect(a.address).toBe(b.address)
    expect((await loadOrCreateWallet(store)).address).toBe(a.address)
  })

  it('reports a store that loses what it was given', async () => {
    const forgetful: KeyStore = { get: async () => undefined, put: async () => {} }
    await expect(loadOrCreateWallet(forgetful)).rejects.toThrow(KeyStoreError)
  })
})
