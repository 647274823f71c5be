import { ZenTalkError } from '../errors/index.ts'

/** A signature is malformed (length, high-s, recovery byte) or was not made by the expected address. */
export class InvalidSignatureError extends ZenTalkError {}

/** A string is not an Ethereum-style address (`0x` + 40 hex), or its mixed-case EIP-55 checksum is wrong. */
export class InvalidAddressError extends ZenTalkError {}

/** Bytes are not a usable secp256k1 private key (32 bytes, in the range 1 … n−1). */
export class InvalidPrivateKeyError extends ZenTalkError {}

/** Bytes are not a secp256k1 public key (33-byte compressed or 65-byte uncompressed SEC1 point on the curve). */
export class InvalidPublicKeyError extends ZenTalkError {}

/** A key store did not keep what it was given (an entry vanished right after being written). */
export class KeyStoreError extends ZenTalkError {}
