/**
 * The history identity: a second wallet-style identity, derived from the wallet key, that owns the user's history
 * objects in the mesh.
 *
 *   historyKey = mapHashToField(HKDF-SHA256(ikm = wallet private key, salt = none,
 *                               info = 'zentalk/history-identity/v1/secp256k1-key', 48), secp256k1 order)
 *
 * History objects are signed by this key and placed under `placementKeyFor(NS_HISTORY, historyAddress)`. Holders
 * check owner-only writes exactly as for any owner (only this key signs for this address), but the address is
 * unlinkable to the user's wallet address for everyone without the wallet key: a stranger who knows a user's
 * address cannot compute where the user's history lives, so cannot list its headers (who, when, how big) nor
 * generate node IDs next to it. Holders of the history see a pseudonym, sizes and times; the contents are history
 * segments (history-segment.ts), sealed with the owner's segment key, so not even the envelopes' headers show.
 *
 * The wallet key alone (a backup) restores it, like the chat and segment keys: every tab of one identity agrees on
 * it. `mapHashToField` over 48 bytes gives a scalar in [1, n - 1] with negligible bias (FIPS 186-5 A.2.1).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { mapHashToField } from '@noble/curves/abstract/modular.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { walletFromPrivateKey, type WalletIdentity } from '../identity/index.ts'
import { HISTORY_IDENTITY_KEY_INFO } from './namespaces.ts'

/** HKDF output length: the minimum for an unbiased secp256k1 scalar (`getMinHashLength`). */
const HISTORY_KEY_SEED_BYTES = 48

/** The identity that owns `wallet`'s history objects. */
export function deriveHistoryIdentity (wallet: Pick<WalletIdentity, 'exportPrivateKey'>): WalletIdentity {
  const walletKey = wallet.exportPrivateKey()
  const seed = hkdf(sha256, walletKey, undefined, new TextEncoder().encode(HISTORY_IDENTITY_KEY_INFO), HISTORY_KEY_SEED_BYTES)
  const historyKey = mapHashToField(seed, secp256k1.Point.Fn.ORDER)
  try {
    return walletFromPrivateKey(historyKey)
  } finally {
    walletKey.fill(0)
    seed.fill(0)
    historyKey.fill(0)
  }
}
