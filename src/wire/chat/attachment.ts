import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface AttachmentRef {
  version: number
  alg: string
  objectIds: Uint8Array<ArrayBuffer>[]
  size: number
  chunkBytes: number
  mimeType: string
  name: string
  sha256: Uint8Array<ArrayBuffer>
  contentKey: Uint8Array<ArrayBuffer>
  thumbnail: Uint8Array<ArrayBuffer>
  thumbnailType: string
}

export namespace AttachmentRef {
  let _codec: Codec<AttachmentRef>

  export const codec = (): Codec<AttachmentRef> => {
    if (_codec == null) {
      _codec = message<AttachmentRef>((obj, w, opts = {}) => {
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

        if (obj.objectIds != null && obj.objectIds.length > 0) {
          for (const value of obj.objectIds) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.size)
        }

        if ((obj.chunkBytes != null && obj.chunkBytes !== 0)) {
          w.uint32(40)
          w.uint32(obj.chunkBytes)
        }

        if ((obj.mimeType != null && obj.mimeType !== '')) {
          w.uint32(50)
          w.string(obj.mimeType)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(58)
          w.string(obj.name)
        }

        if ((obj.sha256 != null && obj.sha256.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.sha256)
        }

        if ((obj.contentKey != null && obj.contentKey.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.contentKey)
        }

        if ((obj.thumbnail != null && obj.thumbnail.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.thumbnail)
        }

        if ((obj.thumbnailType != null && obj.thumbnailType !== '')) {
          w.uint32(90)
          w.string(obj.thumbnailType)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          alg: '',
          objectIds: [],
          size: 0,
          chunkBytes: 0,
          mimeType: '',
          name: '',
          sha256: uint8ArrayAlloc(0),
          contentKey: uint8ArrayAlloc(0),
          thumbnail: uint8ArrayAlloc(0),
          thumbnailType: ''
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
              if (opts.limits?.objectIds != null && obj.objectIds.length === opts.limits.objectIds) {
                throw new MaxLengthError('Decode error - repeated field "objectIds" had too many elements')
              }

              obj.objectIds.push(reader.bytes())
              break
            }
            case 4: {
              obj.size = reader.uint64Number()
              break
            }
            case 5: {
              obj.chunkBytes = reader.uint32()
              break
            }
            case 6: {
              obj.mimeType = reader.string()
              break
            }
            case 7: {
              obj.name = reader.string()
              break
            }
            case 8: {
              obj.sha256 = reader.bytes()
              break
            }
            case 9: {
              obj.contentKey = reader.bytes()
              break
            }
            case 10: {
              obj.thumbnail = reader.bytes()
              break
            }
            case 11: {
              obj.thumbnailType = reader.string()
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
          objectIds: 0
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
                field: `${prefix}.alg`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.objectIds != null && obj.objectIds === opts.limits.objectIds) {
                throw new MaxLengthError('Streaming decode error - repeated field "objectIds" had too many elements')
              }

              yield {
                field: `${prefix}.objectIds[]`,
                index: obj.objectIds,
                value: reader.bytes()
              }

              obj.objectIds++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.chunkBytes`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.mimeType`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.sha256`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.contentKey`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.thumbnail`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.thumbnailType`,
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

  export interface AttachmentRefVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface AttachmentRefAlgFieldEvent {
    field: '$.alg'
    value: string
  }

  export interface AttachmentRefObjectIdsFieldEvent {
    field: '$.objectIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface AttachmentRefSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface AttachmentRefChunkBytesFieldEvent {
    field: '$.chunkBytes'
    value: number
  }

  export interface AttachmentRefMimeTypeFieldEvent {
    field: '$.mimeType'
    value: string
  }

  export interface AttachmentRefNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface AttachmentRefSha256FieldEvent {
    field: '$.sha256'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AttachmentRefContentKeyFieldEvent {
    field: '$.contentKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AttachmentRefThumbnailFieldEvent {
    field: '$.thumbnail'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AttachmentRefThumbnailTypeFieldEvent {
    field: '$.thumbnailType'
    value: string
  }

  export function encode (obj: Partial<AttachmentRef>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AttachmentRef.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttachmentRef>): AttachmentRef {
    return decodeMessage(buf, AttachmentRef.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AttachmentRef>): Generator<AttachmentRefVersionFieldEvent | AttachmentRefAlgFieldEvent | AttachmentRefObjectIdsFieldEvent | AttachmentRefSizeFieldEvent | AttachmentRefChunkBytesFieldEvent | AttachmentRefMimeTypeFieldEvent | AttachmentRefNameFieldEvent | AttachmentRefSha256FieldEvent | AttachmentRefContentKeyFieldEvent | AttachmentRefThumbnailFieldEvent | AttachmentRefThumbnailTypeFieldEvent> {
    return streamMessage(buf, AttachmentRef.codec(), opts)
  }
}
