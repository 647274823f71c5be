import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { InvalidHexError } from './errors.ts'

const HEX_PREFIX = '0x'
const HEX_DIGITS = /^[0-9a-fA-F]*$/

/** Lowercase hex, no `0x` prefix. */
export function toHex (bytes: Uint8Array): string {
  return bytesToHex(bytes)
}

/**
 * Parses hex (upper or lower case, with or without a `0x` prefix). When `expectedBytes` is given the
 * decoded length must match it, so callers can parse keys and hashes in one step.
 * @throws {InvalidHexError} on odd length, a non-hex character, or a length other than `expectedBytes`
 */
export function fromHex (hex: string, expectedBytes?: number): Uint8Array<ArrayBuffer> {
  if (typeof hex !== 'string') {
    throw new InvalidHexError(`expected a hex string, got ${typeof hex}`)
  }
  const digits = hex.startsWith(HEX_PREFIX) ? hex.slice(HEX_PREFIX.length) : hex
  if (digits.length % 2 !== 0) {
    throw new InvalidHexError(`hex string has an odd number of digits (${digits.length})`)
  }
  if (!HEX_DIGITS.test(digits)) {
    throw new InvalidHexError('hex string contains a character outside 0-9, a-f, A-F')
  }
  if (expectedBytes !== undefined && digits.length !== expectedBytes * 2) {
    throw new InvalidHexError(`expected ${expectedBytes} bytes of hex, got ${digits.length / 2}`)
  }
  return new Uint8Array(hexToBytes(digits))
}
