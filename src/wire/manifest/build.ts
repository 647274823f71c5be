import { NS_MANIFEST, sha256 } from '../../crypto/index.ts'
import { addressToBytes, type Signer } from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { MalformedMessageError } from '../errors.ts'
import {
  MANIFEST_VERSION_1,
  MANIFEST_VERSION_2,
  checkManifestBody,
  decodeSignedManifest,
  type ManifestVersion,
  type SignedManifest,
  type SignedManifestV1,
  type SignedManifestV2
} from './codec.ts'
import { shardTree } from './shard-tree.ts'
import { ManifestBody as ManifestBodyMessage, SignedManifest as SignedManifestMessage } from './manifest.ts'

export interface BuildManifestInput {
  /** Content namespace, e.g. NS_HISTORY or NS_INBOX. */
  readonly namespace: string
  /** 32-byte key whose closest peers will hold the shards. */
  readonly placementKey: Uint8Array
  readonly k: number
  readonly m: number
  /** Length of the bytes that were erasure-coded, before padding to k × shardSize. */
  readonly originalLength: number
  /** All k + m shards in index order (data, then parity), each of the same length. */
  readonly shards: readonly Uint8Array[]
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number
  /**
   * Manifest format; version 1 when omitted (the format the v1 fixture pins). New objects are written with
   * MANIFEST_VERSION (2): the object store asks for it.
   */
  readonly version?: ManifestVersion
}

export interface BuiltManifest<M extends SignedManifest = SignedManifest> {
  manifest: M
  objectId: ObjectId
  /** Shard i's inclusion proof at index i for a version-2 manifest, to send and keep with the shard; undefined under version 1. */
  shardProofs: Array<Uint8Array | undefined>
}

/**
 * Hashes the shards (version 2: into the shard tree, whose proofs it returns), encodes and signs the manifest body as `signer`, and returns the manifest exactly as a
 * holder would decode it (the result has been through `decodeSignedManifest`, so a faulty signer is caught here).
 * @throws {MalformedMessageError} if the input cannot form a valid manifest
 */
export function buildManifest (signer: Signer, input: BuildManifestInput & { version: typeof MANIFEST_VERSION_2 }): BuiltManifest<SignedManifestV2>
export function buildManifest (signer: Signer, input: BuildManifestInput & { version?: typeof MANIFEST_VERSION_1 }): BuiltManifest<SignedManifestV1>
export function buildManifest (signer: Signer, input: BuildManifestInput): BuiltManifest
export function buildManifest (signer: Signer, input: BuildManifestInput): BuiltManifest {
  const { shards, k, m } = input
  const version = input.version ?? MANIFEST_VERSION_1
  if (shards.length !== k + m) {
    throw new MalformedMessageError(`got ${shards.length} shards but k + m = ${k + m}`)
  }
  const shardSize = shards[0]?.length ?? 0
  shards.forEach((shard, index) => {
    if (shard.length !== shardSize) {
      throw new MalformedMessageError(`shard ${index} is ${shard.length} bytes but shard 0 is ${shardSize}; all shards must be the same size`)
    }
  })
  const shardHashes = shards.map(shard => sha256(shard))
  const tree = version === MANIFEST_VERSION_2 ? shardTree(shardHashes) : undefined
  const body: ManifestBodyMessage = {
    version,
    namespace: input.namespace,
    owner: addressToBytes(signer.address),
    placementKey: new Uint8Array(input.placementKey),
    k,
    m,
    originalLength: input.originalLength,
    shardSize,
    shardHashes: version === MANIFEST_VERSION_1 ? shardHashes : [],
    createdAt: input.createdAt
  }
  if (tree !== undefined) body.shardRoot = new Uint8Array(tree.root)
  // Same rules as decoding, checked before encoding: protons would silently encode out-of-range numbers.
  checkManifestBody(body)
  const bodyBytes = ManifestBodyMessage.encode(body)
  const signature = new Uint8Array(signer.sign(NS_MANIFEST, bodyBytes))
  const manifest = decodeSignedManifest(SignedManifestMessage.encode({ body: bodyBytes, signature }))
  const shardProofs = tree?.proofs ?? shardHashes.map(() => undefined)
  return { manifest, objectId: manifest.objectId, shardProofs }
}
