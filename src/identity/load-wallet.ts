import type { KeyStore } from './key-store.ts'
import { InvalidPrivateKeyError, KeyStoreError } from './errors.ts'
import { WalletIdentity } from './wallet.ts'

/** Key-store name of the owner's wallet key unless the caller picks another. */
export const DEFAULT_WALLET_KEY_NAME = 'wallet'

/**
 * The wallet stored under `name`, or a new random one that is stored there first.
 *
 * Stored format: the raw 32-byte private key (the same bytes as `exportPrivateKey()`).
 * A stored entry that is not a valid key is an error, never silently replaced: replacing it would lose the
 * owner's identity. Two callers racing on an empty store both write; each then reads back and returns what
 * the store ended up holding, so they agree unless a write lands after the read. Callers sharing a store
 * across tabs should hold a lock (Web Locks API) around this call.
 * @throws {InvalidPrivateKeyError} if the stored entry is not a valid private key
 */
export async function loadOrCreateWallet (keyStore: KeyStore, name: string = DEFAULT_WALLET_KEY_NAME): Promise<WalletIdentity> {
  const stored = await keyStore.get(name)
  if (stored !== undefined) {
    return restore(stored, name)
  }
  const created = WalletIdentity.generate()
  await keyStore.put(name, created.exportPrivateKey())
  const persisted = await keyStore.get(name)
  if (persisted === undefined) {
    throw new KeyStoreError(`key store lost the wallet key "${name}" right after storing it`)
  }
  return restore(persisted, name)
}

function restore (stored: Uint8Array, name: string): WalletIdentity {
  try {
    return WalletIdentity.fromPrivateKey(stored)
  } catch (cause) {
    throw new InvalidPrivateKeyError(`key store entry "${name}" is not a wallet private key; restore it from a backup or remove it`, { cause })
  }
}
