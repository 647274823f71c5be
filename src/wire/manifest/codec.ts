import { NS_MANIFEST, SHA256_BYTES, bytesEqual, hashWithNamespace, toHex } from '../../crypto/index.ts'
import {
  ADDRESS_BYTES,
  InvalidSignatureError,
  SIGNATURE_BYTES,
  addressFromBytes,
  assertSignedBy,
  type WalletAddress
} from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { decodeOrThrow, readLeadingVersion } from '../decode-helpers.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../errors.ts'
import { ManifestBody as ManifestBodyMessage, SignedManifest as SignedManifestMessage } from './manifest.ts'

/** Version 1: the manifest lists every shard's hash. Still read, verified, stored and repaired everywhere. */
export const MANIFEST_VERSION_1 = 1
/** Version 2: the manifest signs a shard-tree root and each shard carries its inclusion proof (manifest.proto). */
export const MANIFEST_VERSION_2 = 2
/** The version new objects are written in. */
export const MANIFEST_VERSION = MANIFEST_VERSION_2
export type ManifestVersion = typeof MANIFEST_VERSION_1 | typeof MANIFEST_VERSION_2
/** Reed-Solomon over GF(2^8) allows at most 256 shards (k + m) per object. */
export const MAX_SHARDS = 256
export const MIN_DATA_SHARDS = 1
export const PLACEMENT_KEY_BYTES = 32
export const SHARD_HASH_BYTES = SHA256_BYTES
export const SHARD_ROOT_BYTES = SHA256_BYTES
/** Content namespaces are short printable-ASCII tags such as 'zentalk/history/v1'. */
export const MAX_MANIFEST_NAMESPACE_BYTES = 64
const NAMESPACE_PATTERN = /^[\x21-\x7e]+$/
const MAX_UINT32 = 0xffff_ffff
/**
 * Limit on an encoded signed manifest, checked before decoding. The largest valid manifest (256 shard hashes,
 * a 64-byte namespace, maximal integers) encodes to about 8.9 KiB, so 10 KiB admits every valid manifest and
 * little else. (The default 10 + 5 shards encode to about 0.7 KiB.)
 */
export const MAX_SIGNED_MANIFEST_BYTES = 10 * 1024

/** What every manifest version says, parsed and range-checked. */
interface CommonManifestFields {
  /** Content namespace, e.g. NS_HISTORY. */
  readonly namespace: string
  readonly owner: WalletAddress
  readonly placementKey: Uint8Array
  readonly k: number
  readonly m: number
  readonly originalLength: number
  readonly shardSize: number
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number
}

/** A version-1 manifest: it lists the shard hashes. */
export interface ManifestFieldsV1 extends CommonManifestFields {
  readonly version: typeof MANIFEST_VERSION_1
  /** SHA-256 of shard i at index i; k + m entries. */
  readonly shardHashes: readonly Uint8Array[]
}

/** A version-2 manifest: it signs the shard-tree root; each shard comes with its proof. */
export interface ManifestFieldsV2 extends CommonManifestFields {
  readonly version: typeof MANIFEST_VERSION_2
  /** Root of the shard tree (src/wire/manifest/shard-tree.ts) over the k + m shard hashes. */
  readonly shardRoot: Uint8Array
}

/** What a manifest says, parsed and range-checked; `version` tells how it commits to its shards. */
export type ManifestFields = ManifestFieldsV1 | ManifestFieldsV2

/** What a verified signature adds to the fields. */
interface SignedParts {
  /** Hex SHA-256 of `bodyBytes` under NS_MANIFEST; it is also the digest the owner signed. */
  readonly objectId: ObjectId
  /** The body exactly as signed. Re-encoding the fields is never used for verification. */
  readonly bodyBytes: Uint8Array
  /** 65-byte r ‖ s ‖ v owner signature (see src/identity/signature.ts). */
  readonly signature: Uint8Array
}

export type SignedManifestV1 = ManifestFieldsV1 & SignedParts
export type SignedManifestV2 = ManifestFieldsV2 & SignedParts
/** A manifest whose owner signature has been verified. */
export type SignedManifest = SignedManifestV1 | SignedManifestV2

/** Object ID of a manifest body: hex `hashWithNamespace(NS_MANIFEST, bodyBytes)`. */
export function manifestObjectId (bodyBytes: Uint8Array): ObjectId {
  return toHex(hashWithNamespace(NS_MANIFEST, bodyBytes)) as ObjectId
}

/** Encodes the body bytes and signature as a `SignedManifest` protobuf (what holders store and send). */
export function encodeSignedManifest (manifest: Pick<SignedManifest, 'bodyBytes' | 'signature'>): Uint8Array {
  return SignedManifestMessage.encode({ body: new Uint8Array(manifest.bodyBytes), signature: new Uint8Array(manifest.signature) })
}

/**
 * Decodes and verifies a signed manifest. Cheap checks run first, in this order, so junk costs no signature
 * recovery: size (`OversizeMessageError`), envelope structure (`MalformedMessageError`), body version
 * (`UnsupportedVersionError`), body fields (`MalformedMessageError`), signature by `owner` (`InvalidSignatureError`).
 * Both the envelope and the body must be in canonical protobuf form (fields in order, no unknown or repeated
 * scalar fields), so each signed manifest has exactly one byte encoding.
 */
export function decodeSignedManifest (bytes: Uint8Array): SignedManifest {
  if (!(bytes instanceof Uint8Array)) {
    throw new MalformedMessageError('a signed manifest must be bytes')
  }
  if (bytes.length > MAX_SIGNED_MANIFEST_BYTES) {
    throw new OversizeMessageError(`signed manifest is ${bytes.length} bytes; the limit is ${MAX_SIGNED_MANIFEST_BYTES}`)
  }
  // Own copy: the caller (or a reused network buffer) cannot change the bytes after they were checked.
  const ownBytes = Uint8Array.from(bytes)
  const envelope = decodeOrThrow('signed manifest', () => SignedManifestMessage.decode(ownBytes))
  if (!bytesEqual(SignedManifestMessage.encode(envelope), ownBytes)) {
    throw new MalformedMessageError('signed manifest is not canonically encoded (unknown, repeated or reordered fields)')
  }
  if (envelope.body.length === 0) {
    throw new MalformedMessageError('signed manifest has no body')
  }
  // The version is read on its own first: another version's body may not even decode with this schema.
  checkVersion(readLeadingVersion('manifest body', envelope.body))
  const body = decodeOrThrow('manifest body', () => ManifestBodyMessage.decode(envelope.body, { limits: { shardHashes: MAX_SHARDS } }))
  const fields = checkManifestBody(body)
  if (!bytesEqual(ManifestBodyMessage.encode(body), envelope.body)) {
    throw new MalformedMessageError('manifest body is not canonically encoded (unknown, repeated or reordered fields)')
  }
  if (envelope.signature.length !== SIGNATURE_BYTES) {
    throw new InvalidSignatureError(`manifest signature is ${envelope.signature.length} bytes; expected ${SIGNATURE_BYTES}`)
  }
  try {
    assertSignedBy(fields.owner, NS_MANIFEST, envelope.body, envelope.signature)
  } catch (cause) {
    if (cause instanceof InvalidSignatureError) {
      throw new InvalidSignatureError(`manifest is not signed by its owner ${fields.owner}: ${cause.message}`, { cause })
    }
    throw cause
  }
  return { ...fields, objectId: manifestObjectId(envelope.body), bodyBytes: envelope.body, signature: envelope.signature }
}

/**
 * Range-checks a decoded (or about to be encoded) body and returns its parsed fields. The version is checked
 * first: another version may have other rules for the remaining fields.
 * @throws {UnsupportedVersionError} | {MalformedMessageError}
 */
export function checkManifestBody (body: ManifestBodyMessage): ManifestFields {
  checkVersion(body.version)
  const namespaceBytes = new TextEncoder().encode(body.namespace)
  if (!NAMESPACE_PATTERN.test(body.namespace) || namespaceBytes.length > MAX_MANIFEST_NAMESPACE_BYTES) {
    throw new MalformedMessageError(`manifest namespace must be 1 to ${MAX_MANIFEST_NAMESPACE_BYTES} printable ASCII characters without spaces`)
  }
  expectLength('owner', body.owner, ADDRESS_BYTES)
  expectLength('placementKey', body.placementKey, PLACEMENT_KEY_BYTES)
  expectUint32('k', body.k)
  expectUint32('m', body.m)
  expectUint32('shardSize', body.shardSize)
  if (body.k < MIN_DATA_SHARDS) {
    throw new MalformedMessageError(`manifest k must be at least ${MIN_DATA_SHARDS}, got ${body.k}`)
  }
  if (body.k + body.m > MAX_SHARDS) {
    throw new MalformedMessageError(`manifest k + m is ${body.k + body.m}; at most ${MAX_SHARDS} shards are possible`)
  }
  if (body.version === MANIFEST_VERSION_1) {
    if (body.shardHashes.length !== body.k + body.m) {
      throw new MalformedMessageError(`manifest lists ${body.shardHashes.length} shard hashes but k + m = ${body.k + body.m}`)
    }
    body.shardHashes.forEach((hash, index) => expectLength(`shardHashes[${index}]`, hash, SHARD_HASH_BYTES))
    if (body.shardRoot !== undefined) {
      throw new MalformedMessageError('a version 1 manifest lists shard hashes and has no shardRoot')
    }
  } else {
    if (body.shardHashes.length !== 0) {
      throw new MalformedMessageError(`a version 2 manifest commits to its shards by shardRoot; this one also lists ${body.shardHashes.length} shard hashes`)
    }
    expectLength('shardRoot', body.shardRoot ?? new Uint8Array(), SHARD_ROOT_BYTES)
  }
  if (body.shardSize < 1) {
    throw new MalformedMessageError('manifest shardSize must be at least 1')
  }
  const originalLength = expectSafeInteger('originalLength', body.originalLength)
  if (originalLength > body.k * body.shardSize) {
    throw new MalformedMessageError(`manifest originalLength ${originalLength} does not fit in k = ${body.k} shards of ${body.shardSize} bytes`)
  }
  const common = {
    namespace: body.namespace,
    owner: addressFromBytes(body.owner),
    placementKey: body.placementKey,
    k: body.k,
    m: body.m,
    originalLength,
    shardSize: body.shardSize,
    createdAt: expectSafeInteger('createdAt', body.createdAt)
  }
  return body.version === MANIFEST_VERSION_1
    ? { version: MANIFEST_VERSION_1, ...common, shardHashes: body.shardHashes }
    : { version: MANIFEST_VERSION_2, ...common, shardRoot: body.shardRoot as Uint8Array }
}

function checkVersion (version: number): asserts version is ManifestVersion {
  if (version !== MANIFEST_VERSION_1 && version !== MANIFEST_VERSION_2) {
    throw new UnsupportedVersionError(`manifest version ${version} is not supported (this build reads versions ${MANIFEST_VERSION_1} and ${MANIFEST_VERSION_2}); the owner may use a newer release`)
  }
}



function expectLength (field: string, bytes: Uint8Array, expected: number): void {
  if (bytes.length !== expected) {
    throw new MalformedMessageError(`manifest ${field} must be ${expected} bytes, got ${bytes.length}`)
  }
}

function expectUint32 (field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
    throw new MalformedMessageError(`manifest ${field} must be an integer from 0 to ${MAX_UINT32}, got ${value}`)
  }
}

function expectSafeInteger (field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MalformedMessageError(`manifest ${field} must be an integer from 0 to 2^53 - 1, got ${value}`)
  }
  return value
}
