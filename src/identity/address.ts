import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { fromHex, toHex } from '../crypto/index.ts'
import type { Brand } from '../types/index.ts'
import { InvalidAddressError, InvalidPublicKeyError } from './errors.ts'

/**
 * An owner's Ethereum-style address in canonical form: `0x` + 40 lowercase hex digits. Named "wallet address"
 * to keep it apart from libp2p multiaddrs. Produce one only through `parseAddress` or `addressFrom*`.
 */
export type WalletAddress = Brand<string, 'WalletAddress'>

/** An address is the last 20 bytes of keccak-256(uncompressed public key without its 0x04 prefix). */
export const ADDRESS_BYTES = 20
const KECCAK_BYTES = 32
const UNCOMPRESSED_PREFIX_BYTES = 1
const ADDRESS_SHAPE = /^0x[0-9a-fA-F]{40}$/
const utf8 = new TextEncoder()

/** True for a lowercase, all-uppercase, or correctly EIP-55-checksummed address. */
export function isAddress (value: unknown): value is string {
  if (typeof value !== 'string' || !ADDRESS_SHAPE.test(value)) {
    return false
  }
  const digits = value.slice(2)
  if (digits === digits.toLowerCase() || digits === digits.toUpperCase()) {
    return true
  }
  return toChecksumAddress(value.toLowerCase() as WalletAddress) === value
}

/**
 * Accepts an address in any form `isAddress` accepts and returns the canonical lowercase form.
 * A mixed-case address whose checksum does not match is rejected: it is most likely mistyped.
 * @throws {InvalidAddressError}
 */
export function parseAddress (value: string): WalletAddress {
  const lower = parseAddressShape(value)
  if (!isAddress(value)) {
    throw new InvalidAddressError(`address ${value} has a wrong EIP-55 checksum; check it for typos`)
  }
  return lower as WalletAddress
}

/** EIP-55 mixed-case checksum form, for display only; everything else uses the lowercase form. */
export function toChecksumAddress (address: WalletAddress | string): string {
  const lower = parseAddressShape(address).slice(2)
  const hash = toHex(keccak_256(utf8.encode(lower)))
  let checksummed = '0x'
  for (let i = 0; i < lower.length; i++) {
    checksummed += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i]
  }
  return checksummed
}

/** Address of a secp256k1 public key, compressed (33 bytes) or uncompressed (65 bytes). */
export function addressFromPublicKey (publicKey: Uint8Array): WalletAddress {
  let uncompressed: Uint8Array
  try {
    uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false)
  } catch (cause) {
    throw new InvalidPublicKeyError('not a secp256k1 public key', { cause })
  }
  const hash = keccak_256(uncompressed.subarray(UNCOMPRESSED_PREFIX_BYTES))
  return addressFromBytes(hash.subarray(KECCAK_BYTES - ADDRESS_BYTES))
}

/** The 20 raw bytes of an address, as carried on the wire. */
export function addressToBytes (address: WalletAddress | string): Uint8Array<ArrayBuffer> {
  return fromHex(parseAddress(address), ADDRESS_BYTES)
}

/** @throws {InvalidAddressError} unless exactly 20 bytes */
export function addressFromBytes (bytes: Uint8Array): WalletAddress {
  if (bytes.length !== ADDRESS_BYTES) {
    throw new InvalidAddressError(`an address is ${ADDRESS_BYTES} bytes, got ${bytes.length}`)
  }
  return `0x${toHex(bytes)}` as WalletAddress
}

function parseAddressShape (address: string): string {
  if (typeof address !== 'string' || !ADDRESS_SHAPE.test(address)) {
    throw new InvalidAddressError(`"${String(address).slice(0, 64)}" is not an address: expected 0x followed by 40 hex digits`)
  }
  return address.toLowerCase()
}
