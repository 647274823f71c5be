import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface EnvelopeHeader {
  version: number
  alg: string
  sender: Uint8Array<ArrayBuffer>
  recipient: Uint8Array<ArrayBuffer>
  senderKey: Uint8Array<ArrayBuffer>
  recipientKey: Uint8Array<ArrayBuffer>
  messageId: Uint8Array<ArrayBuffer>
  sentAt: number
  nonce: Uint8Array<ArrayBuffer>
}

export namespace EnvelopeHeader {
  let _codec: Codec<EnvelopeHeader>

  export const codec = (): Codec<EnvelopeHeader> => {
    if (_codec == null) {
      _codec = message<EnvelopeHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.alg != null && obj.alg !== '')) {
          w.uint32(18)
          w.string(obj.alg)
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.sender)
        }

        if ((obj.recipient != null && obj.recipient.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.recipient)
        }

        if ((obj.senderKey != null && obj.senderKey.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.senderKey)
        }

        if ((obj.recipientKey != null && obj.recipientKey.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.recipientKey)
        }

        if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.messageId)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.sentAt)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.nonce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          alg: '',
          sender: uint8ArrayAlloc(0),
          recipient: uint8ArrayAlloc(0),
          senderKey: uint8ArrayAlloc(0),
          recipientKey: uint8ArrayAlloc(0),
          messageId: uint8ArrayAlloc(0),
          sentAt: 0,
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.alg = reader.string()
              break
            }
            case 3: {
              obj.sender = reader.bytes()
              break
            }
            case 4: {
              obj.recipient = reader.bytes()
              break
            }
            case 5: {
              obj.senderKey = reader.bytes()
              break
            }
            case 6: {
              obj.recipientKey = reader.bytes()
              break
            }
            case 7: {
              obj.messageId = reader.bytes()
              break
            }
            case 8: {
              obj.sentAt = reader.uint64Number()
              break
            }
            case 9: {
              obj.nonce = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.alg`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sender`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.recipient`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.senderKey`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.recipientKey`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.messageId`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EnvelopeHeaderVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface EnvelopeHeaderAlgFieldEvent {
    field: '$.alg'
    value: string
  }

  export interface EnvelopeHeaderSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeHeaderRecipientFieldEvent {
    field: '$.recipient'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeHeaderSenderKeyFieldEvent {
    field: '$.senderKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeHeaderRecipientKeyFieldEvent {
    field: '$.recipientKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeHeaderMessageIdFieldEvent {
    field: '$.messageId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeHeaderSentAtFieldEvent {
    field: '$.sentAt'
    value: number
  }

  export interface EnvelopeHeaderNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<EnvelopeHeader>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, EnvelopeHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EnvelopeHeader>): EnvelopeHeader {
    return decodeMessage(buf, EnvelopeHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EnvelopeHeader>): Generator<EnvelopeHeaderVersionFieldEvent | EnvelopeHeaderAlgFieldEvent | EnvelopeHeaderSenderFieldEvent | EnvelopeHeaderRecipientFieldEvent | EnvelopeHeaderSenderKeyFieldEvent | EnvelopeHeaderRecipientKeyFieldEvent | EnvelopeHeaderMessageIdFieldEvent | EnvelopeHeaderSentAtFieldEvent | EnvelopeHeaderNonceFieldEvent> {
    return streamMessage(buf, EnvelopeHeader.codec(), opts)
  }
}

export interface SignedEnvelope {
  header: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedEnvelope {
  let _codec: Codec<SignedEnvelope>

  export const codec = (): Codec<SignedEnvelope> => {
    if (_codec == null) {
      _codec = message<SignedEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.header != null && obj.header.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.header)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ciphertext)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          header: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.header = reader.bytes()
              break
            }
            case 2: {
              obj.ciphertext = reader.bytes()
              break
            }
            case 3: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.header`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedEnvelopeHeaderFieldEvent {
    field: '$.header'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedEnvelopeCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedEnvelopeSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedEnvelope>): SignedEnvelope {
    return decodeMessage(buf, SignedEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedEnvelope>): Generator<SignedEnvelopeHeaderFieldEvent | SignedEnvelopeCiphertextFieldEvent | SignedEnvelopeSignatureFieldEvent> {
    return streamMessage(buf, SignedEnvelope.codec(), opts)
  }
}

export interface MessagePayload {
  kind: number
  text: string
  replyTo?: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
  inbox?: Uint8Array<ArrayBuffer>
}

export namespace MessagePayload {
  let _codec: Codec<MessagePayload>

  export const codec = (): Codec<MessagePayload> => {
    if (_codec == null) {
      _codec = message<MessagePayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.kind != null && obj.kind !== 0)) {
          w.uint32(8)
          w.uint32(obj.kind)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if (obj.replyTo != null) {
          w.uint32(26)
          w.bytes(obj.replyTo)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.data)
        }

        if (obj.inbox != null) {
          w.uint32(42)
          w.bytes(obj.inbox)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: 0,
          text: '',
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = reader.uint32()
              break
            }
            case 2: {
              obj.text = reader.string()
              break
            }
            case 3: {
              obj.replyTo = reader.bytes()
              break
            }
            case 4: {
              obj.data = reader.bytes()
              break
            }
            case 5: {
              obj.inbox = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.replyTo`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.inbox`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MessagePayloadKindFieldEvent {
    field: '$.kind'
    value: number
  }

  export interface MessagePayloadTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface MessagePayloadReplyToFieldEvent {
    field: '$.replyTo'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MessagePayloadDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MessagePayloadInboxFieldEvent {
    field: '$.inbox'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<MessagePayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MessagePayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessagePayload>): MessagePayload {
    return decodeMessage(buf, MessagePayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessagePayload>): Generator<MessagePayloadKindFieldEvent | MessagePayloadTextFieldEvent | MessagePayloadReplyToFieldEvent | MessagePayloadDataFieldEvent | MessagePayloadInboxFieldEvent> {
    return streamMessage(buf, MessagePayload.codec(), opts)
  }
}

export interface SealedEnvelope {
  version: number
  ephemeralKey: Uint8Array<ArrayBuffer>
  nonce: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
}

export namespace SealedEnvelope {
  let _codec: Codec<SealedEnvelope>

  export const codec = (): Codec<SealedEnvelope> => {
    if (_codec == null) {
      _codec = message<SealedEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.ephemeralKey != null && obj.ephemeralKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.ephemeralKey)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.nonce)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          ephemeralKey: uint8ArrayAlloc(0),
          nonce: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.ephemeralKey = reader.bytes()
              break
            }
            case 3: {
              obj.nonce = reader.bytes()
              break
            }
            case 4: {
              obj.ciphertext = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ephemeralKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SealedEnvelopeVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SealedEnvelopeEphemeralKeyFieldEvent {
    field: '$.ephemeralKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedEnvelopeNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedEnvelopeCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SealedEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SealedEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedEnvelope>): SealedEnvelope {
    return decodeMessage(buf, SealedEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedEnvelope>): Generator<SealedEnvelopeVersionFieldEvent | SealedEnvelopeEphemeralKeyFieldEvent | SealedEnvelopeNonceFieldEvent | SealedEnvelopeCiphertextFieldEvent> {
    return streamMessage(buf, SealedEnvelope.codec(), opts)
  }
}
