import { toHex } from '../crypto/index.ts'
import type { ManifestCache } from '../repair/index.ts'
import type { ChunkStore } from '../store/index.ts'
import { verifyShard } from '../wire/index.ts'

export interface HeldShard {
  objectId: string
  shardIndex: number
  owner: string
  size: number
  intact: boolean
  /** When this node stored the shard (ms since the epoch, this node's clock); a repeated STORE of it keeps that time. */
  storedAt: number
}

/**
 * Every shard this node holds, each checked against its owner-signed manifest. Read one placement key at a time
 * (one read per key: a tab busy storing shards for its peers serves a read per shard only slowly), and a
 * manifest's signature is checked once per object (`manifests` remembers it): a busy tab asked for its shards
 * every second must not spend its time recovering the same public keys again.
 */
export async function heldShards (store: ChunkStore, manifests: ManifestCache): Promise<HeldShard[]> {
  const held: HeldShard[] = []
  const keys = await store.listShardKeys()
  manifests.retain(new Set(keys.map(key => key.objectId)))
  const placementKeys = new Map(keys.map(key => [toHex(key.placementKey), key.placementKey]))
  for (const placementKey of placementKeys.values()) {
    for (const record of await store.listByPlacementKey(placementKey)) {
      const manifest = manifests.verified(record.objectId, record.manifest)
      const intact = !(manifest instanceof Error) && verifyShard(manifest, record.shardIndex, record.data, record.shardProof)
      held.push({ objectId: record.objectId, shardIndex: record.shardIndex, owner: record.owner, size: record.size, intact, storedAt: record.storedAt })
    }
  }
  return held
}
