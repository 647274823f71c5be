import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ChunkRequest {
  version: number
  store?: StoreRequest
  fetch?: FetchRequest
  delete?: DeleteRequest
  list?: ListRequest
  stores: StoreRequest[]
}

export namespace ChunkRequest {
  let _codec: Codec<ChunkRequest>

  export const codec = (): Codec<ChunkRequest> => {
    if (_codec == null) {
      _codec = message<ChunkRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.store != null) {
          w.uint32(18)
          StoreRequest.codec().encode(obj.store, w)
        }

        if (obj.fetch != null) {
          w.uint32(26)
          FetchRequest.codec().encode(obj.fetch, w)
        }

        if (obj.delete != null) {
          w.uint32(34)
          DeleteRequest.codec().encode(obj.delete, w)
        }

        if (obj.list != null) {
          w.uint32(42)
          ListRequest.codec().encode(obj.list, w)
        }

        if (obj.stores != null && obj.stores.length > 0) {
          for (const value of obj.stores) {
            w.uint32(50)
            StoreRequest.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          stores: []
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
              obj.store = StoreRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.store
              })
              break
            }
            case 3: {
              obj.fetch = FetchRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetch
              })
              break
            }
            case 4: {
              obj.delete = DeleteRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delete
              })
              break
            }
            case 5: {
              obj.list = ListRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.list
              })
              break
            }
            case 6: {
              if (opts.limits?.stores != null && obj.stores.length === opts.limits.stores) {
                throw new MaxLengthError('Decode error - repeated field "stores" had too many elements')
              }

              obj.stores.push(StoreRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.stores$
              }))
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
          stores: 0
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
              yield * StoreRequest.codec().stream(reader, reader.uint32(), `${prefix}.store`, {
                limits: opts.limits?.store
              })

              break
            }
            case 3: {
              yield * FetchRequest.codec().stream(reader, reader.uint32(), `${prefix}.fetch`, {
                limits: opts.limits?.fetch
              })

              break
            }
            case 4: {
              yield * DeleteRequest.codec().stream(reader, reader.uint32(), `${prefix}.delete`, {
                limits: opts.limits?.delete
              })

              break
            }
            case 5: {
              yield * ListRequest.codec().stream(reader, reader.uint32(), `${prefix}.list`, {
                limits: opts.limits?.list
              })

              break
            }
            case 6: {
              if (opts.limits?.stores != null && obj.stores === opts.limits.stores) {
                throw new MaxLengthError('Streaming decode error - repeated field "stores" had too many elements')
              }

              for (const evt of StoreRequest.codec().stream(reader, reader.uint32(), `${prefix}.stores[]`, {
                limits: opts.limits?.stores$
              })) {
                yield {
                  ...evt,
                  index: obj.stores
                }
              }

              obj.stores++

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

  export interface ChunkRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface ChunkRequestStoreManifestFieldEvent {
    field: '$.store.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestStoreShardIndexFieldEvent {
    field: '$.store.shardIndex'
    value: number
  }

  export interface ChunkRequestStoreShardFieldEvent {
    field: '$.store.shard'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestStoreSoleFieldEvent {
    field: '$.store.sole'
    value: boolean
  }

  export interface ChunkRequestStoreShardProofFieldEvent {
    field: '$.store.shardProof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestStoreInboxPassFieldEvent {
    field: '$.store.inboxPass'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestFetchPlacementKeyFieldEvent {
    field: '$.fetch.placementKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestFetchObjectIdFieldEvent {
    field: '$.fetch.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestFetchAfterObjectIdFieldEvent {
    field: '$.fetch.after.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestFetchAfterShardIndexFieldEvent {
    field: '$.fetch.after.shardIndex'
    value: number
  }

  export interface ChunkRequestFetchObjectIdsFieldEvent {
    field: '$.fetch.objectIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestDeleteObjectIdFieldEvent {
    field: '$.delete.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestDeleteShardIndexFieldEvent {
    field: '$.delete.shardIndex'
    value: number
  }

  export interface ChunkRequestDeleteOwnerFieldEvent {
    field: '$.delete.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestDeleteTimestampFieldEvent {
    field: '$.delete.timestamp'
    value: number
  }

  export interface ChunkRequestDeleteSignatureFieldEvent {
    field: '$.delete.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestListPlacementKeyFieldEvent {
    field: '$.list.placementKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestListAfterObjectIdFieldEvent {
    field: '$.list.after.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkRequestListAfterShardIndexFieldEvent {
    field: '$.list.after.shardIndex'
    value: number
  }

  export interface ChunkRequestStoresManifestFieldEvent {
    field: '$.stores[].manifest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkRequestStoresShardIndexFieldEvent {
    field: '$.stores[].shardIndex'
    value: number
    index: number
  }

  export interface ChunkRequestStoresShardFieldEvent {
    field: '$.stores[].shard'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkRequestStoresSoleFieldEvent {
    field: '$.stores[].sole'
    value: boolean
    index: number
  }

  export interface ChunkRequestStoresShardProofFieldEvent {
    field: '$.stores[].shardProof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkRequestStoresInboxPassFieldEvent {
    field: '$.stores[].inboxPass'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<ChunkRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChunkRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRequest>): ChunkRequest {
    return decodeMessage(buf, ChunkRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRequest>): Generator<ChunkRequestVersionFieldEvent | ChunkRequestStoreManifestFieldEvent | ChunkRequestStoreShardIndexFieldEvent | ChunkRequestStoreShardFieldEvent | ChunkRequestStoreSoleFieldEvent | ChunkRequestStoreShardProofFieldEvent | ChunkRequestStoreInboxPassFieldEvent | ChunkRequestFetchPlacementKeyFieldEvent | ChunkRequestFetchObjectIdFieldEvent | ChunkRequestFetchAfterObjectIdFieldEvent | ChunkRequestFetchAfterShardIndexFieldEvent | ChunkRequestFetchObjectIdsFieldEvent | ChunkRequestDeleteObjectIdFieldEvent | ChunkRequestDeleteShardIndexFieldEvent | ChunkRequestDeleteOwnerFieldEvent | ChunkRequestDeleteTimestampFieldEvent | ChunkRequestDeleteSignatureFieldEvent | ChunkRequestListPlacementKeyFieldEvent | ChunkRequestListAfterObjectIdFieldEvent | ChunkRequestListAfterShardIndexFieldEvent | ChunkRequestStoresManifestFieldEvent | ChunkRequestStoresShardIndexFieldEvent | ChunkRequestStoresShardFieldEvent | ChunkRequestStoresSoleFieldEvent | ChunkRequestStoresShardProofFieldEvent | ChunkRequestStoresInboxPassFieldEvent> {
    return streamMessage(buf, ChunkRequest.codec(), opts)
  }
}

export interface StoreRequest {
  manifest: Uint8Array<ArrayBuffer>
  shardIndex: number
  shard: Uint8Array<ArrayBuffer>
  sole?: boolean
  shardProof?: Uint8Array<ArrayBuffer>
  inboxPass?: Uint8Array<ArrayBuffer>
}

export namespace StoreRequest {
  let _codec: Codec<StoreRequest>

  export const codec = (): Codec<StoreRequest> => {
    if (_codec == null) {
      _codec = message<StoreRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.manifest)
        }

        if ((obj.shardIndex != null && obj.shardIndex !== 0)) {
          w.uint32(16)
          w.uint32(obj.shardIndex)
        }

        if ((obj.shard != null && obj.shard.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.shard)
        }

        if (obj.sole != null) {
          w.uint32(32)
          w.bool(obj.sole)
        }

        if (obj.shardProof != null) {
          w.uint32(42)
          w.bytes(obj.shardProof)
        }

        if (obj.inboxPass != null) {
          w.uint32(50)
          w.bytes(obj.inboxPass)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          manifest: uint8ArrayAlloc(0),
          shardIndex: 0,
          shard: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.manifest = reader.bytes()
              break
            }
            case 2: {
              obj.shardIndex = reader.uint32()
              break
            }
            case 3: {
              obj.shard = reader.bytes()
              break
            }
            case 4: {
              obj.sole = reader.bool()
              break
            }
            case 5: {
              obj.shardProof = reader.bytes()
              break
            }
            case 6: {
              obj.inboxPass = reader.bytes()
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
                field: `${prefix}.manifest`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.shardIndex`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.shard`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sole`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.shardProof`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.inboxPass`,
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

  export interface StoreRequestManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreRequestShardIndexFieldEvent {
    field: '$.shardIndex'
    value: number
  }

  export interface StoreRequestShardFieldEvent {
    field: '$.shard'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreRequestSoleFieldEvent {
    field: '$.sole'
    value: boolean
  }

  export interface StoreRequestShardProofFieldEvent {
    field: '$.shardProof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreRequestInboxPassFieldEvent {
    field: '$.inboxPass'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<StoreRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoreRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreRequest>): StoreRequest {
    return decodeMessage(buf, StoreRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreRequest>): Generator<StoreRequestManifestFieldEvent | StoreRequestShardIndexFieldEvent | StoreRequestShardFieldEvent | StoreRequestSoleFieldEvent | StoreRequestShardProofFieldEvent | StoreRequestInboxPassFieldEvent> {
    return streamMessage(buf, StoreRequest.codec(), opts)
  }
}

export interface ShardCursor {
  objectId: Uint8Array<ArrayBuffer>
  shardIndex: number
}

export namespace ShardCursor {
  let _codec: Codec<ShardCursor>

  export const codec = (): Codec<ShardCursor> => {
    if (_codec == null) {
      _codec = message<ShardCursor>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.objectId != null && obj.objectId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.objectId)
        }

        if ((obj.shardIndex != null && obj.shardIndex !== 0)) {
          w.uint32(16)
          w.uint32(obj.shardIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          objectId: uint8ArrayAlloc(0),
          shardIndex: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.objectId = reader.bytes()
              break
            }
            case 2: {
              obj.shardIndex = reader.uint32()
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
                field: `${prefix}.objectId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.shardIndex`,
                value: reader.uint32()
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

  export interface ShardCursorObjectIdFieldEvent {
    field: '$.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardCursorShardIndexFieldEvent {
    field: '$.shardIndex'
    value: number
  }

  export function encode (obj: Partial<ShardCursor>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardCursor.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardCursor>): ShardCursor {
    return decodeMessage(buf, ShardCursor.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardCursor>): Generator<ShardCursorObjectIdFieldEvent | ShardCursorShardIndexFieldEvent> {
    return streamMessage(buf, ShardCursor.codec(), opts)
  }
}

export interface FetchRequest {
  placementKey?: Uint8Array<ArrayBuffer>
  objectId?: Uint8Array<ArrayBuffer>
  after?: ShardCursor
  objectIds: Uint8Array<ArrayBuffer>[]
}

export namespace FetchRequest {
  let _codec: Codec<FetchRequest>

  export const codec = (): Codec<FetchRequest> => {
    if (_codec == null) {
      _codec = message<FetchRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.placementKey != null) {
          w.uint32(10)
          w.bytes(obj.placementKey)
        }

        if (obj.objectId != null) {
          w.uint32(18)
          w.bytes(obj.objectId)
        }

        if (obj.after != null) {
          w.uint32(26)
          ShardCursor.codec().encode(obj.after, w)
        }

        if (obj.objectIds != null && obj.objectIds.length > 0) {
          for (const value of obj.objectIds) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          objectIds: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.placementKey = reader.bytes()
              break
            }
            case 2: {
              obj.objectId = reader.bytes()
              break
            }
            case 3: {
              obj.after = ShardCursor.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.after
              })
              break
            }
            case 4: {
              if (opts.limits?.objectIds != null && obj.objectIds.length === opts.limits.objectIds) {
                throw new MaxLengthError('Decode error - repeated field "objectIds" had too many elements')
              }

              obj.objectIds.push(reader.bytes())
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
                field: `${prefix}.placementKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.objectId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield * ShardCursor.codec().stream(reader, reader.uint32(), `${prefix}.after`, {
                limits: opts.limits?.after
              })

              break
            }
            case 4: {
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

  export interface FetchRequestPlacementKeyFieldEvent {
    field: '$.placementKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchRequestObjectIdFieldEvent {
    field: '$.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchRequestAfterObjectIdFieldEvent {
    field: '$.after.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FetchRequestAfterShardIndexFieldEvent {
    field: '$.after.shardIndex'
    value: number
  }

  export interface FetchRequestObjectIdsFieldEvent {
    field: '$.objectIds[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FetchRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): FetchRequest {
    return decodeMessage(buf, FetchRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): Generator<FetchRequestPlacementKeyFieldEvent | FetchRequestObjectIdFieldEvent | FetchRequestAfterObjectIdFieldEvent | FetchRequestAfterShardIndexFieldEvent | FetchRequestObjectIdsFieldEvent> {
    return streamMessage(buf, FetchRequest.codec(), opts)
  }
}

export interface DeleteRequest {
  objectId: Uint8Array<ArrayBuffer>
  shardIndex?: number
  owner: Uint8Array<ArrayBuffer>
  timestamp: number
  signature: Uint8Array<ArrayBuffer>
}

export namespace DeleteRequest {
  let _codec: Codec<DeleteRequest>

  export const codec = (): Codec<DeleteRequest> => {
    if (_codec == null) {
      _codec = message<DeleteRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.objectId != null && obj.objectId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.objectId)
        }

        if (obj.shardIndex != null) {
          w.uint32(16)
          w.uint32(obj.shardIndex)
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.owner)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.timestamp)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          objectId: uint8ArrayAlloc(0),
          owner: uint8ArrayAlloc(0),
          timestamp: 0,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.objectId = reader.bytes()
              break
            }
            case 2: {
              obj.shardIndex = reader.uint32()
              break
            }
            case 3: {
              obj.owner = reader.bytes()
              break
            }
            case 4: {
              obj.timestamp = reader.uint64Number()
              break
            }
            case 5: {
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
                field: `${prefix}.objectId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.shardIndex`,
                value: reader.uint32()
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
                field: `${prefix}.timestamp`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
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

  export interface DeleteRequestObjectIdFieldEvent {
    field: '$.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeleteRequestShardIndexFieldEvent {
    field: '$.shardIndex'
    value: number
  }

  export interface DeleteRequestOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeleteRequestTimestampFieldEvent {
    field: '$.timestamp'
    value: number
  }

  export interface DeleteRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DeleteRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DeleteRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeleteRequest>): DeleteRequest {
    return decodeMessage(buf, DeleteRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeleteRequest>): Generator<DeleteRequestObjectIdFieldEvent | DeleteRequestShardIndexFieldEvent | DeleteRequestOwnerFieldEvent | DeleteRequestTimestampFieldEvent | DeleteRequestSignatureFieldEvent> {
    return streamMessage(buf, DeleteRequest.codec(), opts)
  }
}

export interface ListRequest {
  placementKey?: Uint8Array<ArrayBuffer>
  after?: ShardCursor
}

export namespace ListRequest {
  let _codec: Codec<ListRequest>

  export const codec = (): Codec<ListRequest> => {
    if (_codec == null) {
      _codec = message<ListRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.placementKey != null) {
          w.uint32(10)
          w.bytes(obj.placementKey)
        }

        if (obj.after != null) {
          w.uint32(18)
          ShardCursor.codec().encode(obj.after, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.placementKey = reader.bytes()
              break
            }
            case 2: {
              obj.after = ShardCursor.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.after
              })
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
                field: `${prefix}.placementKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * ShardCursor.codec().stream(reader, reader.uint32(), `${prefix}.after`, {
                limits: opts.limits?.after
              })

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

  export interface ListRequestPlacementKeyFieldEvent {
    field: '$.placementKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ListRequestAfterObjectIdFieldEvent {
    field: '$.after.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ListRequestAfterShardIndexFieldEvent {
    field: '$.after.shardIndex'
    value: number
  }

  export function encode (obj: Partial<ListRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ListRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ListRequest>): ListRequest {
    return decodeMessage(buf, ListRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ListRequest>): Generator<ListRequestPlacementKeyFieldEvent | ListRequestAfterObjectIdFieldEvent | ListRequestAfterShardIndexFieldEvent> {
    return streamMessage(buf, ListRequest.codec(), opts)
  }
}

export enum ChunkStatus {
  STATUS_UNSPECIFIED = 'STATUS_UNSPECIFIED',
  OK = 'OK',
  MALFORMED = 'MALFORMED',
  UNSUPPORTED_VERSION = 'UNSUPPORTED_VERSION',
  OVERSIZE = 'OVERSIZE',
  BAD_SIGNATURE = 'BAD_SIGNATURE',
  HASH_MISMATCH = 'HASH_MISMATCH',
  NOT_OWNER = 'NOT_OWNER',
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
  NOT_FOUND = 'NOT_FOUND',
  INTERNAL = 'INTERNAL',
  UNSUPPORTED_NAMESPACE = 'UNSUPPORTED_NAMESPACE',
  EXPIRED = 'EXPIRED',
  BUSY = 'BUSY',
  HOLDS_OTHER_SHARD = 'HOLDS_OTHER_SHARD',
  DELETED = 'DELETED',
  UNSUPPORTED_STRIPE = 'UNSUPPORTED_STRIPE'
}

enum __ChunkStatusValues {
  STATUS_UNSPECIFIED = 0,
  OK = 1,
  MALFORMED = 2,
  UNSUPPORTED_VERSION = 3,
  OVERSIZE = 4,
  BAD_SIGNATURE = 5,
  HASH_MISMATCH = 6,
  NOT_OWNER = 7,
  QUOTA_EXCEEDED = 8,
  NOT_FOUND = 9,
  INTERNAL = 10,
  UNSUPPORTED_NAMESPACE = 11,
  EXPIRED = 12,
  BUSY = 13,
  HOLDS_OTHER_SHARD = 14,
  DELETED = 15,
  UNSUPPORTED_STRIPE = 16
}

export namespace ChunkStatus {
  export const codec = (): Codec<ChunkStatus> => {
    return enumeration<ChunkStatus>(__ChunkStatusValues)
  }
}

export interface StoreAck {
  objectId: Uint8Array<ArrayBuffer>
  shardIndex: number
  shardHash: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  storedAt: number
}

export namespace StoreAck {
  let _codec: Codec<StoreAck>

  export const codec = (): Codec<StoreAck> => {
    if (_codec == null) {
      _codec = message<StoreAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.objectId != null && obj.objectId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.objectId)
        }

        if ((obj.shardIndex != null && obj.shardIndex !== 0)) {
          w.uint32(16)
          w.uint32(obj.shardIndex)
        }

        if ((obj.shardHash != null && obj.shardHash.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.shardHash)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if ((obj.storedAt != null && obj.storedAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.storedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          objectId: uint8ArrayAlloc(0),
          shardIndex: 0,
          shardHash: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          storedAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.objectId = reader.bytes()
              break
            }
            case 2: {
              obj.shardIndex = reader.uint32()
              break
            }
            case 3: {
              obj.shardHash = reader.bytes()
              break
            }
            case 4: {
              obj.signature = reader.bytes()
              break
            }
            case 5: {
              obj.storedAt = reader.uint64Number()
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
                field: `${prefix}.objectId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.shardIndex`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.shardHash`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.storedAt`,
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

  export interface StoreAckObjectIdFieldEvent {
    field: '$.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreAckShardIndexFieldEvent {
    field: '$.shardIndex'
    value: number
  }

  export interface StoreAckShardHashFieldEvent {
    field: '$.shardHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreAckSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreAckStoredAtFieldEvent {
    field: '$.storedAt'
    value: number
  }

  export function encode (obj: Partial<StoreAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoreAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreAck>): StoreAck {
    return decodeMessage(buf, StoreAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreAck>): Generator<StoreAckObjectIdFieldEvent | StoreAckShardIndexFieldEvent | StoreAckShardHashFieldEvent | StoreAckSignatureFieldEvent | StoreAckStoredAtFieldEvent> {
    return streamMessage(buf, StoreAck.codec(), opts)
  }
}

export interface StoredShard {
  manifest: Uint8Array<ArrayBuffer>
  shardIndex: number
  shard: Uint8Array<ArrayBuffer>
  shardProof?: Uint8Array<ArrayBuffer>
}

export namespace StoredShard {
  let _codec: Codec<StoredShard>

  export const codec = (): Codec<StoredShard> => {
    if (_codec == null) {
      _codec = message<StoredShard>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.manifest)
        }

        if ((obj.shardIndex != null && obj.shardIndex !== 0)) {
          w.uint32(16)
          w.uint32(obj.shardIndex)
        }

        if ((obj.shard != null && obj.shard.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.shard)
        }

        if (obj.shardProof != null) {
          w.uint32(34)
          w.bytes(obj.shardProof)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          manifest: uint8ArrayAlloc(0),
          shardIndex: 0,
          shard: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.manifest = reader.bytes()
              break
            }
            case 2: {
              obj.shardIndex = reader.uint32()
              break
            }
            case 3: {
              obj.shard = reader.bytes()
              break
            }
            case 4: {
              obj.shardProof = reader.bytes()
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
                field: `${prefix}.manifest`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.shardIndex`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.shard`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.shardProof`,
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

  export interface StoredShardManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoredShardShardIndexFieldEvent {
    field: '$.shardIndex'
    value: number
  }

  export interface StoredShardShardFieldEvent {
    field: '$.shard'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoredShardShardProofFieldEvent {
    field: '$.shardProof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<StoredShard>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoredShard.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredShard>): StoredShard {
    return decodeMessage(buf, StoredShard.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredShard>): Generator<StoredShardManifestFieldEvent | StoredShardShardIndexFieldEvent | StoredShardShardFieldEvent | StoredShardShardProofFieldEvent> {
    return streamMessage(buf, StoredShard.codec(), opts)
  }
}

export interface ShardSummary {
  objectId: Uint8Array<ArrayBuffer>
  shardIndex: number
  shardHash: Uint8Array<ArrayBuffer>
  size: number
  placementKey: Uint8Array<ArrayBuffer>
  owner: Uint8Array<ArrayBuffer>
  storedAt: number
}

export namespace ShardSummary {
  let _codec: Codec<ShardSummary>

  export const codec = (): Codec<ShardSummary> => {
    if (_codec == null) {
      _codec = message<ShardSummary>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.objectId != null && obj.objectId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.objectId)
        }

        if ((obj.shardIndex != null && obj.shardIndex !== 0)) {
          w.uint32(16)
          w.uint32(obj.shardIndex)
        }

        if ((obj.shardHash != null && obj.shardHash.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.shardHash)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(32)
          w.uint32(obj.size)
        }

        if ((obj.placementKey != null && obj.placementKey.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.placementKey)
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.owner)
        }

        if ((obj.storedAt != null && obj.storedAt !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.storedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          objectId: uint8ArrayAlloc(0),
          shardIndex: 0,
          shardHash: uint8ArrayAlloc(0),
          size: 0,
          placementKey: uint8ArrayAlloc(0),
          owner: uint8ArrayAlloc(0),
          storedAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.objectId = reader.bytes()
              break
            }
            case 2: {
              obj.shardIndex = reader.uint32()
              break
            }
            case 3: {
              obj.shardHash = reader.bytes()
              break
            }
            case 4: {
              obj.size = reader.uint32()
              break
            }
            case 5: {
              obj.placementKey = reader.bytes()
              break
            }
            case 6: {
              obj.owner = reader.bytes()
              break
            }
            case 7: {
              obj.storedAt = reader.uint64Number()
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
                field: `${prefix}.objectId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.shardIndex`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.shardHash`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.placementKey`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.storedAt`,
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

  export interface ShardSummaryObjectIdFieldEvent {
    field: '$.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardSummaryShardIndexFieldEvent {
    field: '$.shardIndex'
    value: number
  }

  export interface ShardSummaryShardHashFieldEvent {
    field: '$.shardHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardSummarySizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface ShardSummaryPlacementKeyFieldEvent {
    field: '$.placementKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardSummaryOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShardSummaryStoredAtFieldEvent {
    field: '$.storedAt'
    value: number
  }

  export function encode (obj: Partial<ShardSummary>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShardSummary.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardSummary>): ShardSummary {
    return decodeMessage(buf, ShardSummary.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShardSummary>): Generator<ShardSummaryObjectIdFieldEvent | ShardSummaryShardIndexFieldEvent | ShardSummaryShardHashFieldEvent | ShardSummarySizeFieldEvent | ShardSummaryPlacementKeyFieldEvent | ShardSummaryOwnerFieldEvent | ShardSummaryStoredAtFieldEvent> {
    return streamMessage(buf, ShardSummary.codec(), opts)
  }
}

export interface ChunkResponse {
  status: ChunkStatus
  message: string
  ack?: StoreAck
  shards: StoredShard[]
  summaries: ShardSummary[]
  more: boolean
  deleted: number
  results: StoreResult[]
}

export namespace ChunkResponse {
  let _codec: Codec<ChunkResponse>

  export const codec = (): Codec<ChunkResponse> => {
    if (_codec == null) {
      _codec = message<ChunkResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __ChunkStatusValues[obj.status] !== 0) {
          w.uint32(8)
          ChunkStatus.codec().encode(obj.status, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (obj.ack != null) {
          w.uint32(26)
          StoreAck.codec().encode(obj.ack, w)
        }

        if (obj.shards != null && obj.shards.length > 0) {
          for (const value of obj.shards) {
            w.uint32(34)
            StoredShard.codec().encode(value, w)
          }
        }

        if (obj.summaries != null && obj.summaries.length > 0) {
          for (const value of obj.summaries) {
            w.uint32(42)
            ShardSummary.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(48)
          w.bool(obj.more)
        }

        if ((obj.deleted != null && obj.deleted !== 0)) {
          w.uint32(56)
          w.uint32(obj.deleted)
        }

        if (obj.results != null && obj.results.length > 0) {
          for (const value of obj.results) {
            w.uint32(66)
            StoreResult.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: ChunkStatus.STATUS_UNSPECIFIED,
          message: '',
          shards: [],
          summaries: [],
          more: false,
          deleted: 0,
          results: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = ChunkStatus.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            case 3: {
              obj.ack = StoreAck.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ack
              })
              break
            }
            case 4: {
              if (opts.limits?.shards != null && obj.shards.length === opts.limits.shards) {
                throw new MaxLengthError('Decode error - repeated field "shards" had too many elements')
              }

              obj.shards.push(StoredShard.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.shards$
              }))
              break
            }
            case 5: {
              if (opts.limits?.summaries != null && obj.summaries.length === opts.limits.summaries) {
                throw new MaxLengthError('Decode error - repeated field "summaries" had too many elements')
              }

              obj.summaries.push(ShardSummary.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.summaries$
              }))
              break
            }
            case 6: {
              obj.more = reader.bool()
              break
            }
            case 7: {
              obj.deleted = reader.uint32()
              break
            }
            case 8: {
              if (opts.limits?.results != null && obj.results.length === opts.limits.results) {
                throw new MaxLengthError('Decode error - repeated field "results" had too many elements')
              }

              obj.results.push(StoreResult.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.results$
              }))
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
          shards: 0,
          summaries: 0,
          results: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: ChunkStatus.codec().decode(reader)
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
              yield * StoreAck.codec().stream(reader, reader.uint32(), `${prefix}.ack`, {
                limits: opts.limits?.ack
              })

              break
            }
            case 4: {
              if (opts.limits?.shards != null && obj.shards === opts.limits.shards) {
                throw new MaxLengthError('Streaming decode error - repeated field "shards" had too many elements')
              }

              for (const evt of StoredShard.codec().stream(reader, reader.uint32(), `${prefix}.shards[]`, {
                limits: opts.limits?.shards$
              })) {
                yield {
                  ...evt,
                  index: obj.shards
                }
              }

              obj.shards++

              break
            }
            case 5: {
              if (opts.limits?.summaries != null && obj.summaries === opts.limits.summaries) {
                throw new MaxLengthError('Streaming decode error - repeated field "summaries" had too many elements')
              }

              for (const evt of ShardSummary.codec().stream(reader, reader.uint32(), `${prefix}.summaries[]`, {
                limits: opts.limits?.summaries$
              })) {
                yield {
                  ...evt,
                  index: obj.summaries
                }
              }

              obj.summaries++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.deleted`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              if (opts.limits?.results != null && obj.results === opts.limits.results) {
                throw new MaxLengthError('Streaming decode error - repeated field "results" had too many elements')
              }

              for (const evt of StoreResult.codec().stream(reader, reader.uint32(), `${prefix}.results[]`, {
                limits: opts.limits?.results$
              })) {
                yield {
                  ...evt,
                  index: obj.results
                }
              }

              obj.results++

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

  export interface ChunkResponseStatusFieldEvent {
    field: '$.status'
    value: ChunkStatus
  }

  export interface ChunkResponseMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface ChunkResponseAckObjectIdFieldEvent {
    field: '$.ack.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkResponseAckShardIndexFieldEvent {
    field: '$.ack.shardIndex'
    value: number
  }

  export interface ChunkResponseAckShardHashFieldEvent {
    field: '$.ack.shardHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkResponseAckSignatureFieldEvent {
    field: '$.ack.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChunkResponseAckStoredAtFieldEvent {
    field: '$.ack.storedAt'
    value: number
  }

  export interface ChunkResponseShardsManifestFieldEvent {
    field: '$.shards[].manifest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseShardsShardIndexFieldEvent {
    field: '$.shards[].shardIndex'
    value: number
    index: number
  }

  export interface ChunkResponseShardsShardFieldEvent {
    field: '$.shards[].shard'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseShardsShardProofFieldEvent {
    field: '$.shards[].shardProof'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseSummariesObjectIdFieldEvent {
    field: '$.summaries[].objectId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseSummariesShardIndexFieldEvent {
    field: '$.summaries[].shardIndex'
    value: number
    index: number
  }

  export interface ChunkResponseSummariesShardHashFieldEvent {
    field: '$.summaries[].shardHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseSummariesSizeFieldEvent {
    field: '$.summaries[].size'
    value: number
    index: number
  }

  export interface ChunkResponseSummariesPlacementKeyFieldEvent {
    field: '$.summaries[].placementKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseSummariesOwnerFieldEvent {
    field: '$.summaries[].owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseSummariesStoredAtFieldEvent {
    field: '$.summaries[].storedAt'
    value: number
    index: number
  }

  export interface ChunkResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface ChunkResponseDeletedFieldEvent {
    field: '$.deleted'
    value: number
  }

  export interface ChunkResponseResultsStatusFieldEvent {
    field: '$.results[].status'
    value: ChunkStatus
    index: number
  }

  export interface ChunkResponseResultsMessageFieldEvent {
    field: '$.results[].message'
    value: string
    index: number
  }

  export interface ChunkResponseResultsAckObjectIdFieldEvent {
    field: '$.results[].ack.objectId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseResultsAckShardIndexFieldEvent {
    field: '$.results[].ack.shardIndex'
    value: number
    index: number
  }

  export interface ChunkResponseResultsAckShardHashFieldEvent {
    field: '$.results[].ack.shardHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseResultsAckSignatureFieldEvent {
    field: '$.results[].ack.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ChunkResponseResultsAckStoredAtFieldEvent {
    field: '$.results[].ack.storedAt'
    value: number
    index: number
  }

  export function encode (obj: Partial<ChunkResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChunkResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkResponse>): ChunkResponse {
    return decodeMessage(buf, ChunkResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkResponse>): Generator<ChunkResponseStatusFieldEvent | ChunkResponseMessageFieldEvent | ChunkResponseAckObjectIdFieldEvent | ChunkResponseAckShardIndexFieldEvent | ChunkResponseAckShardHashFieldEvent | ChunkResponseAckSignatureFieldEvent | ChunkResponseAckStoredAtFieldEvent | ChunkResponseShardsManifestFieldEvent | ChunkResponseShardsShardIndexFieldEvent | ChunkResponseShardsShardFieldEvent | ChunkResponseShardsShardProofFieldEvent | ChunkResponseSummariesObjectIdFieldEvent | ChunkResponseSummariesShardIndexFieldEvent | ChunkResponseSummariesShardHashFieldEvent | ChunkResponseSummariesSizeFieldEvent | ChunkResponseSummariesPlacementKeyFieldEvent | ChunkResponseSummariesOwnerFieldEvent | ChunkResponseSummariesStoredAtFieldEvent | ChunkResponseMoreFieldEvent | ChunkResponseDeletedFieldEvent | ChunkResponseResultsStatusFieldEvent | ChunkResponseResultsMessageFieldEvent | ChunkResponseResultsAckObjectIdFieldEvent | ChunkResponseResultsAckShardIndexFieldEvent | ChunkResponseResultsAckShardHashFieldEvent | ChunkResponseResultsAckSignatureFieldEvent | ChunkResponseResultsAckStoredAtFieldEvent> {
    return streamMessage(buf, ChunkResponse.codec(), opts)
  }
}

export interface StoreResult {
  status: ChunkStatus
  message: string
  ack?: StoreAck
}

export namespace StoreResult {
  let _codec: Codec<StoreResult>

  export const codec = (): Codec<StoreResult> => {
    if (_codec == null) {
      _codec = message<StoreResult>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __ChunkStatusValues[obj.status] !== 0) {
          w.uint32(8)
          ChunkStatus.codec().encode(obj.status, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (obj.ack != null) {
          w.uint32(26)
          StoreAck.codec().encode(obj.ack, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: ChunkStatus.STATUS_UNSPECIFIED,
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = ChunkStatus.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            case 3: {
              obj.ack = StoreAck.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ack
              })
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
                value: ChunkStatus.codec().decode(reader)
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
              yield * StoreAck.codec().stream(reader, reader.uint32(), `${prefix}.ack`, {
                limits: opts.limits?.ack
              })

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

  export interface StoreResultStatusFieldEvent {
    field: '$.status'
    value: ChunkStatus
  }

  export interface StoreResultMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface StoreResultAckObjectIdFieldEvent {
    field: '$.ack.objectId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreResultAckShardIndexFieldEvent {
    field: '$.ack.shardIndex'
    value: number
  }

  export interface StoreResultAckShardHashFieldEvent {
    field: '$.ack.shardHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreResultAckSignatureFieldEvent {
    field: '$.ack.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreResultAckStoredAtFieldEvent {
    field: '$.ack.storedAt'
    value: number
  }

  export function encode (obj: Partial<StoreResult>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoreResult.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreResult>): StoreResult {
    return decodeMessage(buf, StoreResult.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreResult>): Generator<StoreResultStatusFieldEvent | StoreResultMessageFieldEvent | StoreResultAckObjectIdFieldEvent | StoreResultAckShardIndexFieldEvent | StoreResultAckShardHashFieldEvent | StoreResultAckSignatureFieldEvent | StoreResultAckStoredAtFieldEvent> {
    return streamMessage(buf, StoreResult.codec(), opts)
  }
}
