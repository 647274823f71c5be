import type { ShardRecord } from '../../store/index.ts'
import type { ShardIndex } from '../../types/index.ts'
import type { SignedManifest } from '../../wire/index.ts'

/** A shard that has passed every STORE check against its manifest, and what that check established. */
export interface VerifiedShard {
  manifest: SignedManifest
  /** The manifest exactly as received, kept and served as is. */
  manifestBytes: Uint8Array
  shardIndex: number
  shard: Uint8Array
  /** SHA-256 of `shard`, as `assertShardMatches` returned it. */
  shardHash: Uint8Array
  /** The proof it was verified with (version-2 manifests); kept so the shard can be served and checked again. */
  shardProof?: Uint8Array
}

/** The store record of a verified shard. */
export function shardRecordFor (verified: VerifiedShard, storedAt: number): ShardRecord {
  const { manifest, manifestBytes, shardIndex, shard, shardHash, shardProof } = verified
  return {
    placementKey: manifest.placementKey,
    owner: manifest.owner,
    objectId: manifest.objectId,
    shardIndex: shardIndex as ShardIndex,
    data: shard,
    shardHash,
    manifest: manifestBytes,
    ...(shardProof === undefined ? {} : { shardProof }),
    storedAt,
    size: shard.length
  }
}
