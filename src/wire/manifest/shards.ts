import { bytesEqual, sha256, toHex } from '../../crypto/index.ts'
import { ShardHashMismatchError } from '../errors.ts'
import { MANIFEST_VERSION_1, type ManifestFields } from './codec.ts'
import { shardTree, verifyShardTreeProof } from './shard-tree.ts'

/**
 * True when `shard` is exactly shard `index` of the manifest: right index, right size, and its SHA-256 is the one
 * a version-1 manifest lists, or `proof` leads from it to the root a version-2 manifest signs.
 */
export function verifyShard (manifest: ManifestFields, index: number, shard: Uint8Array, proof: Uint8Array | undefined): boolean {
  return shardMismatch(manifest, index, shard, proof).reason === undefined
}

/**
 * Like `verifyShard`, but throws saying why, and returns the shard's SHA-256 (what receipts and listings name).
 * Holders call it before storing a shard; fetchers before decoding.
 * @throws {ShardHashMismatchError}
 */
export function assertShardMatches (manifest: ManifestFields, index: number, shard: Uint8Array, proof: Uint8Array | undefined): Uint8Array {
  const { reason, hash } = shardMismatch(manifest, index, shard, proof)
  if (reason !== undefined) {
    throw new ShardHashMismatchError(reason)
  }
  return hash as Uint8Array
}

/**
 * Checks a whole codeword (all k + m shards, e.g. just rebuilt) against the manifest and returns the indices that
 * do not match, with each shard's proof for storing it (undefined under version 1). A version-2 manifest signs
 * one root, so a mismatch there cannot be pinned on one shard: every index is reported. `knownHashes[i]`, when
 * given, is the SHA-256 of `codeword[i]` computed when that shard was verified, and is used instead of hashing it
 * again (a 4 MiB object's shards take milliseconds each).
 */
export function checkCodeword (manifest: ManifestFields, codeword: readonly Uint8Array[],
  knownHashes: ReadonlyArray<Uint8Array | null | undefined> = []): { mismatched: number[], proofs: Array<Uint8Array | undefined> } {
  const total = manifest.k + manifest.m
  const indices = Array.from({ length: total }, (_, index) => index)
  if (codeword.length !== total || codeword.some(shard => shard.length !== manifest.shardSize)) {
    return { mismatched: indices, proofs: [] }
  }
  const hashes = codeword.map((shard, index) => knownHashes[index] ?? sha256(shard))
  if (manifest.version === MANIFEST_VERSION_1) {
    return { mismatched: indices.filter(index => !bytesEqual(hashes[index], manifest.shardHashes[index])), proofs: indices.map(() => undefined) }
  }
  const { root, proofs } = shardTree(hashes)
  return bytesEqual(root, manifest.shardRoot) ? { mismatched: [], proofs } : { mismatched: indices, proofs: [] }
}

function shardMismatch (manifest: ManifestFields, index: number, shard: Uint8Array,
  proof: Uint8Array | undefined): { reason?: string, hash?: Uint8Array } {
  const total = manifest.k + manifest.m
  if (!Number.isInteger(index) || index < 0 || index >= total) {
    return { reason: `shard index ${index} is outside the manifest's ${total} shards` }
  }
  if (shard.length !== manifest.shardSize) {
    return { reason: `shard ${index} is ${shard.length} bytes; the manifest says ${manifest.shardSize}` }
  }
  const hash = sha256(shard)
  if (manifest.version === MANIFEST_VERSION_1) {
    if (proof !== undefined) {
      return { reason: `shard ${index} comes with a shard-tree proof, but its version 1 manifest lists the shard hashes` }
    }
    if (!bytesEqual(hash, manifest.shardHashes[index])) {
      return { reason: `shard ${index} has SHA-256 ${toHex(hash)}; the manifest says ${toHex(manifest.shardHashes[index])}` }
    }
    return { hash }
  }
  if (proof === undefined) {
    return { reason: `shard ${index} comes without the shard-tree proof its version 2 manifest needs` }
  }
  if (!verifyShardTreeProof(manifest.shardRoot, index, total, hash, proof)) {
    return { reason: `shard ${index} (SHA-256 ${toHex(hash)}) and its ${proof.length}-byte proof do not lead to the manifest's shard root ${toHex(manifest.shardRoot)}` }
  }
  return { hash }
}
