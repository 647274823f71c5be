import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface KeyBundleBody {
  version: number
  owner: Uint8Array<ArrayBuffer>
  x25519PublicKey: Uint8Array<ArrayBuffer>
  createdAt: number
  displayName: string
}

export namespace KeyBundleBody {
  let _codec: Codec<KeyBundleBody>

  export const codec = (): Codec<KeyBundleBody> => {
    if (_codec == null) {
      _codec = message<KeyBundleBody>((obj, w, opts = {}) => {
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

        if ((obj.x25519PublicKey != null && obj.x25519PublicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.x25519PublicKey)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.createdAt)
        }

        if ((obj.displayName != null && obj.displayName !== '')) {
          w.uint32(42)
          w.string(obj.displayName)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          owner: uint8ArrayAlloc(0),
          x25519PublicKey: uint8ArrayAlloc(0),
          createdAt: 0,
          displayName: ''
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
              obj.x25519PublicKey = reader.bytes()
              break
            }
            case 4: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 5: {
              obj.displayName = reader.string()
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
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.x25519PublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.displayName`,
                value: reader.string()
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

  export interface KeyBundleBodyVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface KeyBundleBodyOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyBundleBodyX25519PublicKeyFieldEvent {
    field: '$.x25519PublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyBundleBodyCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface KeyBundleBodyDisplayNameFieldEvent {
    field: '$.displayName'
    value: string
  }

  export function encode (obj: Partial<KeyBundleBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeyBundleBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyBundleBody>): KeyBundleBody {
    return decodeMessage(buf, KeyBundleBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyBundleBody>): Generator<KeyBundleBodyVersionFieldEvent | KeyBundleBodyOwnerFieldEvent | KeyBundleBodyX25519PublicKeyFieldEvent | KeyBundleBodyCreatedAtFieldEvent | KeyBundleBodyDisplayNameFieldEvent> {
    return streamMessage(buf, KeyBundleBody.codec(), opts)
  }
}

export interface SignedKeyBundle {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedKeyBundle {
  let _codec: Codec<SignedKeyBundle>

  export const codec = (): Codec<SignedKeyBundle> => {
    if (_codec == null) {
      _codec = message<SignedKeyBundle>((obj, w, opts = {}) => {
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

  export interface SignedKeyBundleBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedKeyBundleSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedKeyBundle>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedKeyBundle.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedKeyBundle>): SignedKeyBundle {
    return decodeMessage(buf, SignedKeyBundle.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedKeyBundle>): Generator<SignedKeyBundleBodyFieldEvent | SignedKeyBundleSignatureFieldEvent> {
    return streamMessage(buf, SignedKeyBundle.codec(), opts)
  }
}
