import { describe, expect, it } from 'vitest'
import { WeakPassphraseError, WrongPassphraseError } from '../chat/index.ts'
import { DEFAULT_WALLET_KEY_NAME } from '../identity/index.ts'
import { LOCKED_WALLET_KEY_NAME, WalletLockedError, isWalletLocked, loadWallet, lockWallet, unlockWalletForGood, type ProfileKeyStore } from './profile-wallet.ts'

function memoryKeys (): ProfileKeyStore & { entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>()
  return {
    entries,
    get: async name => entries.get(name),
    put: async (name, bytes) => { entries.set(name, Uint8Array.from(bytes)) },
    delete: async name => { entries.delete(name) }
  }
}

describe('a profile wallet locked with a passphrase', () => {
  it('keeps no raw key once locked, opens only with the passphrase, and stays the same identity', async () => {
    const keys = memoryKeys()
    const wallet = await loadWallet(keys)
    expect(await isWalletLocked(keys)).toBe(false)
    await expect(lockWallet(keys, wallet, 'short')).rejects.toThrow(WeakPassphraseError)
    expect(keys.entries.has(DEFAULT_WALLET_KEY_NAME)).toBe(true) // a refused lock changes nothing

    await lockWallet(keys, wallet, 'correct horse battery')
    expect(await isWalletLocked(keys)).toBe(true)
    expect(keys.entries.has(DEFAULT_WALLET_KEY_NAME)).toBe(false)
    const stored = new TextDecoder().decode(keys.entries.get(LOCKED_WALLET_KEY_NAME))
    expect(stored).not.toContain(Buffer.from(wallet.exportPrivateKey()).toString('hex'))

    // A locked wallet never makes way for a new one.
    await expect(loadWallet(keys)).rejects.toThrow(WalletLockedError)
    await expect(loadWallet(keys, 'wrong passphrase')).rejects.toThrow(WrongPassphraseError)
    expect(keys.entries.has(DEFAULT_WALLET_KEY_NAME)).toBe(false)
    expect((await loadWallet(keys, 'correct horse battery')).address).toBe(wallet.address)

    await unlockWalletForGood(keys, wallet)
    expect(await isWalletLocked(keys)).toBe(false)
    expect((await loadWallet(keys)).address).toBe(wallet.address)
  }, 60_000)

  it('finishes a lock cut short after the locked copy was written', async () => {
    const keys = memoryKeys()
    const wallet = await loadWallet(keys)
    const raw = keys.entries.get(DEFAULT_WALLET_KEY_NAME)!
    await lockWallet(keys, wallet, 'correct horse battery')
    await keys.put(DEFAULT_WALLET_KEY_NAME, raw) // as if the raw key's removal never happened
    expect((await loadWallet(keys, 'correct horse battery')).address).toBe(wallet.address)
    expect(keys.entries.has(DEFAULT_WALLET_KEY_NAME)).toBe(false)
  }, 60_000)
})
