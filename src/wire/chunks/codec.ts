/**
 * Codec of the chunk-exchange protocol (`chunks.proto`): size limits, request parsing into typed commands,
 * response decoding with bounded repeated fields, and the exact bytes that owners and holders sign.
 */
import { fromHex, hashWithNamespace, toHex } from '../../crypto/index.ts'
import { ADDRESS_BYTES, SIGNATURE_BYTES, addressFromBytes, addressToBytes, type WalletAddress } from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import {
  ChunkRequest,
  ChunkResponse,
  ChunkStatus,
  type FetchRequest,
  type ListRequest,
  type ShardCursor,
  type ShardSummary,
  type StoreAck,
  type StoreRequest,
  type StoreResult,
  type StoredShard
} from './chunks.ts'
import { decodeOrThrow, readLeadingVersion } from '../decode-helpers.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../errors.ts'
import { MAX_SIGNED_MANIFEST_BYTES, PLACEMENT_KEY_BYTES, SHARD_HASH_BYTES } from '../manifest/codec.ts'
import { MAX_SHARD_PROOF_BYTES, SHARD_PROOF_HASH_BYTES } from '../manifest/shard-tree.ts'

export { ChunkStatus }
export type { ChunkResponse, ShardSummary as ShardSummaryMessage, StoreAck as StoreAckMessage, StoreResult as StoreResultMessage, StoredShard }

/** The only request format version this build reads and writes. */
export const CHUNKS_WIRE_VERSION = 1
/** Object IDs travel as 32 raw bytes (they are 64 hex digits everywhere else). */
export const OBJECT_ID_BYTES = 32
/** The largest shard the protocol carries. Holders may accept less; never more, so every response can hold one. */
export const MAX_SHARD_BYTES = 4 * 1024 * 1024
/** Protobuf framing around the manifest and shard of a STORE (tags, lengths, version, index, a shard proof of at most 256 bytes): below 1 KiB. */
export const REQUEST_OVERHEAD_BYTES = 1024
/** Largest request frame: a STORE of a maximal shard with a maximal manifest. */
export const MAX_CHUNK_REQUEST_BYTES = MAX_SHARD_BYTES + MAX_SIGNED_MANIFEST_BYTES + REQUEST_OVERHEAD_BYTES
/** Largest response frame. A FETCH that would be larger is paginated (`more` + `after`). */
export const MAX_CHUNK_RESPONSE_BYTES = 32 * 1024 * 1024
/** Per-entry framing of a shard inside a FETCH response (tags, lengths, index); a shard proof is counted apart. */
export const STORED_SHARD_OVERHEAD_BYTES = 32
/** Most shards in one FETCH response; also the decoder's limit on the repeated field. */
export const MAX_FETCH_SHARDS_PER_RESPONSE = 4096
/**
 * Most STOREs in one batch (`StoreBatchCommand`); also the decoders' limit on the request's `stores` and the
 * response's `results`. A batch is one request against a holder's per-peer cap, and its frame is bounded like any
 * request's (MAX_CHUNK_REQUEST_BYTES), so a batch costs a holder at most this many signature checks and writes.
 */
export const MAX_STORE_BATCH = 32
/** Most summaries in one LIST response; also the decoder's limit on the repeated field. */
export const MAX_LIST_ENTRIES_PER_RESPONSE = 1024
/** Holders cut the human-readable `message` of a response to this many characters. */
export const MAX_RESPONSE_MESSAGE_CHARS = 1024
/** Namespace of the digest a holder signs with its libp2p key to acknowledge a stored shard. */
export const NS_STORE_ACK = 'zentalk/chunks/store-ack/v1'

/**
 * Byte layout an owner signs (in namespace NS_DELETE) to delete an object or one of its shards:
 *
 *   objectId (32) ‖ u64be(timestamp ms) (8) ‖ scope (1: 0 = every shard, 1 = one shard) ‖ u32be(shardIndex) (4, 0 for every shard)
 *
 * The scope byte is signed so that an authorisation for one shard can never be replayed as one for all.
 */
export const DELETE_AUTHORIZATION_BYTES = OBJECT_ID_BYTES + 8 + 1 + 4
const DELETE_SCOPE_OBJECT = 0
const DELETE_SCOPE_SHARD = 1

const MAX_UINT32 = 0xffff_ffff

/** Where a FETCH or LIST page starts: strictly after this (objectId, shardIndex). */
export interface ShardPosition {
  readonly objectId: ObjectId
  readonly shardIndex: number
}

/**
 * What a FETCH asks for: everything held for a placement key (only the objects `objectIds` names, when given and
 * not empty), or the held shards of one object.
 */
export type FetchTarget = { readonly placementKey: Uint8Array, readonly objectIds?: readonly ObjectId[] } | { readonly objectId: ObjectId }

/** Most objects one FETCH by placement key may name (`objectIds`). */
export const MAX_FETCH_OBJECT_IDS = 1024

/** The objects a FETCH by placement key names, as a set; undefined when it names none (every object of the key). */
export function namedObjects (objectIds: readonly ObjectId[] | undefined): ReadonlySet<ObjectId> | undefined {
  return objectIds === undefined || objectIds.length === 0 ? undefined : new Set(objectIds)
}

export interface StoreCommand {
  readonly type: 'store'
  /** Encoded SignedManifest; decoded and verified by the holder. */
  readonly manifest: Uint8Array
  readonly shardIndex: number
  readonly shard: Uint8Array
  /**
   * This is to be the holder's only shard of the object: a holder keeping another one refuses
   * (HOLDS_OTHER_SHARD). False or absent when fewer nodes than shards are live.
   */
  readonly sole?: boolean
  /** The shard's inclusion proof under a version-2 manifest; absent under version 1. Checked by the holder. */
  readonly shardProof?: Uint8Array
  /**
   * Inbox objects: the recipient's contact pass for the sender (an encoded SignedManifest the recipient signed for
   * an object in the sender's inbox), for the inbox's contacts lane. Checked by the holder; at most
   * MAX_SIGNED_MANIFEST_BYTES.
   */
  readonly inboxPass?: Uint8Array
}

/** Several STOREs to one holder in one request, each handled and answered as if sent alone. */
export interface StoreBatchCommand {
  readonly type: 'storeBatch'
  /** 2 to MAX_STORE_BATCH stores (their `type` is not sent). */
  readonly stores: readonly StoreCommand[]
}

export interface FetchCommand {
  readonly type: 'fetch'
  readonly target: FetchTarget
  readonly after?: ShardPosition
}

export interface DeleteCommand {
  readonly type: 'delete'
  readonly objectId: ObjectId
  /** Omitted: every shard of the object held by this node. */
  readonly shardIndex?: number
  readonly owner: WalletAddress
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number
  /** 65-byte owner signature over `deleteAuthorization(objectId, shardIndex, timestamp)` in NS_DELETE. */
  readonly signature: Uint8Array
}

export interface ListCommand {
  readonly type: 'list'
  readonly placementKey?: Uint8Array
  readonly after?: ShardPosition
}

export type ChunkCommand = StoreCommand | StoreBatchCommand | FetchCommand | DeleteCommand | ListCommand

/** The bytes an owner signs, in namespace NS_DELETE, to authorise a delete; see DELETE_AUTHORIZATION_BYTES. */
export function deleteAuthorization (objectId: ObjectId, shardIndex: number | undefined, timestamp: number): Uint8Array {
  if (shardIndex !== undefined) expectUint32('shardIndex', shardIndex)
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new MalformedMessageError(`delete timestamp must be an integer from 0 to 2^53 - 1, got ${timestamp}`)
  }
  const bytes = new Uint8Array(DELETE_AUTHORIZATION_BYTES)
  const view = new DataView(bytes.buffer)
  bytes.set(objectIdToBytes(objectId), 0)
  view.setBigUint64(OBJECT_ID_BYTES, BigInt(timestamp), false)
  view.setUint8(OBJECT_ID_BYTES + 8, shardIndex === undefined ? DELETE_SCOPE_OBJECT : DELETE_SCOPE_SHARD)
  view.setUint32(OBJECT_ID_BYTES + 9, shardIndex ?? 0, false)
  return bytes
}

/**
 * The 32-byte digest a holder signs with its libp2p key for a stored shard:
 * `hashWithNamespace(NS_STORE_ACK, objectId (32), u32be(shardIndex), shardHash (32))`.
 */
export function storeAckDigest (objectId: ObjectId, shardIndex: number, shardHash: Uint8Array): Uint8Array {
  expectUint32('shardIndex', shardIndex)
  expectLength('shardHash', shardHash, SHARD_HASH_BYTES)
  const index = new Uint8Array(4)
  new DataView(index.buffer).setUint32(0, shardIndex, false)
  return hashWithNamespace(NS_STORE_ACK, objectIdToBytes(objectId), index, shardHash)
}

export function objectIdToBytes (objectId: ObjectId): Uint8Array {
  if (typeof objectId !== 'string' || !/^[0-9a-f]{64}$/.test(objectId)) {
    throw new MalformedMessageError(`an object ID is 64 lowercase hex digits, got ${String(objectId).slice(0, 80)}`)
  }
  return fromHex(objectId)
}

export function objectIdFromBytes (bytes: Uint8Array, field = 'objectId'): ObjectId {
  expectLength(field, bytes, OBJECT_ID_BYTES)
  return toHex(bytes) as ObjectId
}

/** Encodes a command as a version-1 request frame body (without the length prefix). */
export function encodeChunkRequest (command: ChunkCommand): Uint8Array {
  const request: ChunkRequest = { version: CHUNKS_WIRE_VERSION, stores: [] }
  switch (command.type) {
    case 'store':
      request.store = storeRequestOf(command)
      break
    case 'storeBatch':
      if (command.stores.length < 2 || command.stores.length > MAX_STORE_BATCH) {
        throw new MalformedMessageError(`a STORE batch carries 2 to ${MAX_STORE_BATCH} stores; this one carries ${command.stores.length}`)
      }
      request.stores = command.stores.map(storeRequestOf)
      break
    case 'fetch':
      if ('placementKey' in command.target) {
        const objectIds = command.target.objectIds ?? []
        if (objectIds.length > MAX_FETCH_OBJECT_IDS) {
          throw new MalformedMessageError(`a FETCH names at most ${MAX_FETCH_OBJECT_IDS} objects; this one names ${objectIds.length}`)
        }
        request.fetch = { placementKey: own(command.target.placementKey), objectIds: objectIds.map(id => own(objectIdToBytes(id))) }
      } else {
        request.fetch = { objectId: own(objectIdToBytes(command.target.objectId)), objectIds: [] }
      }
      if (command.after !== undefined) request.fetch.after = encodeCursor(command.after)
      break
    case 'delete':
      if (command.shardIndex !== undefined) expectUint32('shardIndex', command.shardIndex)
      request.delete = {
        objectId: own(objectIdToBytes(command.objectId)),
        shardIndex: command.shardIndex,
        owner: own(addressToBytes(command.owner)),
        timestamp: command.timestamp,
        signature: own(command.signature)
      }
      break
    case 'list':
      request.list = {}
      if (command.placementKey !== undefined) request.list.placementKey = own(command.placementKey)
      if (command.after !== undefined) request.list.after = encodeCursor(command.after)
      break
  }
  const bytes = ChunkRequest.encode(request)
  if (bytes.length > MAX_CHUNK_REQUEST_BYTES) {
    throw new OversizeMessageError(`chunk request is ${bytes.length} bytes; the limit is ${MAX_CHUNK_REQUEST_BYTES}`)
  }
  return bytes
}

/**
 * Parses a request frame body. Cheap checks run first, in this order: size (`OversizeMessageError`), leading
 * version field (`UnsupportedVersionError`; a frame that does not start with it is `MalformedMessageError`),
 * structure and field rules (`MalformedMessageError`). Nothing here verifies signatures or hashes.
 */
export function decodeChunkRequest (bytes: Uint8Array, maxBytes = MAX_CHUNK_REQUEST_BYTES): ChunkCommand {
  if (bytes.length > maxBytes) {
    throw new OversizeMessageError(`chunk request is ${bytes.length} bytes; the limit is ${maxBytes}`)
  }
  const version = readLeadingVersion('chunk request', bytes)
  if (version !== CHUNKS_WIRE_VERSION) {
    throw new UnsupportedVersionError(`chunk request version ${version} is not supported (this node speaks version ${CHUNKS_WIRE_VERSION}); the sender may run a newer release`)
  }
  const request = decodeOrThrow('chunk request', () => ChunkRequest.decode(bytes, { limits: { stores: MAX_STORE_BATCH } }))
  const present = (['store', 'fetch', 'delete', 'list'] as const).filter(type => request[type] !== undefined)
  const batch = request.stores.length > 0
  if (present.length + (batch ? 1 : 0) !== 1) {
    const named = [...present, ...(batch ? ['stores'] : [])]
    throw new MalformedMessageError(`a chunk request carries exactly one of store, fetch, delete, list, stores; this one has ${named.length === 0 ? 'none' : named.join(', ')}`)
  }
  if (batch) {
    if (request.stores.length < 2) throw new MalformedMessageError('a STORE batch carries at least 2 stores; one goes as a STORE alone')
    return { type: 'storeBatch', stores: request.stores.map(parseStore) }
  }
  if (request.store !== undefined) return parseStore(request.store)
  if (request.fetch !== undefined) return parseFetch(request.fetch)
  if (request.delete !== undefined) {
    const { objectId, shardIndex, owner, timestamp, signature } = request.delete
    expectLength('owner', owner, ADDRESS_BYTES)
    expectLength('signature', signature, SIGNATURE_BYTES)
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new MalformedMessageError(`DELETE timestamp must be an integer from 0 to 2^53 - 1, got ${timestamp}`)
    }
    return { type: 'delete', objectId: objectIdFromBytes(objectId), shardIndex, owner: addressFromBytes(owner), timestamp, signature }
  }
  return parseList(request.list as ListRequest)
}

/** Encodes a response; the human message is cut to MAX_RESPONSE_MESSAGE_CHARS. */
export function encodeChunkResponse (response: Partial<ChunkResponse> & { status: ChunkStatus }): Uint8Array {
  return ChunkResponse.encode({
    shards: [],
    summaries: [],
    more: false,
    deleted: 0,
    results: [],
    ...response,
    message: (response.message ?? '').slice(0, MAX_RESPONSE_MESSAGE_CHARS)
  })
}

/** Decodes a response frame body with bounded repeated fields. @throws {MalformedMessageError} | {OversizeMessageError} */
export function decodeChunkResponse (bytes: Uint8Array): ChunkResponse {
  if (bytes.length > MAX_CHUNK_RESPONSE_BYTES) {
    throw new OversizeMessageError(`chunk response is ${bytes.length} bytes; the limit is ${MAX_CHUNK_RESPONSE_BYTES}`)
  }
  const response = decodeOrThrow('chunk response', () => ChunkResponse.decode(bytes, {
    limits: { shards: MAX_FETCH_SHARDS_PER_RESPONSE, summaries: MAX_LIST_ENTRIES_PER_RESPONSE, results: MAX_STORE_BATCH }
  }))
  if (response.status === ChunkStatus.STATUS_UNSPECIFIED) {
    throw new MalformedMessageError('chunk response has no status')
  }
  return response
}

/** Position of a cursor as sent on the wire. */
export function cursorFromMessage (cursor: ShardCursor): ShardPosition {
  return { objectId: objectIdFromBytes(cursor.objectId, 'cursor objectId'), shardIndex: cursor.shardIndex }
}

/** Orders (objectId, shardIndex) pairs as holders list them. */
export function comparePositions (a: ShardPosition, b: ShardPosition): number {
  if (a.objectId !== b.objectId) return a.objectId < b.objectId ? -1 : 1
  return a.shardIndex - b.shardIndex
}

/**
 * A shard proof is whole 32-byte hashes, at most MAX_SHARD_PROOF_BYTES: anything else is refused as MALFORMED
 * before any hashing. Whether it proves the shard is the holder's check (HASH_MISMATCH).
 * @throws {MalformedMessageError}
 */
export function checkShardProofShape (proof: Uint8Array): void {
  if (proof.length % SHARD_PROOF_HASH_BYTES !== 0 || proof.length > MAX_SHARD_PROOF_BYTES) {
    throw new MalformedMessageError(`a shard proof is at most ${MAX_SHARD_PROOF_BYTES / SHARD_PROOF_HASH_BYTES} hashes of ${SHARD_PROOF_HASH_BYTES} bytes; got ${proof.length} bytes`)
  }
}

function storeRequestOf (command: StoreCommand): StoreRequest {
  expectUint32('shardIndex', command.shardIndex)
  const store: StoreRequest = { manifest: own(command.manifest), shardIndex: command.shardIndex, shard: own(command.shard) }
  if (command.sole === true) store.sole = true
  if (command.shardProof !== undefined) store.shardProof = own(command.shardProof)
  if (command.inboxPass !== undefined) store.inboxPass = own(command.inboxPass)
  return store
}

function parseStore (store: StoreRequest): StoreCommand {
  const { manifest, shardIndex, shard, sole, shardProof, inboxPass } = store
  if (manifest.length === 0) throw new MalformedMessageError('STORE has no manifest')
  if (shard.length === 0) throw new MalformedMessageError('STORE has no shard bytes')
  if (shardProof !== undefined) checkShardProofShape(shardProof)
  if (inboxPass !== undefined && (inboxPass.length === 0 || inboxPass.length > MAX_SIGNED_MANIFEST_BYTES)) {
    throw new MalformedMessageError(`STORE inbox pass is ${inboxPass.length} bytes; a pass is a signed manifest of 1 to ${MAX_SIGNED_MANIFEST_BYTES} bytes`)
  }
  return {
    type: 'store',
    manifest,
    shardIndex,
    shard,
    ...(sole === true ? { sole } : {}),
    ...(shardProof !== undefined ? { shardProof } : {}),
    ...(inboxPass !== undefined ? { inboxPass } : {})
  }
}

function parseFetch (fetch: FetchRequest): FetchCommand {
  const after = fetch.after === undefined ? undefined : cursorFromMessage(fetch.after)
  if ((fetch.placementKey === undefined) === (fetch.objectId === undefined)) {
    throw new MalformedMessageError('FETCH names exactly one of placementKey and objectId')
  }
  const objectIds = fetch.objectIds ?? []
  if (fetch.placementKey !== undefined) {
    expectLength('placementKey', fetch.placementKey, PLACEMENT_KEY_BYTES)
    if (objectIds.length > MAX_FETCH_OBJECT_IDS) {
      throw new MalformedMessageError(`a FETCH names at most ${MAX_FETCH_OBJECT_IDS} objects; this one names ${objectIds.length}`)
    }
    if (objectIds.length === 0) return { type: 'fetch', target: { placementKey: fetch.placementKey }, after }
    return { type: 'fetch', target: { placementKey: fetch.placementKey, objectIds: objectIds.map(id => objectIdFromBytes(id, 'objectIds')) }, after }
  }
  if (objectIds.length > 0) throw new MalformedMessageError('FETCH names objectIds only with a placementKey')
  return { type: 'fetch', target: { objectId: objectIdFromBytes(fetch.objectId as Uint8Array) }, after }
}

function parseList (list: ListRequest): ListCommand {
  if (list.placementKey !== undefined) expectLength('placementKey', list.placementKey, PLACEMENT_KEY_BYTES)
  return { type: 'list', placementKey: list.placementKey, after: list.after === undefined ? undefined : cursorFromMessage(list.after) }
}

function encodeCursor (after: ShardPosition): ShardCursor {
  expectUint32('cursor shardIndex', after.shardIndex)
  return { objectId: own(objectIdToBytes(after.objectId)), shardIndex: after.shardIndex }
}



function expectLength (field: string, bytes: Uint8Array, expected: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== expected) {
    throw new MalformedMessageError(`${field} must be ${expected} bytes, got ${bytes?.length ?? typeof bytes}`)
  }
}

function expectUint32 (field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
    throw new MalformedMessageError(`${field} must be an integer from 0 to ${MAX_UINT32}, got ${value}`)
  }
}

/** protons types its bytes fields as Uint8Array<ArrayBuffer>; a caller's view may sit on a SharedArrayBuffer. */
function own (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? bytes as Uint8Array<ArrayBuffer> : new Uint8Array(bytes)
}
