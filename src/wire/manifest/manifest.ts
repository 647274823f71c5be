import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ManifestBody {
  version: number
  namespace: string
  owner: Uint8Array<ArrayBuffer>
  placementKey: Uint8Array<ArrayBuffer>
  k: number
  m: number
  originalLength: number
  shardSize: number
  shardHashes: Uint8Array<ArrayBuffer>[]
  createdAt: number
  shardRoot?: Uint8Array<ArrayBuffer>
}

export namespace ManifestBody {
  let _codec: Codec<ManifestBody>

  export const codec = (): Codec<ManifestBody> => {
    if (_codec == null) {
      _codec = message<ManifestBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.namespace != null && obj.namespace !== '')) {
          w.uint32(18)
          w.string(obj.namespace)
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.owner)
        }

        if ((obj.placementKey != null && obj.placementKey.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.placementKey)
        }

        if ((obj.k != null && obj.k !== 0)) {
          w.uint32(40)
          w.uint32(obj.k)
        }

        if ((obj.m != null && obj.m !== 0)) {
          w.uint32(48)
          w.uint32(obj.m)
        }

        if ((obj.originalLength != null && obj.originalLength !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.originalLength)
        }

        if ((obj.shardSize != null && obj.shardSize !== 0)) {
          w.uint32(64)
          w.uint32(obj.shardSize)
        }

        if (obj.shardHashes != null && obj.shardHashes.length > 0) {
          for (const value of obj.shardHashes) {
            w.uint32(74)
            w.bytes(value)
          }
        }

        if ((obj.createdAt != null && obj.createdAt !== 0)) {
          w.uint32(80)
          w.uint64Number(obj.createdAt)
        }

        if (obj.shardRoot != null) {
          w.uint32(90)
          w.bytes(obj.shardRoot)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          namespace: '',
          owner: uint8ArrayAlloc(0),
          placementKey: uint8ArrayAlloc(0),
          k: 0,
          m: 0,
          originalLength: 0,
          shardSize: 0,
          shardHashes: [],
          createdAt: 0
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
              obj.namespace = reader.string()
              break
            }
            case 3: {
              obj.owner = reader.bytes()
              break
            }
            case 4: {
              obj.placementKey = reader.bytes()
              break
            }
            case 5: {
              obj.k = reader.uint32()
              break
            }
            case 6: {
              obj.m = reader.uint32()
              break
            }
            case 7: {
              obj.originalLength = reader.uint64Number()
              break
            }
            case 8: {
              obj.shardSize = reader.uint32()
              break
            }
            case 9: {
              if (opts.limits?.shardHashes != null && obj.shardHashes.length === opts.limits.shardHashes) {
                throw new MaxLengthError('Decode error - repeated field "shardHashes" had too many elements')
              }

              obj.shardHashes.push(reader.bytes())
              break
            }
            case 10: {
              obj.createdAt = reader.uint64Number()
              break
            }
            case 11: {
              obj.shardRoot = reader.bytes()
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
          shardHashes: 0
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
                field: `${prefix}.namespace`,
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
                field: `${prefix}.placementKey`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.k`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.m`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.originalLength`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.shardSize`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              if (opts.limits?.shardHashes != null && obj.shardHashes === opts.limits.shardHashes) {
                throw new MaxLengthError('Streaming decode error - repeated field "shardHashes" had too many elements')
              }

              yield {
                field: `${prefix}.shardHashes[]`,
                index: obj.shardHashes,
                value: reader.bytes()
              }

              obj.shardHashes++

              break
            }
            case 10: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.shardRoot`,
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

  export interface ManifestBodyVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface ManifestBodyNamespaceFieldEvent {
    field: '$.namespace'
    value: string
  }

  export interface ManifestBodyOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestBodyPlacementKeyFieldEvent {
    field: '$.placementKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestBodyKFieldEvent {
    field: '$.k'
    value: number
  }

  export interface ManifestBodyMFieldEvent {
    field: '$.m'
    value: number
  }

  export interface ManifestBodyOriginalLengthFieldEvent {
    field: '$.originalLength'
    value: number
  }

  export interface ManifestBodyShardSizeFieldEvent {
    field: '$.shardSize'
    value: number
  }

  export interface ManifestBodyShardHashesFieldEvent {
    field: '$.shardHashes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestBodyCreatedAtFieldEvent {
    field: '$.createdAt'
    value: number
  }

  export interface ManifestBodyShardRootFieldEvent {
    field: '$.shardRoot'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ManifestBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ManifestBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestBody>): ManifestBody {
    return decodeMessage(buf, ManifestBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestBody>): Generator<ManifestBodyVersionFieldEvent | ManifestBodyNamespaceFieldEvent | ManifestBodyOwnerFieldEvent | ManifestBodyPlacementKeyFieldEvent | ManifestBodyKFieldEvent | ManifestBodyMFieldEvent | ManifestBodyOriginalLengthFieldEvent | ManifestBodyShardSizeFieldEvent | ManifestBodyShardHashesFieldEvent | ManifestBodyCreatedAtFieldEvent | ManifestBodyShardRootFieldEvent> {
    return streamMessage(buf, ManifestBody.codec(), opts)
  }
}

export interface SignedManifest {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedManifest {
  let _codec: Codec<SignedManifest>

  export const codec = (): Codec<SignedManifest> => {
    if (_codec == null) {
      _codec = message<SignedManifest>((obj, w, opts = {}) => {
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

  export interface SignedManifestBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedManifestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedManifest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedManifest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedManifest>): SignedManifest {
    return decodeMessage(buf, SignedManifest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedManifest>): Generator<SignedManifestBodyFieldEvent | SignedManifestSignatureFieldEvent> {
    return streamMessage(buf, SignedManifest.codec(), opts)
  }
}
