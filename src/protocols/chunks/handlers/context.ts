import type { Logger } from '@libp2p/interface'
import type { ChunkStore } from '../../../store/index.ts'
import { ChunkStatus, encodeChunkResponse, type ChunkResponse } from '../../../wire/index.ts'
import type { PlacementRules, Stripe } from '../../../placement/index.ts'
import type { InboxLimits } from '../inbox-limits.ts'
import type { ReplayGuard } from '../replay-guard.ts'
import type { InboxAppendLimiter } from './store.ts'
import type { InboxLedger } from '../inbox-budget.ts'

/** What the per-message handlers share: the store, the limits and the holder's signing key. */
export interface HandlerContext {
  readonly store: ChunkStore
  readonly now: () => number
  readonly maxShardBytes: number
  readonly maxResponseBytes: number
  readonly listPageEntries: number
  readonly deleteMaxAgeMs: number
  readonly deleteMaxSkewMs: number
  /** How long a deleted object's tombstone bars it from being stored again (from the delete's timestamp). */
  readonly tombstoneRetentionMs: number
  readonly placementRules: PlacementRules
  /** The stripes (k + m) accepted; others are refused UNSUPPORTED_STRIPE. */
  readonly allowedStripes: readonly Stripe[]
  readonly replayGuard: ReplayGuard
  /** Per-sender size and rate limits on inbox appends, and the appends counted against them. */
  readonly inboxLimits: InboxLimits
  readonly inboxAppends: InboxAppendLimiter
  /** Strangers' (senders without a contact pass) new objects per inbox and window, all of them together. */
  readonly strangerAppends: InboxAppendLimiter
  /** Objects held per inbox, for the per-inbox budget. */
  readonly inboxLedger: InboxLedger
  /** Signs with the node's libp2p private key. */
  readonly sign: (data: Uint8Array) => Promise<Uint8Array>
  readonly log: Logger
}

/** A response as handlers build it; `encodeChunkResponse` fills in the rest. */
export type Reply = Partial<ChunkResponse> & { status: ChunkStatus }

export function refuse (status: ChunkStatus, message: string): Reply {
  return { status, message }
}

export { ChunkStatus, encodeChunkResponse }
