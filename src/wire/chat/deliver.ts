import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DeliverRequest {
  version: number
  envelope: Uint8Array<ArrayBuffer>
  senderKeyBundle: Uint8Array<ArrayBuffer>
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

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          envelope: uint8ArrayAlloc(0),
          senderKeyBundle: uint8ArrayAlloc(0)
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

  export function encode (obj: Partial<DeliverRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DeliverRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeliverRequest>): DeliverRequest {
    return decodeMessage(buf, DeliverRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeliverRequest>): Generator<DeliverRequestVersionFieldEvent | DeliverRequestEnvelopeFieldEvent | DeliverRequestSenderKeyBundleFieldEvent> {
    return streamMessage(buf, DeliverRequest.codec(), opts)
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
