import type { ShardListing } from '../../../store/index.ts'
import { addressToBytes } from '../../../identity/index.ts'
import { objectIdToBytes, type ListCommand, type ShardSummaryMessage } from '../../../wire/index.ts'
import { ChunkStatus, type HandlerContext, type Reply } from './context.ts'

/**
 * LIST: summaries (no shard bytes) of what this node holds, all of it or one placement key, in
 * (objectId, shardIndex) order after the cursor, `listPageEntries` at a time. For repair and audit. The store
 * reads one page (and one entry more, to tell whether more follow), never the whole listing.
 */
export async function handleList (context: HandlerContext, command: ListCommand): Promise<Reply> {
  const listed = await context.store.pageListings({ placementKey: command.placementKey, after: command.after, limit: context.listPageEntries + 1 })
  const page = listed.slice(0, context.listPageEntries)
  return { status: ChunkStatus.OK, summaries: page.map(toSummary), more: listed.length > page.length }
}

function toSummary (listing: ShardListing): ShardSummaryMessage {
  return {
    objectId: objectIdToBytes(listing.objectId) as Uint8Array<ArrayBuffer>,
    shardIndex: listing.shardIndex,
    shardHash: listing.shardHash as Uint8Array<ArrayBuffer>,
    size: listing.size,
    placementKey: listing.placementKey as Uint8Array<ArrayBuffer>,
    owner: addressToBytes(listing.owner),
    storedAt: listing.storedAt
  }
}
