import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PresenceBody {
  version: number
  owner: Uint8Array<ArrayBuffer>
  peerId: string
  multiaddrs: string[]
  sequence: number
  issuedAt: number
  validUntil: number
}

export namespace PresenceBody {
  let _codec: Codec<PresenceBody>

  export const codec = (): Codec<PresenceBody> => {
    if (_codec == null) {
      _codec = message<PresenceBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.owner)
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(26)
          w.string(obj.peerId)
        }

        if (obj.multiaddrs != null && obj.multiaddrs.length > 0) {
          for (const value of obj.multiaddrs) {
            w.uint32(34)
            w.string(value)
          }
        }

        if ((obj.sequence != null && obj.sequence !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.sequence)
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.issuedAt)
        }

        if ((obj.validUntil != null && obj.validUntil !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.validUntil)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          owner: uint8ArrayAlloc(0),
          peerId: '',
          multiaddrs: [],
          sequence: 0,
          issuedAt: 0,
          validUntil: 0
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
              obj.owner = reader.bytes()
              break
            }
            case 3: {
              obj.peerId = reader.string()
              break
            }
            case 4: {
              if (opts.limits?.multiaddrs != null && obj.multiaddrs.length === opts.limits.multiaddrs) {
                throw new MaxLengthError('Decode error - repeated field "multiaddrs" had too many elements')
              }

              obj.multiaddrs.push(reader.string())
              break
            }
            case 5: {
              obj.sequence = reader.uint64Number()
              break
            }
            case 6: {
              obj.issuedAt = reader.uint64Number()
              break
            }
            case 7: {
              obj.validUntil = reader.uint64Number()
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
          multiaddrs: 0
        }

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
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 4: {
              if (opts.limits?.multiaddrs != null && obj.multiaddrs === opts.limits.multiaddrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "multiaddrs" had too many elements')
              }

              yield {
                field: `${prefix}.multiaddrs[]`,
                index: obj.multiaddrs,
                value: reader.string()
              }

              obj.multiaddrs++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.sequence`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.validUntil`,
                value: reader.uint64Number()
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

  export interface PresenceBodyVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface PresenceBodyOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PresenceBodyPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface PresenceBodyMultiaddrsFieldEvent {
    field: '$.multiaddrs[]'
    index: number
    value: string
  }

  export interface PresenceBodySequenceFieldEvent {
    field: '$.sequence'
    value: number
  }

  export interface PresenceBodyIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: number
  }

  export interface PresenceBodyValidUntilFieldEvent {
    field: '$.validUntil'
    value: number
  }

  export function encode (obj: Partial<PresenceBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PresenceBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceBody>): PresenceBody {
    return decodeMessage(buf, PresenceBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceBody>): Generator<PresenceBodyVersionFieldEvent | PresenceBodyOwnerFieldEvent | PresenceBodyPeerIdFieldEvent | PresenceBodyMultiaddrsFieldEvent | PresenceBodySequenceFieldEvent | PresenceBodyIssuedAtFieldEvent | PresenceBodyValidUntilFieldEvent> {
    return streamMessage(buf, PresenceBody.codec(), opts)
  }
}

export interface SignedPresence {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedPresence {
  let _codec: Codec<SignedPresence>

  export const codec = (): Codec<SignedPresence> => {
    if (_codec == null) {
      _codec = message<SignedPresence>((obj, w, opts = {}) => {
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

  export interface SignedPresenceBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedPresenceSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedPresence>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedPresence.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPresence>): SignedPresence {
    return decodeMessage(buf, SignedPresence.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPresence>): Generator<SignedPresenceBodyFieldEvent | SignedPresenceSignatureFieldEvent> {
    return streamMessage(buf, SignedPresence.codec(), opts)
  }
}
