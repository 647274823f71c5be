/**
 * Byte format of envelope v1 (pb/envelope.proto): parsing and range checks, the exact bytes that are signed,
 * and the associated data. No keys here; sealing and opening are in envelope.ts.
 */
import { ADDRESS_BYTES, addressFromBytes, addressToBytes, type WalletAddress } from '../identity/index.ts'
import { readLeadingVersion } from '../wire/index.ts'
import { MalformedMessageError } from '../wire/index.ts'
import { AES_GCM_NONCE_BYTES, AES_GCM_TAG_BYTES } from '../crypto/index.ts'
import { X25519_KEY_BYTES } from './chat-keys.ts'
import { UnsupportedEnvelopeError } from './errors.ts'
import { messageIdFromBytes, messageIdToBytes } from './message-id.ts'
import { MAX_PAYLOAD_BYTES } from './payload.ts'
import { EnvelopeHeader as EnvelopeHeaderMessage, SignedEnvelope as SignedEnvelopeMessage } from '../wire/index.ts'
import { checkVersion, checkedCopy, decodeCanonical, expectLength, expectSafeInteger } from './signed-record.ts'

/** The only envelope format version this build reads and writes. */
export const ENVELOPE_VERSION = 1
/** The one algorithm suite of version 1: X25519 static-static ECDH, HKDF-SHA256, AES-256-GCM. */
export const ENVELOPE_ALG = 'x25519-hkdf-sha256-aes-256-gcm'
/**
 * Limit on an encoded envelope, checked before decoding: a maximal payload plus its GCM tag, plus the header
 * (about 200 bytes), the signature and framing, which 1 KiB covers with room to spare.
 */
export const MAX_ENVELOPE_BYTES = MAX_PAYLOAD_BYTES + AES_GCM_TAG_BYTES + 1024
/** A valid header is about 190 bytes (fixed-size fields and the algorithm name); 512 bounds it with room to spare. */
const MAX_HEADER_BYTES = 512

/** An envelope's cleartext header, parsed. Everything in it is visible to storage nodes and the network. */
export interface EnvelopeHeader {
  readonly version: typeof ENVELOPE_VERSION
  readonly alg: typeof ENVELOPE_ALG
  readonly sender: WalletAddress
  readonly recipient: WalletAddress
  /** 32-byte X25519 public keys of sender and recipient used for this message. */
  readonly senderKey: Uint8Array
  readonly recipientKey: Uint8Array
  /** 32 hex digits; unique per sender. */
  readonly messageId: string
  /** Sender's clock at sealing, milliseconds since the Unix epoch; claimed, not verified. */
  readonly sentAt: number
  /** 12-byte AES-GCM nonce. */
  readonly nonce: Uint8Array
}

/** An envelope split into its parts; nothing verified beyond structure. */
export interface ParsedEnvelope {
  readonly header: EnvelopeHeader
  /** The header exactly as carried: the AES-GCM associated data and the first signed part. */
  readonly headerBytes: Uint8Array
  /** Ciphertext followed by the 16-byte GCM tag. */
  readonly ciphertext: Uint8Array
  readonly signature: Uint8Array
}

/** Encodes a header; the result is what gets signed and used as associated data. */
export function encodeEnvelopeHeader (header: EnvelopeHeader): Uint8Array<ArrayBuffer> {
  return EnvelopeHeaderMessage.encode({
    version: header.version,
    alg: header.alg,
    sender: addressToBytes(header.sender),
    recipient: addressToBytes(header.recipient),
    senderKey: Uint8Array.from(header.senderKey),
    recipientKey: Uint8Array.from(header.recipientKey),
    messageId: messageIdToBytes(header.messageId),
    sentAt: header.sentAt,
    nonce: Uint8Array.from(header.nonce)
  })
}

export function encodeSignedEnvelope (parts: { headerBytes: Uint8Array, ciphertext: Uint8Array, signature: Uint8Array }): Uint8Array<ArrayBuffer> {
  return SignedEnvelopeMessage.encode({
    header: Uint8Array.from(parts.headerBytes),
    ciphertext: Uint8Array.from(parts.ciphertext),
    signature: Uint8Array.from(parts.signature)
  })
}

/**
 * The message the sender signs (in namespace NS_ENVELOPE):
 *
 *   u32be(len(header)) ‖ header ‖ ciphertext
 *
 * The length prefix makes the split between header and ciphertext unambiguous.
 */
export function envelopeSigningMessage (headerBytes: Uint8Array, ciphertext: Uint8Array): Uint8Array<ArrayBuffer> {
  const message = new Uint8Array(4 + headerBytes.length + ciphertext.length)
  new DataView(message.buffer).setUint32(0, headerBytes.length, false)
  message.set(headerBytes, 4)
  message.set(ciphertext, 4 + headerBytes.length)
  return message
}

/**
 * Structure, version and field checks, cheapest first: size (`OversizeMessageError`), outer structure
 * (`MalformedMessageError`), header version and algorithm (`UnsupportedEnvelopeError`), header fields
 * (`MalformedMessageError`). The header must be canonically encoded: it is signed and authenticated as bytes.
 */
export function parseEnvelope (bytes: Uint8Array): ParsedEnvelope {
  const ownBytes = checkedCopy('envelope', bytes, MAX_ENVELOPE_BYTES)
  const outer = decodeCanonical('envelope', SignedEnvelopeMessage, ownBytes)
  if (outer.header.length === 0 || outer.header.length > MAX_HEADER_BYTES) {
    throw new MalformedMessageError(`envelope header is ${outer.header.length} bytes; expected 1 to ${MAX_HEADER_BYTES}`)
  }
  checkVersion('envelope', readLeadingVersion('envelope header', outer.header), ENVELOPE_VERSION, UnsupportedEnvelopeError)
  const header = decodeCanonical('envelope header', EnvelopeHeaderMessage, outer.header)
  if (header.alg !== ENVELOPE_ALG) {
    throw new UnsupportedEnvelopeError(`envelope algorithm "${header.alg.slice(0, 64)}" is not supported (version ${ENVELOPE_VERSION} uses ${ENVELOPE_ALG})`)
  }
  expectLength('envelope', 'sender', header.sender, ADDRESS_BYTES)
  expectLength('envelope', 'recipient', header.recipient, ADDRESS_BYTES)
  expectLength('envelope', 'senderKey', header.senderKey, X25519_KEY_BYTES)
  expectLength('envelope', 'recipientKey', header.recipientKey, X25519_KEY_BYTES)
  expectLength('envelope', 'nonce', header.nonce, AES_GCM_NONCE_BYTES)
  if (outer.ciphertext.length < AES_GCM_TAG_BYTES) {
    throw new MalformedMessageError(`envelope ciphertext is ${outer.ciphertext.length} bytes; it holds at least the ${AES_GCM_TAG_BYTES}-byte tag`)
  }
  return {
    header: {
      version: ENVELOPE_VERSION,
      alg: ENVELOPE_ALG,
      sender: addressFromBytes(header.sender),
      recipient: addressFromBytes(header.recipient),
      senderKey: header.senderKey,
      recipientKey: header.recipientKey,
      messageId: messageIdFromBytes(header.messageId, 'envelope messageId'),
      sentAt: expectSafeInteger('envelope', 'sentAt', header.sentAt),
      nonce: header.nonce
    },
    headerBytes: outer.header,
    ciphertext: outer.ciphertext,
    signature: outer.signature
  }
}
