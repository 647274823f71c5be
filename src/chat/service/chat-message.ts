import type { WalletAddress } from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { decodeAttachmentRef, type AttachmentRef } from '../attachment.ts'
import type { OpenedMessage } from '../envelope.ts'
import { MessageKind } from '../payload.ts'

/**
 * A verified, decrypted message as the UI and the automation API see it: plain data (serialisable as is).
 * `messageId` is unique per sender, so (from, messageId) identifies a message.
 */
export interface ChatMessage {
  readonly messageId: string
  readonly from: WalletAddress
  readonly to: WalletAddress
  readonly text: string
  /** The sender's clock when sealing (ms since the epoch); claimed by the sender, not verified. */
  readonly sentAt: number
  /** 'outgoing' when this identity sent it. */
  readonly direction: 'incoming' | 'outgoing'
  /** The other party of the conversation (this identity itself for a note to self). */
  readonly peer: WalletAddress
  /** Content kind (0 = text); a kind this build does not know still shows its text, if any. */
  readonly kind: number
  readonly replyTo?: string
  /** For an ATTACHMENT message: the file it shares (the key included: it never leaves this device). */
  readonly attachment?: AttachmentRef
  /** For an ATTACHMENT message whose reference this build cannot use: why (e.g. `UnsupportedAttachmentError: …`). */
  readonly attachmentProblem?: string
}

/** Where a copy of an envelope came from. */
export type EnvelopeSource = 'cache' | 'history' | 'inbox' | 'live'

/** Where something refused came from: an envelope copy, or a record fetched for `address`. */
export type RejectionSource = EnvelopeSource | 'key-bundle' | 'presence'

/**
 * Something received or fetched that was not used, and why: a typed error such as EnvelopeSignatureError,
 * EnvelopeDecryptError, NotRecipientError or KeyBundleSignatureError, for the UI to show.
 */
export interface Rejection {
  readonly source: RejectionSource
  readonly objectId?: ObjectId
  /** The peer that handed it over, for live deliveries. */
  readonly remotePeer?: string
  /** The address a key bundle or presence record was looked up for. */
  readonly address?: string
  readonly error: Error
}

export function toChatMessage (opened: OpenedMessage): ChatMessage {
  const { header, content } = opened
  return {
    messageId: header.messageId,
    from: header.sender,
    to: header.recipient,
    text: content.text,
    sentAt: header.sentAt,
    direction: opened.direction,
    peer: opened.peer,
    kind: content.kind,
    ...(content.replyTo === undefined ? {} : { replyTo: content.replyTo }),
    ...(content.kind === MessageKind.ATTACHMENT ? attachmentOf(content.data, header.sender) : {})
  }
}

/** The attachment an ATTACHMENT message shares; a reference this build cannot read leaves the message its text. */
function attachmentOf (data: Uint8Array, sender: WalletAddress): Pick<ChatMessage, 'attachment' | 'attachmentProblem'> {
  try {
    return { attachment: decodeAttachmentRef(data, sender) }
  } catch (error) {
    return { attachmentProblem: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
  }
}

/** Conversation order: by the sender's sentAt, then message id, then sender (a total order, the same everywhere). */
export function compareMessages (a: ChatMessage, b: ChatMessage): number {
  if (a.sentAt !== b.sentAt) return a.sentAt - b.sentAt
  if (a.messageId !== b.messageId) return a.messageId < b.messageId ? -1 : 1
  return a.from < b.from ? -1 : a.from > b.from ? 1 : 0
}
