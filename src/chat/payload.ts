/**
 * The plaintext inside an envelope: a `MessagePayload` protobuf (pb/envelope.proto). Unlike the signed
 * records it is decoded leniently: a newer release may add fields and older readers skip them.
 */
import { MalformedMessageError, OversizeMessageError } from '../wire/index.ts'
import { decodeOrThrow } from '../wire/index.ts'
import { messageIdFromBytes, messageIdToBytes } from './message-id.ts'
import { MessagePayload } from '../wire/index.ts'
import { ADDRESS_BYTES, addressFromBytes, addressToBytes, type WalletAddress } from '../identity/index.ts'

/** Kinds of message content; a number on the wire so unknown future kinds still decode (see envelope.proto). */
export const MessageKind = {
  /** Plain text, optionally replying to an earlier message. */
  TEXT: 0,
  /**
   * A file or photo stored apart (chat/attachment.ts): `data` is an encoded AttachmentRef, `text` an optional
   * caption or, for readers that predate attachments, a line naming the file.
   */
  ATTACHMENT: 1
} as const

/** Largest encoded payload (plaintext) of one envelope: a long chat message, not a file transfer. */
export const MAX_PAYLOAD_BYTES = 64 * 1024
const MAX_UINT32 = 0xffff_ffff

/** What a sender puts in a message. */
export interface MessageContent {
  /** Defaults to `MessageKind.TEXT`. */
  readonly kind?: number
  readonly text?: string
  /** Id of the message this one answers (32 hex digits). */
  readonly replyTo?: string
  /** Binary content whose meaning depends on `kind`; leave out for text. */
  readonly data?: Uint8Array
  /** The sender's contact inbox address (derived-identities.ts), for the recipient to write to from then on. */
  readonly inbox?: WalletAddress
}

/** What a reader gets back; `kind` may be a value this build does not know, which the UI should say. */
export interface OpenedContent {
  readonly kind: number
  readonly text: string
  readonly replyTo?: string
  readonly data: Uint8Array
  /** The sender's contact inbox, when it named one (a field of another length is left out). */
  readonly inbox?: WalletAddress
}

/** @throws {MalformedMessageError} for a bad kind or reply id; {OversizeMessageError} above MAX_PAYLOAD_BYTES */
export function encodePayload (content: MessageContent): Uint8Array<ArrayBuffer> {
  const kind = content.kind ?? MessageKind.TEXT
  if (!Number.isInteger(kind) || kind < 0 || kind > MAX_UINT32) {
    throw new MalformedMessageError(`message kind must be an integer from 0 to ${MAX_UINT32}, got ${kind}`)
  }
  if (content.text !== undefined && typeof content.text !== 'string') {
    throw new MalformedMessageError('message text must be a string')
  }
  const bytes = MessagePayload.encode({
    kind,
    text: content.text ?? '',
    ...(content.replyTo === undefined ? {} : { replyTo: messageIdToBytes(content.replyTo) }),
    data: Uint8Array.from(content.data ?? []),
    ...(content.inbox === undefined ? {} : { inbox: addressToBytes(content.inbox) as Uint8Array<ArrayBuffer> })
  })
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    throw new OversizeMessageError(`message is ${bytes.length} bytes once encoded; the limit is ${MAX_PAYLOAD_BYTES}`)
  }
  return bytes
}

/** @throws {OversizeMessageError} | {MalformedMessageError} */
export function decodePayload (bytes: Uint8Array): OpenedContent {
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    throw new OversizeMessageError(`message payload is ${bytes.length} bytes; the limit is ${MAX_PAYLOAD_BYTES}`)
  }
  const payload = decodeOrThrow('message payload', () => MessagePayload.decode(bytes))
  return {
    kind: payload.kind,
    text: payload.text,
    ...(payload.replyTo === undefined ? {} : { replyTo: messageIdFromBytes(payload.replyTo, 'message payload replyTo') }),
    data: payload.data,
    ...(payload.inbox?.length === ADDRESS_BYTES ? { inbox: addressFromBytes(payload.inbox) } : {})
  }
}
