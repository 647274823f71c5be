import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { fromHex } from '../crypto/index.ts'
import {
  ADDRESS_BYTES,
  addressFromBytes,
  addressFromPublicKey,
  addressToBytes,
  isAddress,
  parseAddress,
  toChecksumAddress
} from './address.ts'
import { InvalidAddressError, InvalidPublicKeyError } from './errors.ts'

// web3.js documentation vector: private key 0x4c08…2318 → this address.
const KNOWN_ADDRESS = '0x2c7536e3605d9c16a7a3d7b1898e529396a65c23'
const KNOWN_CHECKSUMMED = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23'
const KNOWN_COMPRESSED_PUBLIC_KEY = '024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e'

// EIP-55 specification test cases.
const EIP55_MIXED_CASE = [
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb'
]
const EIP55_ALL_CAPS = ['0x52908400098527886E0F7030069857D2E4169EE7', '0x8617E340B3D01FA5F11F306F4090FD50E238070D']
const EIP55_ALL_LOWER = ['0xde709f2102306220921060314715629080e2fb77', '0x27b1fdb04752bbc536007a920d24acb045561c26']

describe('address', () => {
  it('derives the known address from a compressed or an uncompressed public key', () => {
    const compressed = fromHex(KNOWN_COMPRESSED_PUBLIC_KEY)
    const uncompressed = secp256k1.Point.fromBytes(compressed).toBytes(false)
    expect(uncompressed).toHaveLength(65)
    expect(addressFromPublicKey(compressed)).toBe(KNOWN_ADDRESS)
    expect(addressFromPublicKey(uncompressed)).toBe(KNOWN_ADDRESS)
  })

  it('rejects bytes that are not a curve point', () => {
    expect(() => addressFromPublicKey(new Uint8Array(33))).toThrow(InvalidPublicKeyError)
    expect(() => addressFromPublicKey(Uint8Array.of(4, 1, 2))).toThrow(InvalidPublicKeyError)
  })

  it.each(EIP55_MIXED_CASE)('formats the EIP-55 checksum of %s', (checksummed) => {
    expect(toChecksumAddress(checksummed.toLowerCase())).toBe(checksummed)
  })

  it('formats the checksum of the known address', () => {
    expect(toChecksumAddress(KNOWN_ADDRESS)).toBe(KNOWN_CHECKSUMMED)
  })

  it.each([...EIP55_MIXED_CASE, ...EIP55_ALL_CAPS, ...EIP55_ALL_LOWER, KNOWN_CHECKSUMMED])('accepts %s and returns it lowercase', (address) => {
    expect(isAddress(address)).toBe(true)
    expect(parseAddress(address)).toBe(address.toLowerCase())
  })

  it('rejects a mixed-case address with a wrong checksum as a likely typo', () => {
    const typo = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'
    expect(isAddress(typo)).toBe(false)
    expect(() => parseAddress(typo)).toThrow(/checksum/)
    expect(() => parseAddress(typo)).toThrow(InvalidAddressError)
  })

  it.each([
    ['no prefix', '2c7536e3605d9c16a7a3d7b1898e529396a65c23'],
    ['uppercase prefix', '0X2c7536e3605d9c16a7a3d7b1898e529396a65c23'],
    ['too short', '0x2c7536e3605d9c16a7a3d7b1898e529396a65c2'],
    ['too long', '0x2c7536e3605d9c16a7a3d7b1898e529396a65c233'],
    ['non-hex digit', '0x2c7536e3605d9c16a7a3d7b1898e529396a65c2g'],
    ['surrounding space', ' 0x2c7536e3605d9c16a7a3d7b1898e529396a65c23'],
    ['empty', '']
  ])('rejects %s', (_, value) => {
    expect(isAddress(value)).toBe(false)
    expect(() => parseAddress(value)).toThrow(InvalidAddressError)
  })

  it('is false for non-strings', () => {
    expect(isAddress(undefined)).toBe(false)
    expect(isAddress(42)).toBe(false)
  })

  it('converts to and from the 20 wire bytes', () => {
    const bytes = addressToBytes(KNOWN_CHECKSUMMED)
    expect(bytes).toHaveLength(ADDRESS_BYTES)
    expect(addressFromBytes(bytes)).toBe(KNOWN_ADDRESS)
    expect(() => addressFromBytes(new Uint8Array(19))).toThrow(InvalidAddressError)
    expect(() => addressFromBytes(new Uint8Array(21))).toThrow(InvalidAddressError)
  })
})
