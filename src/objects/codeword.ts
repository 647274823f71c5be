/**
 * Decoding an object only as the whole codeword its owner signed. Every shard a holder sends is checked against
 * the manifest (its hash, or under version 2 its proof to the signed root) before use, but k verified shards alone
 * do not pin the object: the manifest commits to all k + m shards, and an owner who signed shards that are not one
 * codeword (parity computed from other data) would have readers holding different sets of k shards rebuild
 * different objects. So all k + m shards are rebuilt from the k at hand and the whole codeword is checked against
 * the manifest (version 1: each shard's hash; version 2: the root of all k + m); only then are the data shards
 * joined into the object.
 */
import { InvalidShardsError, reconstructShards, shardSizeFor, type ShardSlots } from '../erasure/index.ts'
import { checkCodeword, type SignedManifest } from '../wire/index.ts'
import { InconsistentObjectError } from './errors.ts'

/**
 * The object the manifest commits to, from k or more of its verified shards (`slots[i]` is shard i or null;
 * `knownHashes[i]` its SHA-256 when its verification kept it).
 * @throws {InconsistentObjectError} when the rebuilt codeword does not match the manifest's shard commitments;
 *   the erasure layer's NotEnoughShardsError, InvalidShardsError or InconsistentShardsError as `decode` does
 */
export async function decodeCommittedObject (slots: ShardSlots, manifest: SignedManifest,
  knownHashes: ReadonlyArray<Uint8Array | null | undefined> = []): Promise<Uint8Array> {
  const { k, m, originalLength, shardSize } = manifest
  const expectedSize = shardSizeFor(originalLength, k)
  if (shardSize !== expectedSize) {
    // As `decode` refuses it: the manifest allows more padding than the coder ever produces.
    throw new InvalidShardsError(`shards are ${shardSize} bytes, but a ${originalLength}-byte object split ` +
      `into ${k} data shards has ${expectedSize}-byte shards: the manifest does not match these shards`)
  }
  const codeword = await reconstructShards(slots, k, m)
  // The shards at hand were verified already; a version-2 mismatch cannot be pinned on one shard, so it names
  // every rebuilt one.
  const verifiedHashes = codeword.map((_, index) => slots[index] == null ? undefined : knownHashes[index])
  const mismatched = checkCodeword(manifest, codeword, verifiedHashes).mismatched.filter(index => slots[index] == null)
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
