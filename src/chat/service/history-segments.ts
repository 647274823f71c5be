/**
 * Reading the owner's history objects when some of them are segments (src/chat/history-segment.ts): each segment
 * is opened and its envelopes become copies like any single-message object, so they are verified one by one and
 * deduplicated with the rest by (sender, messageId).
 */
import type { WalletAddress } from '../../identity/index.ts'
import type { RetrievedObject } from '../../objects/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { isHistorySegment, openHistorySegment } from '../history-segment.ts'
import type { EnvelopeSource, Rejection } from './chat-message.ts'
import type { EnvelopeCopy } from './history.ts'

export interface ExpandedObjects {
  /** Every envelope: the single-message objects as they are, and the contents of every segment that opened. */
  readonly copies: EnvelopeCopy[]
  /** Segments that did not open (typed errors); their objects are left alone. */
  readonly rejected: Rejection[]
  /** The segments that opened, with their contents. */
  readonly segments: Array<{ objectId: ObjectId, createdAt: number, envelopes: readonly Uint8Array[], replaces: readonly ObjectId[] }>
  /**
   * Objects that segments which opened name as replaced: all their messages are in segments. Shards of them still
   * seen are leftovers of a delete some holder missed, not missing history.
   */
  readonly replaced: Set<ObjectId>
}

/** `owner`: who may have sealed the segments (the history identity and, for older segments, the wallet address). */
export async function expandHistoryObjects (objects: readonly RetrievedObject[], source: EnvelopeSource, owner: WalletAddress | readonly WalletAddress[],
  segmentKey: Uint8Array): Promise<ExpandedObjects> {
  const copies: EnvelopeCopy[] = []
  const rejected: Rejection[] = []
  const segments: ExpandedObjects['segments'] = []
  const replaced = new Set<ObjectId>()
  for (const object of objects) {
    if (!isHistorySegment(object.bytes)) {
      copies.push({ source, bytes: object.bytes, objectId: object.objectId })
      continue
    }
    try {
      const { envelopes, replaces } = await openHistorySegment(owner, segmentKey, object.bytes)
      segments.push({ objectId: object.objectId, createdAt: object.createdAt, envelopes, replaces })
      for (const id of replaces) replaced.add(id)
      copies.push(...envelopes.map(bytes => ({ source, bytes, objectId: object.objectId })))
    } catch (error) {
      rejected.push({ source, objectId: object.objectId, error: error instanceof Error ? error : new Error(String(error)) })
    }
  }
  return { copies, rejected, segments, replaced }
}
