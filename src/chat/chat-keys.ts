import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../crypto/index.ts'
import type { WalletIdentity } from '../identity/index.ts'
import { InvalidChatKeyError } from './errors.ts'
import { CHAT_KEY_DERIVATION_INFO } from './namespaces.ts'

/** X25519 private and public keys are both 32 bytes (RFC 7748). */
export const X25519_KEY_BYTES = 32

/**
 * Decision: the chat key is derived from the wallet private key, not stored next to it:
 *
 *   x25519PrivateKey = HKDF-SHA256(ikm = wallet private key, salt = none, info = 'zentalk/chat-key/x25519/v1', 32)
 *
 * so the wallet key alone (one backup, one key-store entry) restores the chat key and with it the whole
 * history, and every tab of one identity agrees on the key without syncing a second secret. HKDF with its own
 * label keeps the two uses apart: the X25519 key reveals nothing about the wallet key. The cost is no
 * rotation independent of the wallet; the envelope and bundle formats do not depend on this choice (a bundle
 * binds whatever key it names), so a stored or rotated key can come later without a format change.
 */
export function deriveChatKeyPair (wallet: Pick<WalletIdentity, 'exportPrivateKey'>): ChatKeyPair {
  const walletKey = wallet.exportPrivateKey()
  try {
    return ChatKeyPair.fromPrivateKey(hkdf(sha256, walletKey, undefined, new TextEncoder().encode(CHAT_KEY_DERIVATION_INFO), X25519_KEY_BYTES))
  } finally {
    walletKey.fill(0)
  }
}

/**
 * A user's X25519 key pair for chat encryption. The private key lives in a private field so it is not printed
 * or serialised by accident; key agreement happens through `agree`.
 */
export class ChatKeyPair {
  /** 32-byte X25519 public key, as published in the key bundle. */
  readonly publicKey: Uint8Array
  readonly #privateKey: Uint8Array

  private constructor (privateKey: Uint8Array) {
    this.#privateKey = privateKey
    try {
      this.publicKey = x25519.getPublicKey(privateKey)
    } catch (cause) {
      throw new InvalidChatKeyError('not a usable X25519 private key', { cause })
    }
  }

  /** @throws {InvalidChatKeyError} unless 32 bytes (any 32 bytes are a valid, clamped-on-use X25519 scalar) */
  static fromPrivateKey (privateKey: Uint8Array): ChatKeyPair {
    if (!(privateKey instanceof Uint8Array) || privateKey.length !== X25519_KEY_BYTES) {
      throw new InvalidChatKeyError(`an X25519 private key is ${X25519_KEY_BYTES} bytes, got ${privateKey?.length ?? typeof privateKey}`)
    }
    return new ChatKeyPair(Uint8Array.from(privateKey))
  }

  /** The raw X25519 shared secret with `peerPublicKey`; the same value the peer computes with our public key. */
  agree (peerPublicKey: Uint8Array): Uint8Array {
    checkChatPublicKeyEncoding(peerPublicKey)
    try {
      return x25519.getSharedSecret(this.#privateKey, peerPublicKey)
    } catch (cause) {
      throw new InvalidChatKeyError('X25519 key agreement failed: the peer key is of low order', { cause })
    }
  }

  /** A copy of the raw private key. Only for storing it; with a derived key, back up the wallet key instead. */
  exportPrivateKey (): Uint8Array {
    return Uint8Array.from(this.#privateKey)
  }

  toJSON (): { publicKey: string } {
    return { publicKey: toHex(this.publicKey) }
  }
}

/** 2^255 − 19, the Curve25519 field prime. */
const FIELD_PRIME = (1n << 255n) - 19n
/** Any fixed valid scalar: multiplying a low-order point by a clamped scalar gives zero, which noble refuses. */
const PROBE_SCALAR = new Uint8Array(X25519_KEY_BYTES).fill(0x42)

/**
 * Throws unless `publicKey` is a canonical X25519 public key that can take part in a key agreement: 32 bytes,
 * u-coordinate below the field prime with the unused top bit clear (so each key has one encoding, which matters
 * because keys are compared byte-wise and signed), and not a low-order point (whose shared secret is a constant
 * anyone can compute).
 * @throws {InvalidChatKeyError}
 */
export function checkChatPublicKey (publicKey: Uint8Array): void {
  checkChatPublicKeyEncoding(publicKey)
  try {
    x25519.getSharedSecret(PROBE_SCALAR, publicKey)
  } catch (cause) {
    throw new InvalidChatKeyError('X25519 public key is a low-order point; no secret can be agreed with it', { cause })
  }
}

/** The length and canonical-encoding part of `checkChatPublicKey`, without the trial key agreement. */
function checkChatPublicKeyEncoding (publicKey: Uint8Array): void {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== X25519_KEY_BYTES) {
    throw new InvalidChatKeyError(`an X25519 public key is ${X25519_KEY_BYTES} bytes, got ${publicKey?.length ?? typeof publicKey}`)
  }
  const u = BigInt('0x' + toHex(Uint8Array.from(publicKey).reverse()))
  if (u >= FIELD_PRIME) {
    throw new InvalidChatKeyError('X25519 public key is not canonically encoded (u-coordinate not below 2^255 - 19)')
  }
}
