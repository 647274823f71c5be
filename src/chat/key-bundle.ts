/**
 * Signed key bundle: "address A encrypts chat with X25519 public key K" (pb/key-bundle.proto), the record others
 * fetch from the mesh before encrypting to A. A bundle is accepted only if its wallet signature recovers to the
 * address it names, and that address is the one it was fetched for.
 */
import { ADDRESS_BYTES, addressFromBytes, addressToBytes, parseAddress, type Signer, type WalletAddress } from '../identity/index.ts'
import { MalformedMessageError } from '../wire/index.ts'
import { X25519_KEY_BYTES, checkChatPublicKey } from './chat-keys.ts'
import { displayNameProblem } from './display-name.ts'
import { InvalidChatKeyError, InvalidDisplayNameError, KeyBundleOwnerMismatchError, KeyBundleSignatureError } from './errors.ts'
import { NS_KEY_BUNDLE } from './namespaces.ts'
import { KeyBundleBody, SignedKeyBundle } from '../wire/index.ts'
import { assertRecordSignature, expectLength, expectSafeInteger, parseSignedRecord, type SignedRecordFormat } from './signed-record.ts'

/** The only key bundle format version this build reads and writes. */
export const KEY_BUNDLE_VERSION = 1
/**
 * Limit on an encoded signed bundle, checked before decoding. The largest valid bundle (64-byte display name,
 * maximal timestamp) encodes to 203 bytes; 512 admits every valid bundle and little else.
 */
export const MAX_SIGNED_KEY_BUNDLE_BYTES = 512

const FORMAT: SignedRecordFormat<KeyBundleBody> = {
  what: 'key bundle',
  maxBytes: MAX_SIGNED_KEY_BUNDLE_BYTES,
  version: KEY_BUNDLE_VERSION,
  outer: SignedKeyBundle,
  body: KeyBundleBody
}

/** A key bundle whose owner signature has been verified. */
export interface KeyBundle {
  readonly version: typeof KEY_BUNDLE_VERSION
  readonly owner: WalletAddress
  /** 32-byte X25519 public key. */
  readonly x25519PublicKey: Uint8Array
  /** Milliseconds since the Unix epoch; a later bundle of the same owner replaces an earlier one. */
  readonly createdAt: number
  /** Self-chosen name; absent when not set. Not unique and not verified: show it with the address. */
  readonly displayName?: string
  /** The body exactly as signed. */
  readonly bodyBytes: Uint8Array
  /** 65-byte r ‖ s ‖ v wallet signature over `bodyBytes` in NS_KEY_BUNDLE. */
  readonly signature: Uint8Array
}

export interface CreateKeyBundleInput {
  /** The owner's X25519 public key, e.g. `deriveChatKeyPair(wallet).publicKey`. */
  readonly x25519PublicKey: Uint8Array
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number
  readonly displayName?: string
}

/**
 * Encodes and signs a bundle as `signer`, and returns it exactly as a verifier would decode it (so a faulty
 * signer is caught here, not by the peers).
 * @throws {InvalidChatKeyError} | {InvalidDisplayNameError} | {MalformedMessageError}
 */
export function createKeyBundle (signer: Signer, input: CreateKeyBundleInput): KeyBundle {
  checkChatPublicKey(input.x25519PublicKey)
  const displayName = input.displayName ?? ''
  const problem = displayNameProblem(displayName)
  if (problem !== undefined) {
    throw new InvalidDisplayNameError(problem)
  }
  expectSafeInteger('key bundle', 'createdAt', input.createdAt)
  const bodyBytes = KeyBundleBody.encode({
    version: KEY_BUNDLE_VERSION,
    owner: addressToBytes(signer.address),
    x25519PublicKey: Uint8Array.from(input.x25519PublicKey),
    createdAt: input.createdAt,
    displayName
  })
  const signature = Uint8Array.from(signer.sign(NS_KEY_BUNDLE, bodyBytes))
  return decodeKeyBundle(SignedKeyBundle.encode({ body: bodyBytes, signature }))
}

/** The bytes to publish: a `SignedKeyBundle` protobuf of the body exactly as signed and its signature. */
export function encodeKeyBundle (bundle: Pick<KeyBundle, 'bodyBytes' | 'signature'>): Uint8Array {
  return SignedKeyBundle.encode({ body: Uint8Array.from(bundle.bodyBytes), signature: Uint8Array.from(bundle.signature) })
}

/**
 * Decodes a bundle and checks it is self-consistent: signed by the address it names. Use `verifyKeyBundle`
 * for a bundle fetched for a particular address; this alone does not say whose bundle you wanted.
 * Checks run cheapest first: size (`OversizeMessageError`), structure (`MalformedMessageError`), version
 * (`UnsupportedVersionError`), fields (`MalformedMessageError`), signature (`KeyBundleSignatureError`).
 */
export function decodeKeyBundle (bytes: Uint8Array): KeyBundle {
  const { bundle, signature } = parseKeyBundle(bytes)
  assertRecordSignature('key bundle', KeyBundleSignatureError, bundle.owner, NS_KEY_BUNDLE, bundle.bodyBytes, signature)
  return bundle
}

/**
 * Accepts a bundle fetched for `expectedAddress` only if it names that address and its signature recovers to it.
 * @throws {KeyBundleOwnerMismatchError} if the bundle is (or claims to be) another address's
 * @throws {KeyBundleSignatureError} if the signature was made by a key other than the named owner's
 */
export function verifyKeyBundle (bytes: Uint8Array, expectedAddress: WalletAddress | string): KeyBundle {
  const expected = parseAddress(expectedAddress)
  const { bundle, signature } = parseKeyBundle(bytes)
  if (bundle.owner !== expected) {
    throw new KeyBundleOwnerMismatchError(`key bundle is for ${bundle.owner}, not for ${expected}`)
  }
  assertRecordSignature('key bundle', KeyBundleSignatureError, bundle.owner, NS_KEY_BUNDLE, bundle.bodyBytes, signature)
  return bundle
}

function parseKeyBundle (bytes: Uint8Array): { bundle: KeyBundle, signature: Uint8Array } {
  const { body, bodyBytes, signature } = parseSignedRecord(FORMAT, bytes)
  expectLength('key bundle', 'owner', body.owner, ADDRESS_BYTES)
  expectLength('key bundle', 'x25519PublicKey', body.x25519PublicKey, X25519_KEY_BYTES)
  try {
    checkChatPublicKey(body.x25519PublicKey)
  } catch (cause) {
    if (cause instanceof InvalidChatKeyError) {
      throw new MalformedMessageError(`key bundle x25519PublicKey is unusable: ${cause.message}`, { cause })
    }
    throw cause
  }
  const problem = displayNameProblem(body.displayName)
  if (problem !== undefined) {
    throw new MalformedMessageError(`key bundle ${problem}`)
  }
  const bundle: KeyBundle = {
    version: KEY_BUNDLE_VERSION,
    owner: addressFromBytes(body.owner),
    x25519PublicKey: body.x25519PublicKey,
    createdAt: expectSafeInteger('key bundle', 'createdAt', body.createdAt),
    ...(body.displayName === '' ? {} : { displayName: body.displayName }),
    bodyBytes,
    signature
  }
  return { bundle, signature }
}
