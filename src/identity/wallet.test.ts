import { describe, expect, it } from 'vitest'
import { NS_HISTORY, fromHex, toHex } from '../crypto/index.ts'
import { addressFromPublicKey, isAddress } from './address.ts'
import { InvalidPrivateKeyError } from './errors.ts'
import { verifyBySignature } from './signature.ts'
import { PRIVATE_KEY_BYTES, WalletIdentity, generateWallet, walletFromPrivateKey } from './wallet.ts'

const KNOWN_PRIVATE_KEY = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
const KNOWN_ADDRESS = '0x2c7536e3605d9c16a7a3d7b1898e529396a65c23'
// secp256k1 group order n.
const CURVE_ORDER_HEX = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'

describe('WalletIdentity', () => {
  it('has the well-known address for the web3 docs private key', () => {
    const wallet = walletFromPrivateKey(fromHex(KNOWN_PRIVATE_KEY))
    expect(wallet.address).toBe(KNOWN_ADDRESS)
    expect(wallet.publicKey).toHaveLength(33)
    expect(addressFromPublicKey(wallet.publicKey)).toBe(KNOWN_ADDRESS)
  })

  it('exports the private key it was made from, as a copy', () => {
    const privateKey = fromHex(KNOWN_PRIVATE_KEY)
    const wallet = walletFromPrivateKey(privateKey)
    privateKey.fill(0)
    const exported = wallet.exportPrivateKey()
    expect(toHex(exported)).toBe(KNOWN_PRIVATE_KEY)
    exported.fill(0)
    expect(toHex(wallet.exportPrivateKey())).toBe(KNOWN_PRIVATE_KEY)
  })

  it('round-trips a generated wallet through export and import', () => {
    const wallet = generateWallet()
    expect(isAddress(wallet.address)).toBe(true)
    expect(wallet.exportPrivateKey()).toHaveLength(PRIVATE_KEY_BYTES)
    const restored = walletFromPrivateKey(wallet.exportPrivateKey())
    expect(restored.address).toBe(wallet.address)
    const message = Uint8Array.of(1, 2, 3)
    expect(verifyBySignature(wallet.address, NS_HISTORY, message, restored.sign(NS_HISTORY, message))).toBe(true)
  })

  it('generates a different key each time', () => {
    expect(generateWallet().address).not.toBe(generateWallet().address)
  })

  it.each([
    ['too short', new Uint8Array(31).fill(1)],
    ['too long', new Uint8Array(33).fill(1)],
    ['zero', new Uint8Array(32)],
    ['equal to the group order', fromHex(CURVE_ORDER_HEX)],
    ['above the group order', new Uint8Array(32).fill(0xff)]
  ])('rejects a private key that is %s', (_, privateKey) => {
    expect(() => walletFromPrivateKey(privateKey)).toThrow(InvalidPrivateKeyError)
  })

  it('does not reveal the private key when printed or serialised', () => {
    const wallet = walletFromPrivateKey(fromHex(KNOWN_PRIVATE_KEY))
    expect(JSON.stringify(wallet)).toBe(JSON.stringify({ address: KNOWN_ADDRESS }))
    expect(Object.values(wallet).some(value => value instanceof Uint8Array && toHex(value) === KNOWN_PRIVATE_KEY)).toBe(false)
    expect(wallet).toBeInstanceOf(WalletIdentity)
  })
})
