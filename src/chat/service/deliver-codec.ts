/**
 * Codec of the delivery protocol (pb/deliver.proto): size limits, request and response parsing, and the
 * delivery receipt, the recipient's wallet signature over the envelope bytes.
 */
import { recoverAddress, SIGNATURE_BYTES, type Signer, type WalletAddress } from '../../identity/index.ts'
import { decodeOrThrow, readLeadingVersion } from '../../wire/index.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../../wire/index.ts'
import { MAX_ENVELOPE_BYTES } from '../envelope-format.ts'
import { MAX_SIGNED_KEY_BUNDLE_BYTES } from '../key-bundle.ts'
import { MAX_READ_NOTICE_BYTES } from '../read-notice.ts'
import { NS_DELIVERY_RECEIPT } from './constants.ts'
import { DeliverRequest, DeliverResponse, DeliverStatus } from '../../wire/index.ts'

export { DeliverStatus }

/** The only request format version this build reads and writes. */
export const DELIVER_WIRE_VERSION = 1
/** A maximal envelope and sender key bundle, plus the request's version and framing. */
export const MAX_DELIVER_REQUEST_BYTES = MAX_ENVELOPE_BYTES + MAX_SIGNED_KEY_BUNDLE_BYTES + 64
/** Responses carry at most this much explanation. */
export const MAX_DELIVER_MESSAGE_CHARS = 512
/** A status, a cut message (up to 4 bytes a character) and a receipt, with framing. */
export const MAX_DELIVER_RESPONSE_BYTES = 4 * MAX_DELIVER_MESSAGE_CHARS + SIGNATURE_BYTES + 64

export interface DeliverReply {
  status: DeliverStatus
  message?: string
  receipt?: Uint8Array
}

/** One envelope, and optionally the sender's own signed key bundle (so a first message opens without a lookup). */
export function encodeDeliverRequest (envelope: Uint8Array, senderKeyBundle?: Uint8Array): Uint8Array {
  if (envelope.length === 0) throw new MalformedMessageError('a delivery carries an envelope')
  if (envelope.length > MAX_ENVELOPE_BYTES) {
    throw new OversizeMessageError(`envelope is ${envelope.length} bytes; the limit is ${MAX_ENVELOPE_BYTES}`)
  }
  if (senderKeyBundle !== undefined && senderKeyBundle.length > MAX_SIGNED_KEY_BUNDLE_BYTES) {
    throw new OversizeMessageError(`key bundle is ${senderKeyBundle.length} bytes; the limit is ${MAX_SIGNED_KEY_BUNDLE_BYTES}`)
  }
  return DeliverRequest.encode({
    version: DELIVER_WIRE_VERSION,
    envelope: Uint8Array.from(envelope),
    ...(senderKeyBundle === undefined ? {} : { senderKeyBundle: Uint8Array.from(senderKeyBundle) })
  })
}

/**
 * The envelope a request carries. Cheap checks first: size (`OversizeMessageError`), leading version
 * (`UnsupportedVersionError`), structure (`MalformedMessageError`). The envelope itself is not checked here.
 */
export function decodeDeliverRequest (bytes: Uint8Array): Uint8Array {
  const parts = decodeDeliverRequestParts(bytes)
  if (parts.envelope === undefined) throw new MalformedMessageError('delivery request carries no envelope')
  return parts.envelope
}

export type DeliverRequestParts = {
  envelope: Uint8Array
  /** The sender's signed key bundle, not yet verified; absent when the sender sent none. */
  senderKeyBundle?: Uint8Array
  readNotice?: undefined
} | {
  envelope?: undefined
  /** A read notice (src/chat/read-notice.ts), not yet verified. */
  readNotice: Uint8Array
}

/** A request that carries a read notice instead of an envelope. */
export function encodeReadNoticeRequest (notice: Uint8Array): Uint8Array {
  if (notice.length === 0) throw new MalformedMessageError('a read notice request carries a notice')
  if (notice.length > MAX_READ_NOTICE_BYTES) throw new OversizeMessageError(`read notice is ${notice.length} bytes; the limit is ${MAX_READ_NOTICE_BYTES}`)
  return DeliverRequest.encode({ version: DELIVER_WIRE_VERSION, envelope: new Uint8Array(0), readNotice: Uint8Array.from(notice) })
}

/**
 * As `decodeDeliverRequest`, with the sender's key bundle when the request carries one (at most its size limit),
 * or the read notice a request carries instead of an envelope.
 */
export function decodeDeliverRequestParts (bytes: Uint8Array): DeliverRequestParts {
  if (bytes.length > MAX_DELIVER_REQUEST_BYTES) {
    throw new OversizeMessageError(`delivery request is ${bytes.length} bytes; the limit is ${MAX_DELIVER_REQUEST_BYTES}`)
  }
  const version = readLeadingVersion('delivery request', bytes)
  if (version !== DELIVER_WIRE_VERSION) {
    throw new UnsupportedVersionError(`delivery request version ${version} is not supported (this node speaks version ${DELIVER_WIRE_VERSION}); the sender may run a newer release`)
  }
  const request = decodeOrThrow('delivery request', () => DeliverRequest.decode(bytes))
  if (request.readNotice.length > 0) {
    if (request.envelope.length > 0 || request.senderKeyBundle.length > 0) throw new MalformedMessageError('a delivery request carries an envelope or a read notice, not both')
    if (request.readNotice.length > MAX_READ_NOTICE_BYTES) throw new OversizeMessageError(`read notice is ${request.readNotice.length} bytes; the limit is ${MAX_READ_NOTICE_BYTES}`)
    return { readNotice: request.readNotice }
  }
  if (request.envelope.length === 0) throw new MalformedMessageError('delivery request carries no envelope')
  if (request.envelope.length > MAX_ENVELOPE_BYTES) {
    throw new OversizeMessageError(`envelope is ${request.envelope.length} bytes; the limit is ${MAX_ENVELOPE_BYTES}`)
  }
  if (request.senderKeyBundle.length > MAX_SIGNED_KEY_BUNDLE_BYTES) {
    throw new OversizeMessageError(`the sender's key bundle is ${request.senderKeyBundle.length} bytes; the limit is ${MAX_SIGNED_KEY_BUNDLE_BYTES}`)
  }
  return request.senderKeyBundle.length === 0 ? { envelope: request.envelope } : { envelope: request.envelope, senderKeyBundle: request.senderKeyBundle }
}

export function encodeDeliverResponse (reply: DeliverReply): Uint8Array {
  return DeliverResponse.encode({
    status: reply.status,
    message: (reply.message ?? '').slice(0, MAX_DELIVER_MESSAGE_CHARS),
    receipt: Uint8Array.from(reply.receipt ?? [])
  })
}

/** @throws {MalformedMessageError} | {OversizeMessageError} */
export function decodeDeliverResponse (bytes: Uint8Array): DeliverReply {
  if (bytes.length > MAX_DELIVER_RESPONSE_BYTES) {
    throw new OversizeMessageError(`delivery response is ${bytes.length} bytes; the limit is ${MAX_DELIVER_RESPONSE_BYTES}`)
  }
  const response = decodeOrThrow('delivery response', () => DeliverResponse.decode(bytes))
  if (response.status === DeliverStatus.DELIVER_STATUS_UNSPECIFIED) {
    throw new MalformedMessageError('delivery response has no status')
  }
  return { status: response.status, message: response.message, receipt: response.receipt }
}

/** The recipient's receipt: its wallet's signature over the envelope bytes in NS_DELIVERY_RECEIPT. */
export function signDeliveryReceipt (recipient: Signer, envelope: Uint8Array): Uint8Array {
  return recipient.sign(NS_DELIVERY_RECEIPT, envelope)
}

/** True when `receipt` is `recipient`'s signature over exactly `envelope`. */
export function isDeliveryReceiptOf (receipt: Uint8Array, envelope: Uint8Array, recipient: WalletAddress): boolean {
  if (receipt.length !== SIGNATURE_BYTES) return false
  try {
    return recoverAddress(NS_DELIVERY_RECEIPT, envelope, receipt) === recipient
  } catch {
    return false
  }
}
