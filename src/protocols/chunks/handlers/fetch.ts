import type { ShardRecord } from '../../../store/index.ts'
import {
  MAX_FETCH_SHARDS_PER_RESPONSE,
  STORED_SHARD_OVERHEAD_BYTES,
  comparePositions,
  type FetchCommand,
  type StoredShard
} from '../../../wire/index.ts'
import { ChunkStatus, type HandlerContext, type Reply } from './context.ts'

/** Room kept in every FETCH page for the response's own fields (status, message, flags). */
const RESPONSE_HEADER_BYTES = 2048

/**
 * FETCH: the shards held for a placement key or an object, with their manifests, in (objectId, shardIndex)
 * order after the cursor, cut to `maxResponseBytes` (at least one shard per page, which always fits). Anyone may
 * fetch: shards are ciphertext, and the client verifies each against its owner-signed manifest. An empty answer
 * is OK with no shards, not NOT_FOUND, so a page sequence ends the same way whether or not anything was held.
 */
export async function handleFetch (context: HandlerContext, command: FetchCommand): Promise<Reply> {
  const records = 'placementKey' in command.target
    ? await context.store.listByPlacementKey(command.target.placementKey)
    : await context.store.listObjectShards(command.target.objectId)
  const after = command.after
  const pending = after === undefined ? records : records.filter(record => comparePositions(record, after) > 0)

  const budget = context.maxResponseBytes - RESPONSE_HEADER_BYTES
  const shards: StoredShard[] = []
  let used = 0
  for (const record of pending) {
    const cost = encodedCost(record)
    if (shards.length > 0 && (used + cost > budget || shards.length >= MAX_FETCH_SHARDS_PER_RESPONSE)) break
    shards.push({ manifest: record.manifest as Uint8Array<ArrayBuffer>, shardIndex: record.shardIndex, shard: record.data as Uint8Array<ArrayBuffer> })
    used += cost
  }
  return { status: ChunkStatus.OK, shards, more: shards.length < pending.length }
}

function encodedCost (record: ShardRecord): number {
  return record.manifest.length + record.data.length + STORED_SHARD_OVERHEAD_BYTES
}
