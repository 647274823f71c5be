/**
 * Holder limits on appends to an inbox, per sender and recipient. Their values are each holder's own
 * configuration (`ChunkServiceInit.inboxLimits`); these defaults suit chat.
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
export const DEFAULT_INBOX_LIMITS: InboxLimits = {
  maxObjectBytes: DEFAULT_INBOX_MAX_OBJECT_BYTES,
  maxObjectsPerWindow: DEFAULT_INBOX_MAX_OBJECTS_PER_WINDOW,
  windowMs: DEFAULT_INBOX_WINDOW_MS,
  maxBackdatedPerWindow: DEFAULT_INBOX_MAX_BACKDATED_PER_WINDOW
}
