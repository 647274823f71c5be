/**
 * The wallet of a browser profile at rest: its raw private key, or, once the user locks it with a passphrase, the
 * same key as an encrypted backup (scrypt + AEAD, src/chat/backup.ts) and no raw copy. A locked wallet is opened
 * with the passphrase each time a tab starts; nothing else changes for the user (same address, same history).
 */
import { exportBackup, importBackup } from '../chat/index.ts'
import { ZenTalkError } from '../errors/index.ts'
import { DEFAULT_WALLET_KEY_NAME, KeyStoreError, loadOrCreateWallet, type KeyStore, type WalletIdentity } from '../identity/index.ts'

/** Key-store name of the wallet while it is locked: the backup file's text (UTF-8). */
export const LOCKED_WALLET_KEY_NAME = 'wallet-locked'

/** A key store that can also forget an entry (the raw key, once a locked copy is safely stored). */
export interface ProfileKeyStore extends KeyStore {
  delete(name: string): Promise<void>
}

/** The profile's wallet is locked with a passphrase, and none was given. */
export class WalletLockedError extends ZenTalkError {}

export async function isWalletLocked (keys: ProfileKeyStore): Promise<boolean> {
  return await keys.get(LOCKED_WALLET_KEY_NAME) !== undefined
}

/**
 * The profile's wallet: unlocked with `passphrase` when it is locked, else the stored key (or a new one, stored
 * first, when there is none). A locked wallet never makes way for a new one. Opening it also finishes a lock that
 * was cut short after the locked copy was written (the raw key is removed once the copy opens to the same address).
 * @throws {WalletLockedError} locked and no passphrase | {WrongPassphraseError} | {InvalidBackupError} | {InvalidPrivateKeyError}
 */
export async function loadWallet (keys: ProfileKeyStore, passphrase?: string): Promise<WalletIdentity> {
  const locked = await keys.get(LOCKED_WALLET_KEY_NAME)
  if (locked === undefined) return await loadOrCreateWallet(keys)
  if (passphrase === undefined) throw new WalletLockedError('this browser profile\'s identity is locked: enter its passphrase to open it')
  const { wallet } = await importBackup(locked, passphrase)
  const raw = await keys.get(DEFAULT_WALLET_KEY_NAME)
  if (raw !== undefined) {
    const same = await loadOrCreateWallet(keys).then(stored => stored.address === wallet.address, () => false)
    if (same) await keys.delete(DEFAULT_WALLET_KEY_NAME)
  }
  return wallet
}

/**
 * Locks `wallet` with `passphrase`: stores it encrypted, checks that the stored copy opens to the same address,
 * then removes the raw key. From then on every start asks for the passphrase.
 * @throws {WeakPassphraseError} for a passphrase shorter than MIN_PASSPHRASE_CHARS | {KeyStoreError}
 */
export async function lockWallet (keys: ProfileKeyStore, wallet: WalletIdentity, passphrase: string, options: { displayName?: string } = {}): Promise<void> {
  const text = await exportBackup(wallet, passphrase, options)
  const bytes = new TextEncoder().encode(text)
  await keys.put(LOCKED_WALLET_KEY_NAME, bytes)
  const stored = await keys.get(LOCKED_WALLET_KEY_NAME)
  if (stored === undefined || (await importBackup(stored, passphrase)).wallet.address !== wallet.address) {
    throw new KeyStoreError('the locked copy of the identity did not read back; the identity was left unlocked')
  }
  await keys.delete(DEFAULT_WALLET_KEY_NAME)
}

/** Stores `wallet`'s raw key again and removes the locked copy: starts no longer ask for a passphrase. */
export async function unlockWalletForGood (keys: ProfileKeyStore, wallet: WalletIdentity): Promise<void> {
  await keys.put(DEFAULT_WALLET_KEY_NAME, wallet.exportPrivateKey())
  await keys.delete(LOCKED_WALLET_KEY_NAME)
}
