/**
 * Decoding that checks the manifest's whole commitment. Each fetched shard is verified against its hash, but any
 * k of them decode to some object: a sender who signs hashes of k data shards and of m parity shards that do not
 * belong to them could show two readers two different objects under one signed manifest. Rebuilding the shards
 * that did not arrive and checking them against their hashes too ties the object to all k + m hashes, so every
 * set of k shards decodes to the same bytes or fails.
 */
import { InvalidShardsError, reconstructShards, shardSizeFor } from '../erasure/index.ts'
import { verifyShard, type SignedManifest } from '../wire/index.ts'
import { ManifestCommitmentError } from './errors.ts'

/**
 * The object from k or more verified shards (`slots[i]` is shard i or null), after checking that every shard not
 * given, as rebuilt from those given, matches the manifest.
 * @throws {ManifestCommitmentError} | the erasure layer's errors (NotEnoughShardsError, InconsistentShardsError...)
 */
export async function decodeCommitted (manifest: Pick<SignedManifest, 'objectId' | 'k' | 'm' | 'originalLength' | 'shardHashes' | 'shardSize'>,
  slots: ReadonlyArray<Uint8Array | null>): Promise<Uint8Array> {
  const { k, m, originalLength } = manifest
  if (manifest.shardSize !== shardSizeFor(originalLength, k)) {
    throw new InvalidShardsError(`shards are ${manifest.shardSize} bytes, but a ${originalLength}-byte object split into ${k} data shards ` +
      `has ${shardSizeFor(originalLength, k)}-byte shards: the manifest does not match these shards`)
  }
  const shards = await reconstructShards(slots as Array<Uint8Array | null>, k, m)
  const mismatched: number[] = []
  for (let index = 0; index < k + m; index++) {
    if (slots[index] === null && !verifyShard(manifest, index, shards[index])) mismatched.push(index)
  }
  if (mismatched.length > 0) throw new ManifestCommitmentError(manifest.objectId, mismatched)
  const bytes = new Uint8Array(originalLength)
  let offset = 0
  for (let index = 0; index < k && offset < originalLength; index++) {
    const part = shards[index].subarray(0, Math.min(shards[index].length, originalLength - offset))
    bytes.set(part, offset)
    offset += part.length
  }
  return bytes
}
