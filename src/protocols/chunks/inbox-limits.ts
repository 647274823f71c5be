/**
 * Holder limits on appends to an inbox: per sender and recipient, and per inbox over all senders (the inbox
 * budget, src/protocols/chunks/inbox-budget.ts). Their values are each holder's own configuration
 * (`ChunkServiceInit.inboxLimits`); these defaults suit chat.
 */
export interface InboxLimits {
  /** Largest object (`originalLength`, and its k shards' size) accepted into an inbox. */
  readonly maxObjectBytes: number
  /** New objects one sender may put into one inbox on this holder per window. */
  readonly maxObjectsPerWindow: number
  readonly windowMs: number
  /**
   * Objects created before the window (repair and hand-off move old messages between holders) count apart,
   * against this larger allowance, so healing an inbox does not lock the sender out, while backdating a flood
   * still meets a limit.
   */
  readonly maxBackdatedPerWindow: number
  /**
   * Objects one inbox may hold on this holder, all senders together: past it every new object is refused
   * (QUOTA_EXCEEDED) until the recipient removes what it has read. Bounds what an inbox costs a holder.
   */
  readonly maxHeldObjects: number
  /**
   * A new object from a stranger (a sender without a valid contact pass from the recipient) is taken only while
   * the inbox holds fewer objects than this, all senders together. Below `maxHeldObjects`, so that however many
   * identities strangers make, contacts always keep the difference.
   */
  readonly maxStrangerHeldObjects: number
  /** New objects all strangers together may put into one inbox on this holder per window. */
  readonly maxStrangerObjectsPerWindow: number
  /**
   * For this long after a holder stored an inbox object, its SENDER may delete it too (otherwise only the recipient
   * may): a send that failed overall takes back the shards it placed instead of leaving them behind.
   */
  readonly senderUndoMs: number
}

/**
 * 80 KiB: a maximal chat envelope (64 KiB of payload, its tag, header and signature: about 65 KiB) fits with
 * room to spare, a file does not. src/chat/service pins that the envelope limit stays below it.
 */
export const DEFAULT_INBOX_MAX_OBJECT_BYTES = 80 * 1024
/** A person typing fast sends a message every couple of seconds; 30 a minute stops floods, not conversations. */
export const DEFAULT_INBOX_MAX_OBJECTS_PER_WINDOW = 30
export const DEFAULT_INBOX_WINDOW_MS = 60_000
/** A holder taking over a long conversation gets many old messages of one sender at once. */
export const DEFAULT_INBOX_MAX_BACKDATED_PER_WINDOW = 600
/**
 * An inbox is a queue the recipient empties (compaction packs what it read into its history and deletes it, five
 * minutes after it is read): 4,096 objects are days of heavy traffic from contacts, and at most 4,096 x 8 KiB
 * (an 80 KiB object's shard) = 32 MiB on one holder.
 */
export const DEFAULT_INBOX_MAX_HELD_OBJECTS = 4096
/** First contacts are rare; a flood of fresh identities leaves at most this many objects per holder. */
export const DEFAULT_INBOX_MAX_STRANGER_HELD_OBJECTS = 512
/** Two first messages a second at most, from all strangers together. */
export const DEFAULT_INBOX_MAX_STRANGER_OBJECTS_PER_WINDOW = 120
/** A failed send cleans up within seconds; ten minutes leave room for slow holders and retries. */
export const DEFAULT_INBOX_SENDER_UNDO_MS = 10 * 60_000
export const DEFAULT_INBOX_LIMITS: InboxLimits = {
  maxObjectBytes: DEFAULT_INBOX_MAX_OBJECT_BYTES,
  maxObjectsPerWindow: DEFAULT_INBOX_MAX_OBJECTS_PER_WINDOW,
  windowMs: DEFAULT_INBOX_WINDOW_MS,
  maxBackdatedPerWindow: DEFAULT_INBOX_MAX_BACKDATED_PER_WINDOW,
  maxHeldObjects: DEFAULT_INBOX_MAX_HELD_OBJECTS,
  maxStrangerHeldObjects: DEFAULT_INBOX_MAX_STRANGER_HELD_OBJECTS,
  maxStrangerObjectsPerWindow: DEFAULT_INBOX_MAX_STRANGER_OBJECTS_PER_WINDOW,
  senderUndoMs: DEFAULT_INBOX_SENDER_UNDO_MS
}
