import type { ShardRecord } from '../../store/index.ts'
import type { ShardIndex } from '../../types/index.ts'
import type { SignedManifest } from '../../wire/index.ts'

/** The store record of a shard that has passed every STORE check against its manifest. */
export function shardRecordFor (manifest: SignedManifest, manifestBytes: Uint8Array, shardIndex: number,
  shard: Uint8Array, storedAt: number): ShardRecord {
  return {
    placementKey: manifest.placementKey,
    owner: manifest.owner,
    objectId: manifest.objectId,
    shardIndex: shardIndex as ShardIndex,
    data: shard,
    shardHash: manifest.shardHashes[shardIndex],
    manifest: manifestBytes,
    storedAt,
    size: shard.length
  }
}
