import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface HistorySegment {
  version: number
  alg: string
  owner: Uint8Array<ArrayBuffer>
  nonce: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
}

export namespace HistorySegment {
  let _codec: Codec<HistorySegment>

  export const codec = (): Codec<HistorySegment> => {
    if (_codec == null) {
      _codec = message<HistorySegment>((obj, w, opts = {}) => {
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

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.owner)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.nonce)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          alg: '',
          owner: uint8ArrayAlloc(0),
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
              obj.alg = reader.string()
              break
            }
            case 3: {
              obj.owner = reader.bytes()
              break
            }
            case 4: {
              obj.nonce = reader.bytes()
              break
            }
            case 5: {
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
                field: `${prefix}.alg`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
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

  export interface HistorySegmentVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface HistorySegmentAlgFieldEvent {
    field: '$.alg'
    value: string
  }

  export interface HistorySegmentOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HistorySegmentNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HistorySegmentCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<HistorySegment>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HistorySegment.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistorySegment>): HistorySegment {
    return decodeMessage(buf, HistorySegment.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistorySegment>): Generator<HistorySegmentVersionFieldEvent | HistorySegmentAlgFieldEvent | HistorySegmentOwnerFieldEvent | HistorySegmentNonceFieldEvent | HistorySegmentCiphertextFieldEvent> {
    return streamMessage(buf, HistorySegment.codec(), opts)
  }
}

export interface HistorySegmentBody {
  envelopes: Uint8Array<ArrayBuffer>[]
  replaces: Uint8Array<ArrayBuffer>[]
}

export namespace HistorySegmentBody {
  let _codec: Codec<HistorySegmentBody>

  export const codec = (): Codec<HistorySegmentBody> => {
    if (_codec == null) {
      _codec = message<HistorySegmentBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.envelopes != null && obj.envelopes.length > 0) {
          for (const value of obj.envelopes) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (obj.replaces != null && obj.replaces.length > 0) {
          for (const value of obj.replaces) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          envelopes: [],
          replaces: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.envelopes != null && obj.envelopes.length === opts.limits.envelopes) {
                throw new MaxLengthError('Decode error - repeated field "envelopes" had too many elements')
              }

              obj.envelopes.push(reader.bytes())
              break
            }
            case 2: {
              if (opts.limits?.replaces != null && obj.replaces.length === opts.limits.replaces) {
                throw new MaxLengthError('Decode error - repeated field "replaces" had too many elements')
              }

              obj.replaces.push(reader.bytes())
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
          envelopes: 0,
          replaces: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.envelopes != null && obj.envelopes === opts.limits.envelopes) {
                throw new MaxLengthError('Streaming decode error - repeated field "envelopes" had too many elements')
              }

              yield {
                field: `${prefix}.envelopes[]`,
                index: obj.envelopes,
                value: reader.bytes()
              }

              obj.envelopes++

              break
            }
            case 2: {
              if (opts.limits?.replaces != null && obj.replaces === opts.limits.replaces) {
                throw new MaxLengthError('Streaming decode error - repeated field "replaces" had too many elements')
              }

              yield {
                field: `${prefix}.replaces[]`,
                index: obj.replaces,
                value: reader.bytes()
              }

              obj.replaces++

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

  export interface HistorySegmentBodyEnvelopesFieldEvent {
    field: '$.envelopes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface HistorySegmentBodyReplacesFieldEvent {
    field: '$.replaces[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<HistorySegmentBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HistorySegmentBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistorySegmentBody>): HistorySegmentBody {
    return decodeMessage(buf, HistorySegmentBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistorySegmentBody>): Generator<HistorySegmentBodyEnvelopesFieldEvent | HistorySegmentBodyReplacesFieldEvent> {
    return streamMessage(buf, HistorySegmentBody.codec(), opts)
  }
}
