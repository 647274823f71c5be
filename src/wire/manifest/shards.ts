import { bytesEqual, sha256, toHex } from '../../crypto/index.ts'
import { ShardHashMismatchError } from '../errors.ts'
import type { ManifestFields } from './codec.ts'

type ShardCommitments = Pick<ManifestFields, 'shardHashes' | 'shardSize'>

/** True when `shard` is exactly shard `index` of the manifest: right index, right size, right SHA-256. */
export function verifyShard (manifest: ShardCommitments, index: number, shard: Uint8Array): boolean {
  return shardMismatch(manifest, index, shard) === undefined
}

/**
 * Like `verifyShard`, but throws saying why. Holders call it before storing a shard; fetchers before decoding.
 * @throws {ShardHashMismatchError}
 */
export function assertShardMatches (manifest: ShardCommitments, index: number, shard: Uint8Array): void {
  const reason = shardMismatch(manifest, index, shard)
  if (reason !== undefined) {
    throw new ShardHashMismatchError(reason)
  }
}

function shardMismatch (manifest: ShardCommitments, index: number, shard: Uint8Array): string | undefined {
  if (!Number.isInteger(index) || index < 0 || index >= manifest.shardHashes.length) {
    return `shard index ${index} is outside the manifest's ${manifest.shardHashes.length} shards`
  }
  if (shard.length !== manifest.shardSize) {
    return `shard ${index} is ${shard.length} bytes; the manifest says ${manifest.shardSize}`
  }
  const actual = sha256(shard)
  if (!bytesEqual(actual, manifest.shardHashes[index])) {
    return `shard ${index} has SHA-256 ${toHex(actual)}; the manifest says ${toHex(manifest.shardHashes[index])}`
  }
  return undefined
}
