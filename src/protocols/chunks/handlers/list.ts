import type { ShardRecord } from '../../../store/index.ts'
import { addressToBytes } from '../../../identity/index.ts'
import { comparePositions, objectIdToBytes, type ListCommand, type ShardPosition, type ShardSummaryMessage } from '../../../wire/index.ts'
import { ChunkStatus, type HandlerContext, type Reply } from './context.ts'

/**
 * LIST: summaries (no shard bytes) of what this node holds, all of it or one placement key, in
 * (objectId, shardIndex) order after the cursor, `listPageEntries` at a time. For repair and audit.
 */
export async function handleList (context: HandlerContext, command: ListCommand): Promise<Reply> {
  const after = command.after
  const isPending = (entry: ShardPosition): boolean => after === undefined || comparePositions(entry, after) > 0

  let page: ShardRecord[]
  let more: boolean
  if (command.placementKey !== undefined) {
    const pending = (await context.store.listByPlacementKey(command.placementKey)).filter(isPending)
    page = pending.slice(0, context.listPageEntries)
    more = pending.length > page.length
  } else {
    // Summaries carry no shard hash, so each listed record is read once; the page size bounds that work.
    const pending = (await context.store.listShardKeys()).filter(isPending)
    const keys = pending.slice(0, context.listPageEntries)
    more = pending.length > keys.length
    page = []
    for (const key of keys) {
      const record = await context.store.get(key.objectId, key.shardIndex)
      if (record !== undefined) page.push(record) // deleted meanwhile: skip it
    }
  }
  return { status: ChunkStatus.OK, summaries: page.map(toSummary), more }
}

function toSummary (record: ShardRecord): ShardSummaryMessage {
  return {
    objectId: objectIdToBytes(record.objectId) as Uint8Array<ArrayBuffer>,
    shardIndex: record.shardIndex,
    shardHash: record.shardHash as Uint8Array<ArrayBuffer>,
    size: record.size,
    placementKey: record.placementKey as Uint8Array<ArrayBuffer>,
    owner: addressToBytes(record.owner),
    storedAt: record.storedAt
  }
}
