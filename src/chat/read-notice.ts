/**
 * Read notices: the recipient of messages tells their sender it has read them (the "read" a sender sees). A notice
 * is signed by the reader's wallet, so a node passing it on, or any peer, cannot make a message look read; it
 * names the sender it is for, so it cannot be replayed to someone else. It carries message ids only, never text.
 * Wire form: ReadNotice in src/wire/chat/deliver.proto, sent over the delivery protocol.
 */
import { addressFromBytes, addressToBytes, InvalidSignatureError, recoverAddress, SIGNATURE_BYTES, type Signer, type WalletAddress } from '../identity/index.ts'
import { decodeOrThrow, MalformedMessageError, OversizeMessageError, ReadNotice, ReadNoticeBody } from '../wire/index.ts'
import { messageIdFromBytes, messageIdToBytes, MESSAGE_ID_BYTES } from './message-id.ts'

/** Namespace of the reader's wallet signature over a read notice's body. */
export const NS_READ_NOTICE = 'zentalk/read-notice/v1'
/** Most message ids one notice names; a reader with more sends several. */
export const MAX_READ_NOTICE_IDS = 64
/** A notice with the most ids, its addresses, time, signature and framing. */
export const MAX_READ_NOTICE_BYTES = MAX_READ_NOTICE_IDS * (MESSAGE_ID_BYTES + 2) + 2 * 22 + 11 + SIGNATURE_BYTES + 16
const ADDRESS_BYTES = 20

export interface ReadNoticeContent {
  /** Who read the messages (the signer). */
  readonly reader: WalletAddress
  /** Who sent them: the notice is for this address only. */
  readonly sender: WalletAddress
  /** Milliseconds since the Unix epoch. */
  readonly readAt: number
  readonly messageIds: readonly string[]
}

/**
 * The notice `reader` signs for `sender`'s messages `messageIds` (1 to MAX_READ_NOTICE_IDS, 32 hex digits each).
 * @throws {MalformedMessageError}
 */
export function createReadNotice (reader: Signer, content: { sender: WalletAddress, readAt: number, messageIds: readonly string[] }): Uint8Array {
  const ids = [...new Set(content.messageIds)]
  if (ids.length === 0 || ids.length > MAX_READ_NOTICE_IDS) {
    throw new MalformedMessageError(`a read notice names 1 to ${MAX_READ_NOTICE_IDS} messages, got ${ids.length}`)
  }
  if (!Number.isSafeInteger(content.readAt) || content.readAt < 0) throw new MalformedMessageError(`readAt must be a non-negative integer, got ${content.readAt}`)
  const body = ReadNoticeBody.encode({
    reader: addressToBytes(reader.address),
    sender: addressToBytes(content.sender),
    readAt: content.readAt,
    messageIds: ids.map(messageIdToBytes)
  })
  return ReadNotice.encode({ body, signature: new Uint8Array(reader.sign(NS_READ_NOTICE, body)) })
}

/**
 * Checks a notice and returns what it says: within the size limits, well formed, for `me`, and signed by the reader
 * it names.
 * @throws {OversizeMessageError} | {MalformedMessageError} | {InvalidSignatureError}
 */
export function openReadNotice (bytes: Uint8Array, me: WalletAddress): ReadNoticeContent {
  if (bytes.length > MAX_READ_NOTICE_BYTES) throw new OversizeMessageError(`read notice is ${bytes.length} bytes; the limit is ${MAX_READ_NOTICE_BYTES}`)
  const notice = decodeOrThrow('read notice', () => ReadNotice.decode(bytes))
  const body = decodeOrThrow('read notice body', () => ReadNoticeBody.decode(notice.body))
  if (body.reader.length !== ADDRESS_BYTES || body.sender.length !== ADDRESS_BYTES) {
    throw new MalformedMessageError(`a read notice names its reader and sender as ${ADDRESS_BYTES}-byte addresses`)
  }
  if (body.messageIds.length === 0 || body.messageIds.length > MAX_READ_NOTICE_IDS) {
    throw new MalformedMessageError(`a read notice names 1 to ${MAX_READ_NOTICE_IDS} messages, got ${body.messageIds.length}`)
  }
  if (!Number.isSafeInteger(body.readAt) || body.readAt < 0) throw new MalformedMessageError('a read notice\'s time is out of range')
  const messageIds = body.messageIds.map(id => messageIdFromBytes(id, 'read notice message id'))
  const reader = addressFromBytes(body.reader)
  const sender = addressFromBytes(body.sender)
  if (sender !== me) throw new MalformedMessageError(`the read notice is for ${sender}, not ${me}`)
  let signer: WalletAddress
  try {
    signer = recoverAddress(NS_READ_NOTICE, notice.body, notice.signature)
  } catch (error) {
    throw new InvalidSignatureError(`the read notice's signature does not verify: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  if (signer !== reader) throw new InvalidSignatureError(`the read notice is signed by ${signer}, not by the reader it names (${reader})`)
  return { reader, sender, readAt: body.readAt, messageIds }
}
