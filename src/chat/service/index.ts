/**
 * The chat messaging service: key bundles and presence in the mesh, sending (history + inbox copies, live
 * delivery over /zentalk/deliver/1.0.0), receiving, and reading the verified history back. Built on the crypto
 * core in src/chat and the object store in src/mesh; `createNode` wires it to a node.
 */
export { ChatService } from './chat-service.ts'
export { HistoryCompactor, type CompactionPolicy, type CompactionResult } from './compaction.ts'
export { ATTACHMENT_CHUNKS_IN_FLIGHT, AttachmentTransfer, type AttachmentTransferInit, type TransferProgress } from './attachments.ts'
export type {
  AttachmentProgress,
  ChatLibp2p,
  ChatServiceEvents,
  ChatServiceInit,
  ChatWallet,
  HistoryReport,
  MessageProgress,
  ReadReceipt,
  SendResult,
  SendState
} from './types.ts'
export { compareMessages, type ChatMessage, type EnvelopeSource, type Rejection, type RejectionSource } from './chat-message.ts'
export * from './constants.ts'
export { DeliverStatus, MAX_DELIVER_REQUEST_BYTES, isDeliveryReceiptOf } from './deliver-codec.ts'
export {
  DeliveryRefusedError,
  DeliveryUnreachableError,
  HistorySegmentReadBackError,
  InboxRateLimitedError,
  InvalidDeliveryResponseError,
  KeyBundleNotFoundError,
  ObjectUnavailableError,
  RecipientOfflineError,
  SendFailedError
} from './errors.ts'
export { MemoryMessageCache, envelopeKey, type CachedEnvelope, type MessageCache } from './message-cache.ts'
export { CHAT_PLACEMENT_RULES } from '../../placement/index.ts'
export { inboxNamespace, inboxPlacementKey } from '../../placement/index.ts'
