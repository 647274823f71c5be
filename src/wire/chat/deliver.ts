import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DeliverRequest {
  version: number
  envelope: Uint8Array<ArrayBuffer>
  senderKeyBundle: Uint8Array<ArrayBuffer>
  readNotice: Uint8Array<ArrayBuffer>
}

export namespace DeliverRequest {
  let _codec: Codec<DeliverRequest>

  export const codec = (): Codec<DeliverRequest> => {
    if (_codec == null) {
      _codec = message<DeliverRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.envelope)
        }

        if ((obj.senderKeyBundle != null && obj.senderKeyBundle.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.senderKeyBundle)
        }

        if ((obj.readNotice != null && obj.readNotice.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.readNotice)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          envelope: uint8ArrayAlloc(0),
          senderKeyBundle: uint8ArrayAlloc(0),
          readNotice: uint8ArrayAlloc(0)
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
              obj.envelope = reader.bytes()
              break
            }
            case 3: {
              obj.senderKeyBundle = reader.bytes()
              break
            }
            case 4: {
              obj.readNotice = reader.bytes()
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
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.senderKeyBundle`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.readNotice`,
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

  export interface DeliverRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface DeliverRequestEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeliverRequestSenderKeyBundleFieldEvent {
    field: '$.senderKeyBundle'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeliverRequestReadNoticeFieldEvent {
    field: '$.readNotice'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DeliverRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DeliverRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeliverRequest>): DeliverRequest {
    return decodeMessage(buf, DeliverRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeliverRequest>): Generator<DeliverRequestVersionFieldEvent | DeliverRequestEnvelopeFieldEvent | DeliverRequestSenderKeyBundleFieldEvent | DeliverRequestReadNoticeFieldEvent> {
    return streamMessage(buf, DeliverRequest.codec(), opts)
  }
}

export interface ReadNotice {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace ReadNotice {
  let _codec: Codec<ReadNotice>

  export const codec = (): Codec<ReadNotice> => {
    if (_codec == null) {
      _codec = message<ReadNotice>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
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
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
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

  export interface ReadNoticeBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReadNoticeSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ReadNotice>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReadNotice.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadNotice>): ReadNotice {
    return decodeMessage(buf, ReadNotice.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadNotice>): Generator<ReadNoticeBodyFieldEvent | ReadNoticeSignatureFieldEvent> {
    return streamMessage(buf, ReadNotice.codec(), opts)
  }
}

export interface ReadNoticeBody {
  reader: Uint8Array<ArrayBuffer>
  sender: Uint8Array<ArrayBuffer>
  readAt: number
  messageIds: Uint8Array<ArrayBuffer>[]
}

export namespace ReadNoticeBody {
  let _codec: Codec<ReadNoticeBody>

  export const codec = (): Codec<ReadNoticeBody> => {
    if (_codec == null) {
      _codec = message<ReadNoticeBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.reader != null && obj.reader.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.reader)
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sender)
        }

        if ((obj.readAt != null && obj.readAt !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.readAt)
        }

        if (obj.messageIds != null && obj.messageIds.length > 0) {
          for (const value of obj.messageIds) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          reader: uint8ArrayAlloc(0),
          sender: uint8ArrayAlloc(0),
          readAt: 0,
          messageIds: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.reader = reader.bytes()
              break
            }
            case 2: {
              obj.sender = reader.bytes()
              break
            }
            case 3: {
              obj.readAt = reader.uint64Number()
              break
            }
            case 4: {
              if (opts.limits?.messageIds != null && obj.messageIds.length === opts.limits.messageIds) {
                throw new MaxLengthError('Decode error - repeated field "messageIds" had too many elements')
              }

              obj.messageIds.push(reader.bytes())
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
        const obj = {
          messageIds: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.reader`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sender`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.readAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              if (opts.limits?.messageIds != null && obj.messageIds === opts.limits.messageIds) {
                throw new MaxLengthError('Streaming decode error - repeated field "messageIds" had too many elements')
              }

              yield {
                field: `${prefix}.messageIds[]`,
                index: obj.messageIds,
                value: reader.bytes()
              }

              obj.messageIds++

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

  export interface ReadNoticeBodyReaderFieldEvent {
    field: '$.reader'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReadNoticeBodySenderFieldEvent {
    field: '$.sender'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReadNoticeBodyReadAtFieldEvent {
    field: '$.readAt'
    value: number
  }

  export interface ReadNoticeBodyMessageIdsFieldEvent {
    field: '$.messageIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ReadNoticeBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReadNoticeBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadNoticeBody>): ReadNoticeBody {
    return decodeMessage(buf, ReadNoticeBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadNoticeBody>): Generator<ReadNoticeBodyReaderFieldEvent | ReadNoticeBodySenderFieldEvent | ReadNoticeBodyReadAtFieldEvent | ReadNoticeBodyMessageIdsFieldEvent> {
    return streamMessage(buf, ReadNoticeBody.codec(), opts)
  }
}

export enum DeliverStatus {
  DELIVER_STATUS_UNSPECIFIED = 'DELIVER_STATUS_UNSPECIFIED',
  DELIVERED = 'DELIVERED',
  MALFORMED = 'MALFORMED',
  UNSUPPORTED_VERSION = 'UNSUPPORTED_VERSION',
  OVERSIZE = 'OVERSIZE',
  BAD_SIGNATURE = 'BAD_SIGNATURE',
  NOT_RECIPIENT = 'NOT_RECIPIENT',
  UNREADABLE = 'UNREADABLE',
  BUSY = 'BUSY',
  INTERNAL = 'INTERNAL'
}

enum __DeliverStatusValues {
  DELIVER_STATUS_UNSPECIFIED = 0,
  DELIVERED = 1,
  MALFORMED = 2,
  UNSUPPORTED_VERSION = 3,
  OVERSIZE = 4,
  BAD_SIGNATURE = 5,
  NOT_RECIPIENT = 6,
  UNREADABLE = 7,
  BUSY = 8,
  INTERNAL = 9
}

export namespace DeliverStatus {
  export const codec = (): Codec<DeliverStatus> => {
    return enumeration<DeliverStatus>(__DeliverStatusValues)
  }
}

export interface DeliverResponse {
  status: DeliverStatus
  message: string
  receipt: Uint8Array<ArrayBuffer>
}

export namespace DeliverResponse {
  let _codec: Codec<DeliverResponse>

  export const codec = (): Codec<DeliverResponse> => {
    if (_codec == null) {
      _codec = message<DeliverResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __DeliverStatusValues[obj.status] !== 0) {
          w.uint32(8)
          DeliverStatus.codec().encode(obj.status, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if ((obj.receipt != null && obj.receipt.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.receipt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: DeliverStatus.DELIVER_STATUS_UNSPECIFIED,
          message: '',
          receipt: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = DeliverStatus.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            case 3: {
              obj.receipt = reader.bytes()
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
                field: `${prefix}.status`,
                value: DeliverStatus.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.receipt`,
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

  export interface DeliverResponseStatusFieldEvent {
    field: '$.status'
    value: DeliverStatus
  }

  export interface DeliverResponseMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface DeliverResponseReceiptFieldEvent {
    field: '$.receipt'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DeliverResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DeliverResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeliverResponse>): DeliverResponse {
    return decodeMessage(buf, DeliverResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeliverResponse>): Generator<DeliverResponseStatusFieldEvent | DeliverResponseMessageFieldEvent | DeliverResponseReceiptFieldEvent> {
    return streamMessage(buf, DeliverResponse.codec(), opts)
  }
}
