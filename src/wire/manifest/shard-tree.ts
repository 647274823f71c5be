/**
 * The shard tree of a version-2 manifest: an RFC 6962 (section 2.1) Merkle tree with SHA-256 over the shard
 * hashes in shard-index order, the layout manifest.proto documents. Pure functions; hashing is @noble/hashes'
 * SHA-256 through src/crypto. An inclusion proof travels as its sibling hashes concatenated, leaf level first.
 */
import { SHA256_BYTES, bytesEqual, sha256 } from '../../crypto/index.ts'

/** Prefix of a leaf hash's input, so a leaf can never pass for an inner node (RFC 6962). */
export const SHARD_TREE_LEAF_PREFIX = 0x00
/** Prefix of an inner node hash's input. */
export const SHARD_TREE_NODE_PREFIX = 0x01
/** Each sibling hash of a proof. */
export const SHARD_PROOF_HASH_BYTES = SHA256_BYTES
/** The longest proof: 8 hashes, in a tree of the most shards a manifest allows (256). */
export const MAX_SHARD_PROOF_BYTES = 8 * SHARD_PROOF_HASH_BYTES

/** SHA-256(0x00 ‖ leaf input); the leaf input of shard i is the SHA-256 of shard i. */
export function shardTreeLeafHash (leafInput: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(SHARD_TREE_LEAF_PREFIX, ...leafInput))
}

/** SHA-256(0x01 ‖ left ‖ right). */
function nodeHash (left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length)
  input[0] = SHARD_TREE_NODE_PREFIX
  input.set(left, 1)
  input.set(right, 1 + left.length)
  return sha256(input)
}

/** Largest power of two strictly below n (n >= 2): where RFC 6962 splits a tree of n leaves. */
function splitPoint (n: number): number {
  let split = 1
  while (split * 2 < n) split *= 2
  return split
}

/**
 * MTH over leaf hashes [start, end) (not leaf inputs; at least one leaf: a manifest has k >= 1 shards), appending to
 * `paths[i]` the sibling hash of each level for every leaf i in the range: deeper levels finish first, so each path
 * runs from the leaf up (RFC 6962 PATH). Every node is hashed once.
 */
function subtree (leafHashes: readonly Uint8Array[], start: number, end: number, paths?: Uint8Array[][]): Uint8Array {
  if (end - start === 1) return leafHashes[start]
  const split = start + splitPoint(end - start)
  const left = subtree(leafHashes, start, split, paths)
  const right = subtree(leafHashes, split, end, paths)
  if (paths !== undefined) {
    for (let i = start; i < split; i++) paths[i].push(right)
    for (let i = split; i < end; i++) paths[i].push(left)
  }
  return nodeHash(left, right)
}

/** The root a version-2 manifest signs for these shard hashes (k + m of them, in index order). */
export function shardTreeRoot (shardHashes: readonly Uint8Array[]): Uint8Array {
  if (shardHashes.length === 0) throw new RangeError('a shard tree needs at least one shard')
  return subtree(shardHashes.map(shardTreeLeafHash), 0, shardHashes.length)
}

/** The encoded inclusion proof of every shard, in index order (what STORE sends with each shard). */
export function shardTreeProofs (shardHashes: readonly Uint8Array[]): Uint8Array[] {
  return shardTree(shardHashes).proofs
}

/** The root and every shard's encoded proof, the tree hashed once. */
export function shardTree (shardHashes: readonly Uint8Array[]): { root: Uint8Array, proofs: Uint8Array[] } {
  if (shardHashes.length === 0) throw new RangeError('a shard tree needs at least one shard')
  const paths: Uint8Array[][] = shardHashes.map(() => [])
  const root = subtree(shardHashes.map(shardTreeLeafHash), 0, shardHashes.length, paths)
  return { root, proofs: paths.map(concatHashes) }
}

/** How many sibling hashes the proof of leaf `index` in a tree of `size` leaves has (0 when out of range). */
export function shardProofLength (index: number, size: number): number {
  let length = 0
  for (let last = size - 1, at = index; last > 0; last >>= 1, at >>= 1) {
    // A right-edge node without a sibling at this level is promoted as is and takes no hash.
    if (at !== last || at % 2 === 1) length++
  }
  return length
}

/**
 * True when `proof` shows that `leafInput` (a shard hash) is leaf `index` of the tree of `size` leaves whose root
 * is `root` (RFC 9162 section 2.1.3.2). A proof of any other length, or for another index, does not verify.
 */
export function verifyShardTreeProof (root: Uint8Array, index: number, size: number, leafInput: Uint8Array, proof: Uint8Array): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false
  if (proof.length !== shardProofLength(index, size) * SHARD_PROOF_HASH_BYTES) return false
  let at = index
  let last = size - 1
  let hash = shardTreeLeafHash(leafInput)
  for (let offset = 0; offset < proof.length; offset += SHARD_PROOF_HASH_BYTES) {
    const sibling = proof.subarray(offset, offset + SHARD_PROOF_HASH_BYTES)
    if (last === 0) return false
    if (at % 2 === 1 || at === last) {
      hash = nodeHash(sibling, hash)
      // Levels where this node is a right-edge node without a sibling are skipped.
      while (at % 2 === 0 && at !== 0) {
        at >>= 1
        last >>= 1
      }
    } else {
      hash = nodeHash(hash, sibling)
    }
    at >>= 1
    last >>= 1
  }
  return last === 0 && bytesEqual(hash, root)
}

function concatHashes (hashes: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(hashes.length * SHARD_PROOF_HASH_BYTES)
  hashes.forEach((hash, i) => bytes.set(hash, i * SHARD_PROOF_HASH_BYTES))
  return bytes
}
