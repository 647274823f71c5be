/**
 * The cryptographic core of end-to-end-encrypted chat: chat keys, signed key bundles, message envelopes,
 * presence records and identity backups. Pure: no storage, no network; callers bring bytes and clocks.
 */
export {
  BACKUP_CIPHER,
  BACKUP_FORMAT,
  BACKUP_KDF,
  BACKUP_VERSION,
  DEFAULT_BACKUP_SCRYPT,
  MAX_BACKUP_BYTES,
  MIN_PASSPHRASE_CHARS,
  exportBackup,
  importBackup,
  type ExportBackupOptions,
  type RestoredIdentity,
  type ScryptParameters
} from './backup.ts'
export {
  ATTACHMENT_ALG,
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_VERSION,
  MAX_ATTACHMENT_BYTES,
  MAX_THUMBNAIL_BYTES,
  attachmentName,
  checkAttachmentSize,
  decodeAttachmentRef,
  encodeAttachmentRef,
  formatBytes,
  openAttachmentChunk,
  sealAttachment,
  verifyAttachment,
  type AttachmentInput,
  type AttachmentRef
} from './attachment.ts'
export { ChatKeyPair, X25519_KEY_BYTES, checkChatPublicKey, deriveChatKeyPair } from './chat-keys.ts'
export { MAX_DISPLAY_NAME_BYTES, displayNameProblem } from './display-name.ts'
export {
  inspectEnvelope,
  openMessage,
  sealMessage,
  type KeyBundleLookup,
  type OpenMessageOptions,
  type OpenedMessage,
  type SealMessageInput,
  type SealedMessage
} from './envelope.ts'
export { ENVELOPE_ALG, ENVELOPE_VERSION, MAX_ENVELOPE_BYTES, type EnvelopeHeader } from './envelope-format.ts'
export {
  AttachmentIntegrityError,
  AttachmentTooLargeError,
  EnvelopeDecryptError,
  EnvelopeSignatureError,
  HistorySegmentDecryptError,
  InvalidBackupError,
  InvalidAttachmentError,
  InvalidChatKeyError,
  InvalidDisplayNameError,
  KeyBundleOwnerMismatchError,
  KeyBundleSignatureError,
  NotRecipientError,
  PeerKeyMismatchError,
  PresenceExpiredError,
  PresenceNotYetValidError,
  PresenceOwnerMismatchError,
  PresenceSignatureError,
  UnknownPeerKeyError,
  UnsupportedAttachmentError,
  UnsupportedBackupError,
  UnsupportedEnvelopeError,
  UnsupportedHistorySegmentError,
  WeakPassphraseError,
  WrongPassphraseError
} from './errors.ts'
export {
  HISTORY_SEGMENT_ALG,
  HISTORY_SEGMENT_VERSION,
  MAX_HISTORY_SEGMENT_BYTES,
  MAX_SEGMENT_ENTRY_BYTES,
  SEGMENT_TARGET_BYTES,
  deriveSegmentKey,
  isHistorySegment,
  openHistorySegment,
  packSegments,
  sealHistorySegment
} from './history-segment.ts'
export {
  KEY_BUNDLE_VERSION,
  MAX_SIGNED_KEY_BUNDLE_BYTES,
  createKeyBundle,
  decodeKeyBundle,
  encodeKeyBundle,
  verifyKeyBundle,
  type CreateKeyBundleInput,
  type KeyBundle
} from './key-bundle.ts'
export { MESSAGE_ID_BYTES } from './message-id.ts'
export { NS_ENVELOPE, NS_HISTORY_SEGMENT, NS_KEY_BUNDLE, NS_PRESENCE } from './namespaces.ts'
export { MAX_PAYLOAD_BYTES, MessageKind, type MessageContent, type OpenedContent } from './payload.ts'
export {
  MAX_PRESENCE_LIFETIME_MS,
  MAX_SIGNED_PRESENCE_BYTES,
  PRESENCE_CLOCK_SKEW_MS,
  PRESENCE_VERSION,
  createPresence,
  decodePresence,
  encodePresence,
  selectPresence,
  verifyPresence,
  type PresenceInput,
  type PresenceRecord
} from './presence.ts'
export type { RandomSource } from '../crypto/index.ts'
export { ChatService } from './service/chat-service.ts'
export { TypedEvents } from './service/events.ts'
export { MemoryMessageCache, type MessageCache } from './service/message-cache.ts'
export type { ChatServiceInit } from './service/types.ts'
export type { AttachmentProgress, ChatMessage, ChatServiceEvents, CompactionResult, HistoryReport, MessageProgress, ReadReceipt, Rejection, SendResult } from './service/index.ts'
export { compareMessages, toChatMessage } from './service/chat-message.ts'
// Compacting a history into segments and reading segments back, for tools and tests that measure what a history costs.
export { HistoryCompactor } from './service/compaction.ts'
export { expandHistoryObjects } from './service/history-segments.ts'
export { IndexedDbMessageCache } from './service/indexeddb-cache.ts'
export { encodeSignedEnvelope, envelopeSigningMessage } from './envelope-format.ts'
export { NS_KEY_BUNDLE_OBJECTS } from './service/constants.ts'
// Both ends of the live-delivery protocol, for tools and tests that speak it directly.
export { DELIVER_PROTOCOL } from './service/constants.ts'
export { DeliveryHandler, deliverEnvelope, deliverReadNotice, statusFor, type AcceptEnvelope, type AcceptReadNotice } from './service/deliver.ts'
export { decodeDeliverRequest, decodeDeliverRequestParts, decodeDeliverResponse, encodeDeliverRequest, encodeDeliverResponse, encodeReadNoticeRequest, signDeliveryReceipt, type DeliverRequestParts } from './service/deliver-codec.ts'
export { MAX_READ_NOTICE_BYTES, MAX_READ_NOTICE_IDS, NS_READ_NOTICE, createReadNotice, openReadNotice, type ReadNoticeContent } from './read-notice.ts'
export { DeliverStatus, isDeliveryReceiptOf } from './service/deliver-codec.ts'
