/**
 * Decoding an object only as the whole codeword its owner signed. Every shard a holder sends is checked against
 * the manifest's hash before use, but k verified shards alone do not pin the object: the manifest commits to all
 * k + m shards, and an owner who signed shards that are not one codeword (parity computed from other data) would
 * have readers holding different sets of k shards rebuild different objects. So all k + m shards are rebuilt from
 * the k at hand and the ones not verified yet are checked against the manifest as well; only then are the data
 * shards joined into the object.
 */
import { InvalidShardsError, reconstructShards, shardSizeFor, type ShardSlots } from '../erasure/index.ts'
import { verifyShard, type SignedManifest } from '../wire/index.ts'
import { InconsistentObjectError } from './errors.ts'

/**
 * The object the manifest commits to, from k or more of its verified shards (`slots[i]` is shard i or null).
 * @throws {InconsistentObjectError} when the rebuilt codeword does not match every shard hash of the manifest;
 *   the erasure layer's NotEnoughShardsError, InvalidShardsError or InconsistentShardsError as `decode` does
 */
export async function decodeCommittedObject (slots: ShardSlots, manifest: SignedManifest): Promise<Uint8Array> {
  const { k, m, originalLength, shardSize } = manifest
  const expectedSize = shardSizeFor(originalLength, k)
  if (shardSize !== expectedSize) {
    // As `decode` refuses it: the manifest allows more padding than the coder ever produces.
    throw new InvalidShardsError(`shards are ${shardSize} bytes, but a ${originalLength}-byte object split ` +
      `into ${k} data shards has ${expectedSize}-byte shards: the manifest does not match these shards`)
  }
  const codeword = await reconstructShards(slots, k, m)
  const mismatched: number[] = []
  codeword.forEach((shard, index) => {
    if (slots[index] == null && !verifyShard(manifest, index, shard)) mismatched.push(index)
  })
  if (mismatched.length > 0) throw new InconsistentObjectError(manifest.objectId, mismatched)
  return joinDataShards(codeword, k, shardSize, originalLength)
}

/** The first `originalLength` bytes of the data shards, copied out so the parity shards can be freed. */
function joinDataShards (codeword: readonly Uint8Array[], k: number, shardSize: number, originalLength: number): Uint8Array {
  const object = new Uint8Array(originalLength)
  for (let index = 0; index < k && index * shardSize < originalLength; index++) {
    object.set(codeword[index].subarray(0, Math.min(shardSize, originalLength - index * shardSize)), index * shardSize)
  }
  return object
}
