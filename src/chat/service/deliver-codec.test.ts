import { describe, expect, it } from 'vitest'
import { fromHex } from '../../crypto/index.ts'
import { walletFromPrivateKey } from '../../identity/index.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../../wire/index.ts'
import { EnvelopeDecryptError, EnvelopeSignatureError, NotRecipientError, PeerKeyMismatchError, UnsupportedEnvelopeError } from '../errors.ts'
import { MAX_ENVELOPE_BYTES } from '../envelope-format.ts'
import { MAX_SIGNED_KEY_BUNDLE_BYTES } from '../key-bundle.ts'
import {
  DeliverStatus,
  MAX_DELIVER_REQUEST_BYTES,
  decodeDeliverRequest,
  decodeDeliverRequestParts,
  decodeDeliverResponse,
  encodeDeliverRequest,
  encodeDeliverResponse,
  isDeliveryReceiptOf,
  signDeliveryReceipt
} from './deliver-codec.ts'
import { statusFor } from './deliver.ts'
import { DeliverRequest } from '../../wire/index.ts'
import { KeyBundleNotFoundError } from './errors.ts'

const bob = walletFromPrivateKey(fromHex('0b'.repeat(32)))
const mallory = walletFromPrivateKey(fromHex('0d'.repeat(32)))
const envelope = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)

describe('delivery codec', () => {
  it('round-trips a request and pins its layout', () => {
    const bytes = encodeDeliverRequest(envelope)
    expect([...bytes.subarray(0, 5)]).toEqual([0x08, 0x01, 0x12, 0xac, 0x02]) // version 1, field 2 of 300 bytes
    expect(decodeDeliverRequest(bytes)).toEqual(envelope)
  })

  it('carries the sender\'s key bundle when given, which older readers skip, and bounds its size', () => {
    const bundle = Uint8Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff)
    const bytes = encodeDeliverRequest(envelope, bundle)
    expect(decodeDeliverRequestParts(bytes)).toEqual({ envelope, senderKeyBundle: bundle })
    expect(decodeDeliverRequest(bytes)).toEqual(envelope)
    expect(decodeDeliverRequestParts(encodeDeliverRequest(envelope))).toEqual({ envelope })
    // The request without the new field is byte for byte the old one.
    expect(encodeDeliverRequest(envelope)).toEqual(DeliverRequest.encode({ version: 1, envelope }))
    expect(() => encodeDeliverRequest(envelope, new Uint8Array(MAX_SIGNED_KEY_BUNDLE_BYTES + 1))).toThrow(OversizeMessageError)
    const oversize = DeliverRequest.encode({ version: 1, envelope, senderKeyBundle: new Uint8Array(MAX_SIGNED_KEY_BUNDLE_BYTES + 1) })
    expect(() => decodeDeliverRequestParts(oversize)).toThrow(OversizeMessageError)
  })

  it('refuses oversize, unknown-version, versionless and empty requests before decoding the rest', () => {
    expect(() => encodeDeliverRequest(new Uint8Array(MAX_ENVELOPE_BYTES + 1))).toThrow(OversizeMessageError)
    expect(() => decodeDeliverRequest(new Uint8Array(MAX_DELIVER_REQUEST_BYTES + 1))).toThrow(OversizeMessageError)
    // Under the request limit (which leaves room for a key bundle), but an envelope over its own.
    expect(() => decodeDeliverRequest(DeliverRequest.encode({ version: 1, envelope: new Uint8Array(MAX_ENVELOPE_BYTES + 100) }))).toThrow(OversizeMessageError)
    expect(() => decodeDeliverRequest(DeliverRequest.encode({ version: 2, envelope }))).toThrow(UnsupportedVersionError)
    expect(() => decodeDeliverRequest(DeliverRequest.encode({ version: 0, envelope }))).toThrow(MalformedMessageError)
    expect(() => decodeDeliverRequest(DeliverRequest.encode({ version: 1, envelope: new Uint8Array(0) }))).toThrow(MalformedMessageError)
    expect(() => decodeDeliverRequest(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(MalformedMessageError)
  })

  it('round-trips responses, cuts long messages, and refuses one without a status', () => {
    const receipt = signDeliveryReceipt(bob, envelope)
    expect(decodeDeliverResponse(encodeDeliverResponse({ status: DeliverStatus.DELIVERED, receipt }))).toMatchObject({ status: DeliverStatus.DELIVERED, receipt })
    expect(decodeDeliverResponse(encodeDeliverResponse({ status: DeliverStatus.BUSY, message: 'x'.repeat(5000) })).message).toHaveLength(512)
    expect(() => decodeDeliverResponse(new Uint8Array(0))).toThrow(MalformedMessageError)
  })

  it('accepts a receipt only from the recipient, over exactly the envelope', () => {
    const receipt = signDeliveryReceipt(bob, envelope)
    expect(isDeliveryReceiptOf(receipt, envelope, bob.address)).toBe(true)
    expect(isDeliveryReceiptOf(receipt, envelope, mallory.address)).toBe(false)
    expect(isDeliveryReceiptOf(receipt, envelope.subarray(1), bob.address)).toBe(false)
    expect(isDeliveryReceiptOf(signDeliveryReceipt(mallory, envelope), envelope, bob.address)).toBe(false)
    expect(isDeliveryReceiptOf(new Uint8Array(65), envelope, bob.address)).toBe(false)
    expect(isDeliveryReceiptOf(new Uint8Array(0), envelope, bob.address)).toBe(false)
  })

  it('answers each failed check with its own status', () => {
    expect(statusFor(new OversizeMessageError('x'))).toBe(DeliverStatus.OVERSIZE)
    expect(statusFor(new UnsupportedEnvelopeError('x'))).toBe(DeliverStatus.UNSUPPORTED_VERSION)
    expect(statusFor(new MalformedMessageError('x'))).toBe(DeliverStatus.MALFORMED)
    expect(statusFor(new EnvelopeSignatureError('x'))).toBe(DeliverStatus.BAD_SIGNATURE)
    expect(statusFor(new NotRecipientError('x'))).toBe(DeliverStatus.NOT_RECIPIENT)
    expect(statusFor(new EnvelopeDecryptError('x'))).toBe(DeliverStatus.UNREADABLE)
    expect(statusFor(new PeerKeyMismatchError('x'))).toBe(DeliverStatus.UNREADABLE)
    expect(statusFor(new KeyBundleNotFoundError('x'))).toBe(DeliverStatus.UNREADABLE)
    expect(statusFor(new Error('disk full'))).toBe(DeliverStatus.INTERNAL)
  })
})
