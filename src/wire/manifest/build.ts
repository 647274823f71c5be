import { NS_MANIFEST, sha256 } from '../../crypto/index.ts'
import { addressToBytes, type Signer } from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { MalformedMessageError } from '../errors.ts'
import { MANIFEST_VERSION, checkManifestBody, decodeSignedManifest, type SignedManifest } from './codec.ts'
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
}

/**
 * Hashes the shards, encodes and signs the manifest body as `signer`, and returns the manifest exactly as a
 * holder would decode it (the result has been through `decodeSignedManifest`, so a faulty signer is caught here).
 * @throws {MalformedMessageError} if the input cannot form a valid manifest
 */
export function buildManifest (signer: Signer, input: BuildManifestInput): { manifest: SignedManifest, objectId: ObjectId } {
  const { shards, k, m } = input
  if (shards.length !== k + m) {
    throw new MalformedMessageError(`got ${shards.length} shards but k + m = ${k + m}`)
  }
  const shardSize = shards[0]?.length ?? 0
  shards.forEach((shard, index) => {
    if (shard.length !== shardSize) {
      throw new MalformedMessageError(`shard ${index} is ${shard.length} bytes but shard 0 is ${shardSize}; all shards must be the same size`)
    }
  })
  const body: ManifestBodyMessage = {
    version: MANIFEST_VERSION,
    namespace: input.namespace,
    owner: addressToBytes(signer.address),
    placementKey: new Uint8Array(input.placementKey),
    k,
    m,
    originalLength: input.originalLength,
    shardSize,
    shardHashes: shards.map(shard => sha256(shard)),
    createdAt: input.createdAt
  }
  // Same rules as decoding, checked before encoding: protons would silently encode out-of-range numbers.
  checkManifestBody(body)
  const bodyBytes = ManifestBodyMessage.encode(body)
  const signature = new Uint8Array(signer.sign(NS_MANIFEST, bodyBytes))
  const manifest = decodeSignedManifest(SignedManifestMessage.encode({ body: bodyBytes, signature }))
  return { manifest, objectId: manifest.objectId }
}
