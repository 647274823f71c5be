import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../crypto/index.ts'
import { generateWallet, walletFromPrivateKey } from '../identity/index.ts'
import { ChatKeyPair, X25519_KEY_BYTES, checkChatPublicKey, deriveChatKeyPair } from './chat-keys.ts'
import { InvalidChatKeyError } from './errors.ts'
import { alice, bob, carol } from '../testing/chat-parties.ts'

// Low-order points of Curve25519 (libsodium's blocklist, as u-coordinates, little-endian).
const LOW_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'
]

describe('chat keys', () => {
  it('derives the same key pair from the same wallet key, e.g. after restoring a backup', () => {
    const restored = walletFromPrivateKey(alice.wallet.exportPrivateKey())
    expect(toHex(deriveChatKeyPair(restored).publicKey)).toBe(toHex(alice.keys.publicKey))
  })

  it('derives different key pairs for different wallets', () => {
    const keys = new Set([alice, bob, carol].map(party => toHex(party.keys.publicKey)))
    keys.add(toHex(deriveChatKeyPair(generateWallet()).publicKey))
    expect(keys.size).toBe(4)
  })

  it('agrees on one shared secret from either side, and a third key gets another', () => {
    const aliceSide = alice.keys.agree(bob.keys.publicKey)
    expect(aliceSide).toHaveLength(32)
    expect(toHex(bob.keys.agree(alice.keys.publicKey))).toBe(toHex(aliceSide))
    expect(toHex(carol.keys.agree(alice.keys.publicKey))).not.toBe(toHex(aliceSide))
  })

  it('round-trips the private key for storing it', () => {
    const copy = ChatKeyPair.fromPrivateKey(alice.keys.exportPrivateKey())
    expect(copy.publicKey).toEqual(alice.keys.publicKey)
  })

  it('does not print or serialise the private key', () => {
    const json = JSON.stringify(alice.keys)
    expect(json).toBe(JSON.stringify({ publicKey: toHex(alice.keys.publicKey) }))
    expect(json).not.toContain(toHex(alice.keys.exportPrivateKey()))
  })

  it.each([0, 31, 33])('rejects a %i-byte private key', (length) => {
    expect(() => ChatKeyPair.fromPrivateKey(new Uint8Array(length))).toThrow(InvalidChatKeyError)
  })

  it('accepts real public keys', () => {
    expect(() => checkChatPublicKey(alice.keys.publicKey)).not.toThrow()
  })

  it.each(LOW_ORDER_POINTS)('rejects the low-order point %s, for which a shared secret would be public', (point) => {
    expect(() => checkChatPublicKey(fromHex(point))).toThrow(InvalidChatKeyError)
    expect(() => alice.keys.agree(fromHex(point))).toThrow(InvalidChatKeyError)
  })

  it('rejects non-canonical encodings (u ≥ 2^255 − 19, or the unused top bit set)', () => {
    const topBitSet = Uint8Array.from(alice.keys.publicKey)
    topBitSet[31] |= 0x80
    const fieldPrimePlusTwo = fromHex('efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')
    for (const key of [topBitSet, fieldPrimePlusTwo]) {
      expect(() => checkChatPublicKey(key)).toThrow(/canonical/)
      expect(() => alice.keys.agree(key)).toThrow(InvalidChatKeyError)
    }
  })

  it.each([0, 31, 33])('rejects a %i-byte public key', (length) => {
    expect(() => checkChatPublicKey(new Uint8Array(length).fill(9))).toThrow(InvalidChatKeyError)
    expect(X25519_KEY_BYTES).toBe(32)
  })
})
