/**
 * Identities derived from the wallet key, each a wallet-style secp256k1 identity of its own, so that holders apply
 * their usual rules (owner-only writes, recipient-only deletes) while nothing links them to the wallet address
 * for anyone without the wallet key:
 *
 *   key = mapHashToField(HKDF-SHA256(ikm = wallet private key, salt = none, info = <label>, 48), secp256k1 order)
 *
 * - The history identity (label 'zentalk/history-identity/v1/secp256k1-key') owns the user's history objects, placed
 *   under `placementKeyFor(NS_HISTORY, historyAddress)`. A stranger who knows a user's address cannot compute where
 *   the history lives, so cannot list its headers (who, when, how big) nor generate node IDs next to it. Holders see
 *   a pseudonym, sizes and times; the contents are history segments (history-segment.ts), sealed with the owner's
 *   segment key, so not even the envelopes' headers show.
 * - The contact inbox identity (label 'zentalk/contact-inbox/v1/secp256k1-key') is the recipient of a second inbox,
 *   `inboxNamespace(contactInboxAddress)`. The user names it inside every message it sends (MessagePayload.inbox,
 *   encrypted), so only people it writes to learn it, and they write there from then on. The public inbox under
 *   the wallet address takes first contacts only; a stranger who lists it sees those, not the conversations.
 *
 * The wallet key alone (a backup) restores both, like the chat and segment keys: every tab of one identity agrees
 * on them. `mapHashToField` over 48 bytes gives a scalar in [1, n - 1] with negligible bias (FIPS 186-5 A.2.1).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { mapHashToField } from '@noble/curves/abstract/modular.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { walletFromPrivateKey, type WalletIdentity } from '../identity/index.ts'
import { CONTACT_INBOX_KEY_INFO, HISTORY_IDENTITY_KEY_INFO } from './namespaces.ts'

/** HKDF output length: the minimum for an unbiased secp256k1 scalar (`getMinHashLength`). */
const DERIVED_KEY_SEED_BYTES = 48

/** The identity that owns `wallet`'s history objects. */
export function deriveHistoryIdentity (wallet: Pick<WalletIdentity, 'exportPrivateKey'>): WalletIdentity {
  return deriveIdentity(wallet, HISTORY_IDENTITY_KEY_INFO)
}

/** The recipient identity of `wallet`'s contact inbox. */
export function deriveContactInboxIdentity (wallet: Pick<WalletIdentity, 'exportPrivateKey'>): WalletIdentity {
  return deriveIdentity(wallet, CONTACT_INBOX_KEY_INFO)
}

function deriveIdentity (wallet: Pick<WalletIdentity, 'exportPrivateKey'>, info: string): WalletIdentity {
  const walletKey = wallet.exportPrivateKey()
  const seed = hkdf(sha256, walletKey, undefined, new TextEncoder().encode(info), DERIVED_KEY_SEED_BYTES)
  const key = mapHashToField(seed, secp256k1.Point.Fn.ORDER)
  try {
    return walletFromPrivateKey(key)
  } finally {
    walletKey.fill(0)
    seed.fill(0)
    key.fill(0)
  }
}
