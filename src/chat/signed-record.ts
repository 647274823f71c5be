/**
 * Decoding steps shared by the chat layer's signed records (key bundle, presence, envelope): size limit before
 * decoding, canonical protobuf only (so each signed record has exactly one byte encoding and signed bytes carry
 * no ignored fields), the version read before the rest, and signature recovery to the address the record names.
 */
import { bytesEqual } from '../crypto/index.ts'
import { InvalidSignatureError, SIGNATURE_BYTES, recoverAddress, type WalletAddress } from '../identity/index.ts'
import { decodeOrThrow, readLeadingVersion } from '../wire/index.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../wire/index.ts'

/** The part of a protons-generated message namespace used here. */
export interface MessageCodec<T> {
  encode(message: Partial<T>): Uint8Array
  decode(bytes: Uint8Array): T
}

export interface SignedBodyMessage {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export interface SignedRecordFormat<Body> {
  /** Human name used in error messages, e.g. 'key bundle'. */
  readonly what: string
  readonly maxBytes: number
  readonly version: number
  readonly outer: MessageCodec<SignedBodyMessage>
  readonly body: MessageCodec<Body>
}

/**
 * Size, structure and version checks of a `{ body, signature }` record, in that order; the signature is not
 * checked here (see `assertRecordSignature`) because the caller first needs the owner from the body.
 * @throws {OversizeMessageError} | {MalformedMessageError} | {UnsupportedVersionError}
 */
export function parseSignedRecord<Body> (format: SignedRecordFormat<Body>, bytes: Uint8Array): { body: Body, bodyBytes: Uint8Array, signature: Uint8Array } {
  const ownBytes = checkedCopy(format.what, bytes, format.maxBytes)
  const outer = decodeCanonical(format.what, format.outer, ownBytes)
  if (outer.body.length === 0) {
    throw new MalformedMessageError(`${format.what} has no body`)
  }
  checkVersion(format.what, readLeadingVersion(`${format.what} body`, outer.body), format.version)
  const body = decodeCanonical(`${format.what} body`, format.body, outer.body)
  return { body, bodyBytes: outer.body, signature: outer.signature }
}

/**
 * Rejects non-bytes and oversize input before any decoding, and returns a private copy: the caller (or a
 * reused network buffer) cannot change the bytes after they were checked.
 */
export function checkedCopy (what: string, bytes: Uint8Array, maxBytes: number): Uint8Array<ArrayBuffer> {
  if (!(bytes instanceof Uint8Array)) {
    throw new MalformedMessageError(`a ${what} must be bytes`)
  }
  if (bytes.length > maxBytes) {
    throw new OversizeMessageError(`${what} is ${bytes.length} bytes; the limit is ${maxBytes}`)
  }
  return Uint8Array.from(bytes)
}

/** Decodes and insists that re-encoding gives the same bytes (no unknown, repeated, reordered or default-valued fields). */
export function decodeCanonical<T> (what: string, codec: MessageCodec<T>, bytes: Uint8Array): T {
  const message = decodeOrThrow(what, () => codec.decode(bytes))
  if (!bytesEqual(codec.encode(message), bytes)) {
    throw new MalformedMessageError(`${what} is not canonically encoded (unknown, repeated or reordered fields)`)
  }
  return message
}

export function checkVersion (what: string, version: number, supported: number, ErrorClass: new (message: string) => Error = UnsupportedVersionError): void {
  if (version !== supported) {
    throw new ErrorClass(`${what} version ${version} is not supported (this build reads version ${supported}); the sender may use a newer release`)
  }
}

/**
 * Throws `SignatureError` unless `signature` (65 bytes r ‖ s ‖ v) over `message` in `namespace` recovers to `owner`.
 */
export function assertRecordSignature (
  what: string,
  SignatureError: new (message: string, options?: ErrorOptions) => Error,
  owner: WalletAddress,
  namespace: string,
  message: Uint8Array,
  signature: Uint8Array
): void {
  if (signature.length !== SIGNATURE_BYTES) {
    throw new SignatureError(`${what} signature is ${signature.length} bytes; expected ${SIGNATURE_BYTES}`)
  }
  let signer: WalletAddress
  try {
    signer = recoverAddress(namespace, message, signature)
  } catch (cause) {
    if (cause instanceof InvalidSignatureError) {
      throw new SignatureError(`${what} signature is invalid: ${cause.message}`, { cause })
    }
    throw cause
  }
  if (signer !== owner) {
    throw new SignatureError(`${what} names ${owner} but was signed by ${signer}`)
  }
}

/** @throws {MalformedMessageError} unless `bytes` has exactly `expected` bytes */
export function expectLength (what: string, field: string, bytes: Uint8Array, expected: number): void {
  if (bytes.length !== expected) {
    throw new MalformedMessageError(`${what} ${field} must be ${expected} bytes, got ${bytes.length}`)
  }
}

/** Timestamps and counters are uint64 on the wire but must be safe JS integers here. */
export function expectSafeInteger (what: string, field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MalformedMessageError(`${what} ${field} must be an integer from 0 to 2^53 - 1, got ${value}`)
  }
  return value
}
