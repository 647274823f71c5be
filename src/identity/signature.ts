import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hashWithNamespace } from '../crypto/index.ts'
import { addressFromPublicKey, parseAddress, type WalletAddress } from './address.ts'
import { InvalidSignatureError } from './errors.ts'

/**
 * Recoverable signature layout (65 bytes), the Ethereum `r ‖ s ‖ v` order:
 *
 *   r: bytes 0..31 (big-endian) ‖ s: bytes 32..63 (big-endian, low-s: s ≤ n/2) ‖ v: byte 64 (27 or 28)
 *
 * The signed digest is `hashWithNamespace(namespace, message)` (SHA-256, see src/crypto), so a signature made
 * in one namespace (a manifest) never verifies in another (a delete request).
 */
export const SIGNATURE_BYTES = 65
export const SIGNATURE_R_OFFSET = 0
export const SIGNATURE_S_OFFSET = 32
export const SIGNATURE_V_OFFSET = 64
/** `v` = recovery id + 27, as Ethereum does; 0/1 are not accepted so each signature has one encoding. */
export const SIGNATURE_V_BASE = 27
const COMPACT_SIGNATURE_BYTES = 64

/** The 32-byte digest a signature over `message` in `namespace` signs. */
export function signatureDigest (namespace: string, message: Uint8Array): Uint8Array<ArrayBuffer> {
  return hashWithNamespace(namespace, message)
}

/** Deterministic (RFC 6979), low-s signature in the layout above. Used by `WalletIdentity`. */
export function signWithPrivateKey (privateKey: Uint8Array, namespace: string, message: Uint8Array): Uint8Array<ArrayBuffer> {
  const digest = signatureDigest(namespace, message)
  // noble's 'recovered' format is recovery ‖ r ‖ s; reorder to r ‖ s ‖ v.
  const recovered = secp256k1.sign(digest, privateKey, { prehash: false, lowS: true, extraEntropy: false, format: 'recovered' })
  const signature = new Uint8Array(SIGNATURE_BYTES)
  signature.set(recovered.subarray(1), SIGNATURE_R_OFFSET)
  signature[SIGNATURE_V_OFFSET] = SIGNATURE_V_BASE + recovered[0]
  return signature
}

/**
 * The address that made `signature` over `message` in `namespace`.
 * @throws {InvalidSignatureError} if the signature is not 65 bytes, has r or s out of range, a high s,
 *   a `v` other than 27/28, or no public key can be recovered from it
 */
export function recoverAddress (namespace: string, message: Uint8Array, signature: Uint8Array): WalletAddress {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) {
    throw new InvalidSignatureError(`a signature is ${SIGNATURE_BYTES} bytes, got ${signature?.length ?? typeof signature}`)
  }
  const v = signature[SIGNATURE_V_OFFSET]
  if (v !== SIGNATURE_V_BASE && v !== SIGNATURE_V_BASE + 1) {
    throw new InvalidSignatureError(`signature recovery byte v must be ${SIGNATURE_V_BASE} or ${SIGNATURE_V_BASE + 1}, got ${v}`)
  }
  let parsed
  try {
    parsed = secp256k1.Signature.fromBytes(signature.subarray(0, COMPACT_SIGNATURE_BYTES), 'compact')
  } catch (cause) {
    throw new InvalidSignatureError('signature r or s is out of range', { cause })
  }
  // Both (r, s) and (r, n − s) verify; accepting only low s keeps one valid encoding per signature.
  if (parsed.hasHighS()) {
    throw new InvalidSignatureError('signature has a high s value (malleable form); only low-s signatures are accepted')
  }
  let publicKey
  try {
    publicKey = parsed.addRecoveryBit(v - SIGNATURE_V_BASE).recoverPublicKey(signatureDigest(namespace, message))
  } catch (cause) {
    throw new InvalidSignatureError('no public key can be recovered from this signature', { cause })
  }
  return addressFromPublicKey(publicKey.toBytes(false))
}

/**
 * True when `signature` over `message` in `namespace` was made by `address`; false for any malformed or
 * foreign signature. An `address` that is not an address at all is a caller bug and throws `InvalidAddressError`.
 */
export function verifyBySignature (address: WalletAddress | string, namespace: string, message: Uint8Array, signature: Uint8Array): boolean {
  const expected = parseAddress(address)
  try {
    return recoverAddress(namespace, message, signature) === expected
  } catch (error) {
    if (error instanceof InvalidSignatureError) {
      return false
    }
    throw error
  }
}

/** Like `verifyBySignature`, but throws `InvalidSignatureError` saying why the signature was refused. */
export function assertSignedBy (address: WalletAddress | string, namespace: string, message: Uint8Array, signature: Uint8Array): void {
  const expected = parseAddress(address)
  const signer = recoverAddress(namespace, message, signature)
  if (signer !== expected) {
    throw new InvalidSignatureError(`signature was made by ${signer}, not by ${expected}`)
  }
}
