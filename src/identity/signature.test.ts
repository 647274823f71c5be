import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { NS_DELETE, NS_MANIFEST, fromHex, hashWithNamespace, toHex } from '../crypto/index.ts'
import { InvalidAddressError, InvalidSignatureError } from './errors.ts'
import {
  SIGNATURE_BYTES,
  SIGNATURE_S_OFFSET,
  SIGNATURE_V_OFFSET,
  assertSignedBy,
  recoverAddress,
  signatureDigest,
  verifyBySignature
} from './signature.ts'
import { walletFromPrivateKey } from './wallet.ts'

const KNOWN_PRIVATE_KEY = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
const KNOWN_ADDRESS = '0x2c7536e3605d9c16a7a3d7b1898e529396a65c23'
// RFC 6979 deterministic signature of 'hello mesh' under NS_MANIFEST by the key above (pinned).
const KNOWN_SIGNATURE = '1bb1a7ad648923b3ab4262c5e0d8ca046574627f17dcf664212f5dacfab297040f9960c00faf738acabd29f80b175777f0d13c39211c25e50d0ac101bf46fad11c'
const CURVE_ORDER = secp256k1.Point.CURVE().n

const message = new TextEncoder().encode('hello mesh')
const wallet = walletFromPrivateKey(fromHex(KNOWN_PRIVATE_KEY))
const other = walletFromPrivateKey(fromHex('01'.repeat(32)))

function withHighS (signature: Uint8Array): Uint8Array {
  const s = BigInt('0x' + toHex(signature.subarray(SIGNATURE_S_OFFSET, SIGNATURE_V_OFFSET)))
  const flipped = new Uint8Array(signature)
  flipped.set(fromHex((CURVE_ORDER - s).toString(16).padStart(64, '0')), SIGNATURE_S_OFFSET)
  // (r, n − s) recovers the same key with the other recovery id.
  flipped[SIGNATURE_V_OFFSET] = signature[SIGNATURE_V_OFFSET] === 27 ? 28 : 27
  return flipped
}

describe('signatures', () => {
  it('signs deterministically to the pinned r ‖ s ‖ v vector', () => {
    const signature = wallet.sign(NS_MANIFEST, message)
    expect(signature).toHaveLength(SIGNATURE_BYTES)
    expect(toHex(signature)).toBe(KNOWN_SIGNATURE)
    expect([27, 28]).toContain(signature[SIGNATURE_V_OFFSET])
  })

  it('signs the namespaced SHA-256 digest (checked with plain secp256k1 verify)', () => {
    const digest = hashWithNamespace(NS_MANIFEST, message)
    expect(signatureDigest(NS_MANIFEST, message)).toEqual(digest)
    const compact = fromHex(KNOWN_SIGNATURE).subarray(0, 64)
    expect(secp256k1.verify(compact, digest, wallet.publicKey, { prehash: false })).toBe(true)
  })

  it('recovers the signer and verifies against its address', () => {
    const signature = wallet.sign(NS_MANIFEST, message)
    expect(recoverAddress(NS_MANIFEST, message, signature)).toBe(KNOWN_ADDRESS)
    expect(verifyBySignature(KNOWN_ADDRESS, NS_MANIFEST, message, signature)).toBe(true)
    expect(verifyBySignature('0x2c7536E3605D9C16a7a3D7b1898e529396a65c23', NS_MANIFEST, message, signature)).toBe(true)
    expect(() => assertSignedBy(KNOWN_ADDRESS, NS_MANIFEST, message, signature)).not.toThrow()
  })

  it('does not verify in another namespace (a manifest signature is not a delete)', () => {
    const signature = wallet.sign(NS_MANIFEST, message)
    expect(verifyBySignature(wallet.address, NS_DELETE, message, signature)).toBe(false)
    expect(() => assertSignedBy(wallet.address, NS_DELETE, message, signature)).toThrow(InvalidSignatureError)
  })

  it('does not verify a changed message or another signer', () => {
    const signature = wallet.sign(NS_MANIFEST, message)
    expect(verifyBySignature(wallet.address, NS_MANIFEST, new TextEncoder().encode('hello mesh!'), signature)).toBe(false)
    expect(verifyBySignature(other.address, NS_MANIFEST, message, signature)).toBe(false)
    expect(() => assertSignedBy(other.address, NS_MANIFEST, message, signature)).toThrow(/made by 0x2c7536e3/)
  })

  it('rejects the malleable high-s twin of a valid signature', () => {
    const signature = wallet.sign(NS_MANIFEST, message)
    const highS = withHighS(signature)
    // The twin is mathematically valid: a lax verifier would accept it.
    const digest = signatureDigest(NS_MANIFEST, message)
    expect(secp256k1.verify(highS.subarray(0, 64), digest, wallet.publicKey, { prehash: false, lowS: false })).toBe(true)
    expect(verifyBySignature(wallet.address, NS_MANIFEST, message, highS)).toBe(false)
    expect(() => recoverAddress(NS_MANIFEST, message, highS)).toThrow(/high s/)
  })

  it.each([0, 1, 26, 29, 255])('rejects recovery byte v = %i', (v) => {
    const signature = wallet.sign(NS_MANIFEST, message)
    signature[SIGNATURE_V_OFFSET] = v
    expect(verifyBySignature(wallet.address, NS_MANIFEST, message, signature)).toBe(false)
    expect(() => recoverAddress(NS_MANIFEST, message, signature)).toThrow(InvalidSignatureError)
    expect(() => recoverAddress(NS_MANIFEST, message, signature)).toThrow(/v must be 27 or 28/)
  })

  it('with the other valid v, recovers a different address', () => {
    const signature = wallet.sign(NS_MANIFEST, message)
    signature[SIGNATURE_V_OFFSET] = signature[SIGNATURE_V_OFFSET] === 27 ? 28 : 27
    expect(verifyBySignature(wallet.address, NS_MANIFEST, message, signature)).toBe(false)
  })

  it.each([0, 64, 66, 130])('rejects a %i-byte signature', (length) => {
    const signature = new Uint8Array(length).fill(1)
    expect(verifyBySignature(wallet.address, NS_MANIFEST, message, signature)).toBe(false)
    expect(() => recoverAddress(NS_MANIFEST, message, signature)).toThrow(/65 bytes/)
  })

  it('rejects r = 0, s = 0 and r ≥ n', () => {
    const zeroR = wallet.sign(NS_MANIFEST, message)
    zeroR.fill(0, 0, 32)
    const zeroS = wallet.sign(NS_MANIFEST, message)
    zeroS.fill(0, 32, 64)
    const bigR = wallet.sign(NS_MANIFEST, message)
    bigR.fill(0xff, 0, 32)
    for (const signature of [zeroR, zeroS, bigR]) {
      expect(verifyBySignature(wallet.address, NS_MANIFEST, message, signature)).toBe(false)
      expect(() => recoverAddress(NS_MANIFEST, message, signature)).toThrow(InvalidSignatureError)
    }
  })

  it('throws InvalidAddressError for an expected address that is not an address', () => {
    const signature = wallet.sign(NS_MANIFEST, message)
    expect(() => verifyBySignature('0x1234', NS_MANIFEST, message, signature)).toThrow(InvalidAddressError)
  })
})
