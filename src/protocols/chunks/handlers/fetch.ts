import type { ShardCursor, ShardRecord } from '../../../store/index.ts'
import {
  MAX_FETCH_SHARDS_PER_RESPONSE,
  STORED_SHARD_OVERHEAD_BYTES,
  comparePositions,
  namedObjects,
  type FetchCommand,
  type ShardPosition,
  type StoredShard
} from '../../../wire/index.ts'
import { ChunkStatus, type HandlerContext, type Reply } from './context.ts'

/** Room kept in every FETCH page for the response's own fields (status, message, flags). */
const RESPONSE_HEADER_BYTES = 2048
/**
 * Records read from the store at a time while a page fills: a page costs the store at most its own records plus
 * this many, however many the key holds.
 */
export const FETCH_READ_BATCH = 4

/**
 * FETCH: the shards held for a placement key (of the objects it names, if any) or an object, with their manifests (and proofs, version 2), in (objectId, shardIndex)
 * order after the cursor, cut to the holder's page size (at least one shard per page, which always fits). Records
 * are read a few at a time and reading stops once the page is full. Each shard's bytes are first `reserve`d from
 * the holder's budget for answers in flight: when that runs out the page ends early, or, empty, is answered BUSY. Anyone may fetch: shards are ciphertext, and the client verifies each against its
 * owner-signed manifest. An empty answer is OK with no shards, not NOT_FOUND, so a page sequence ends the same
 * way whether or not anything was held.
 */
export async function handleFetch (context: HandlerContext, command: FetchCommand,
  reserve: (bytes: number) => boolean = () => true): Promise<Reply> {
  const target = command.target
  // Objects named in the request (a repairer's rebuilds): the others are read past, not sent.
  const wanted = 'placementKey' in target ? namedObjects(target.objectIds) : undefined
  const readBatch = 'placementKey' in target
    ? async (after: ShardCursor | undefined) => await context.store.pageByPlacementKey(target.placementKey, { after, limit: FETCH_READ_BATCH })
    // One object's shards here are a handful at most (one stripe, and holders accept only the mesh's stripes).
    : async (after: ShardCursor | undefined) => (await context.store.listObjectShards(target.objectId))
      .filter(record => after === undefined || comparePositions(record, after as ShardPosition) > 0).slice(0, FETCH_READ_BATCH)

  const budget = context.maxResponseBytes - RESPONSE_HEADER_BYTES
  const shards: StoredShard[] = []
  let used = 0
  let after: ShardCursor | undefined = command.after
  for (;;) {
    const batch = await readBatch(after)
    for (const record of batch) {
      if (wanted !== undefined && !wanted.has(record.objectId)) continue
      const cost = encodedCost(record)
      if (shards.length > 0 && (used + cost > budget || shards.length >= MAX_FETCH_SHARDS_PER_RESPONSE)) {
        return { status: ChunkStatus.OK, shards, more: true }
      }
      if (!reserve(cost)) {
        if (shards.length > 0) return { status: ChunkStatus.OK, shards, more: true }
        return { status: ChunkStatus.BUSY, message: 'this holder has its maximum of FETCH answer bytes in flight; retry shortly' }
      }
      shards.push({
        manifest: record.manifest as Uint8Array<ArrayBuffer>,
        shardIndex: record.shardIndex,
        shard: record.data as Uint8Array<ArrayBuffer>,
        ...(record.shardProof === undefined ? {} : { shardProof: record.shardProof as Uint8Array<ArrayBuffer> })
      })
      used += cost
    }
    if (batch.length < FETCH_READ_BATCH) return { status: ChunkStatus.OK, shards, more: false }
    after = batch[batch.length - 1]
  }
}

function encodedCost (record: ShardRecord): number {
  return record.manifest.length + record.data.length + (record.shardProof?.length ?? 0) + STORED_SHARD_OVERHEAD_BYTES
}
