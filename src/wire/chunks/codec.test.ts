import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../crypto/index.ts'
import type { WalletAddress } from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { ChunkRequest, ChunkResponse } from './chunks.ts'
import {
  CHUNKS_WIRE_VERSION,
  ChunkStatus,
  MAX_CHUNK_REQUEST_BYTES,
  MAX_FETCH_OBJECT_IDS,
  MAX_FETCH_SHARDS_PER_RESPONSE,
  MAX_STORE_BATCH,
  NS_STORE_ACK,
  decodeChunkRequest,
  decodeChunkResponse,
  deleteAuthorization,
  encodeChunkRequest,
  encodeChunkResponse,
  storeAckDigest,
  type ChunkCommand,
  type StoreCommand
} from './codec.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../errors.ts'

const objectId = 'ab'.repeat(32) as ObjectId
const owner = `0x${'11'.repeat(20)}` as WalletAddress
const TIMESTAMP = 1_767_225_600_000 // 2026-01-01T00:00:00Z

describe('signed encodings (pinned: changing them breaks every deployed holder and client)', () => {
  it('lays out a whole-object delete authorisation as objectId ‖ u64be(timestamp) ‖ 0 ‖ u32be(0)', () => {
    const expected = `${'ab'.repeat(32)}0000019b76daa800` + '00' + '00000000'
    expect(toHex(deleteAuthorization(objectId, undefined, TIMESTAMP))).toBe(expected)
  })

  it('lays out a one-shard delete authorisation with scope 1 and the index, so it never passes for a whole-object one', () => {
    expect(toHex(deleteAuthorization(objectId, 7, TIMESTAMP))).toBe(`${'ab'.repeat(32)}0000019b76daa800` + '01' + '00000007')
    expect(toHex(deleteAuthorization(objectId, 0, TIMESTAMP))).not.toBe(toHex(deleteAuthorization(objectId, undefined, TIMESTAMP)))
  })

  it('derives the store-ack digest as the length-prefixed namespaced hash of objectId, u32be(index), shardHash', () => {
    const shardHash = new Uint8Array(32).fill(0xcd)
    const u32 = (n: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n); return b }
    const ns = new TextEncoder().encode(NS_STORE_ACK)
    const independent = sha256(new Uint8Array([
      ...u32(ns.length), ...ns, ...u32(32), ...fromHex(objectId), ...u32(4), ...u32(7), ...u32(32), ...shardHash
    ]))
    const digest = storeAckDigest(objectId, 7, shardHash)
    expect(toHex(digest)).toBe(toHex(independent))
    expect(toHex(digest)).toBe('f6f691c4f11e14306f48aefdac122cda876e9fbbd78c6809048eba7f6bab4272')
  })

  it('refuses inputs outside the layout', () => {
    expect(() => deleteAuthorization('AB'.repeat(32) as ObjectId, undefined, TIMESTAMP)).toThrow(MalformedMessageError)
    expect(() => deleteAuthorization(objectId, -1, TIMESTAMP)).toThrow(MalformedMessageError)
    expect(() => deleteAuthorization(objectId, undefined, 1.5)).toThrow(MalformedMessageError)
    expect(() => storeAckDigest(objectId, 0, new Uint8Array(31))).toThrow(MalformedMessageError)
  })
})

describe('chunk requests', () => {
  const commands: ChunkCommand[] = [
    { type: 'store', manifest: new Uint8Array([1, 2, 3]), shardIndex: 14, shard: new Uint8Array(100).fill(9) },
    { type: 'fetch', target: { placementKey: new Uint8Array(32).fill(4) } },
    { type: 'fetch', target: { objectId }, after: { objectId, shardIndex: 3 } },
    { type: 'delete', objectId, shardIndex: 0, owner, timestamp: TIMESTAMP, signature: new Uint8Array(65).fill(5) },
    { type: 'delete', objectId, owner, timestamp: TIMESTAMP, signature: new Uint8Array(65).fill(5) },
    { type: 'list' },
    { type: 'list', placementKey: new Uint8Array(32).fill(6), after: { objectId, shardIndex: 0 } },
    { type: 'store', manifest: new Uint8Array([1, 2, 3]), shardIndex: 0, shard: new Uint8Array(1).fill(9), sole: true },
    { type: 'store', manifest: new Uint8Array([1, 2, 3]), shardIndex: 2, shard: new Uint8Array(3).fill(9), sole: true, shardProof: new Uint8Array(128).fill(7) },
    { type: 'store', manifest: new Uint8Array([1, 2, 3]), shardIndex: 1, shard: new Uint8Array(3).fill(9), inboxPass: new Uint8Array(300).fill(8) },
    { type: 'fetch', target: { placementKey: new Uint8Array(32).fill(4), objectIds: [objectId, 'ab'.repeat(32) as ObjectId] }, after: { objectId, shardIndex: 1 } },
    {
      type: 'storeBatch',
      stores: [
        { type: 'store', manifest: new Uint8Array([1, 2, 3]), shardIndex: 4, shard: new Uint8Array(10).fill(1), sole: true, shardProof: new Uint8Array(128).fill(7) },
        { type: 'store', manifest: new Uint8Array([4, 5]), shardIndex: 9, shard: new Uint8Array(20).fill(2) }
      ]
    }
  ]

  it.each(commands.map(command => [command.type, command] as const))('round-trips a %s command', (_type, command) => {
    const decoded = decodeChunkRequest(encodeChunkRequest(command))
    expect(decoded).toEqual(Object.fromEntries(Object.entries(command).filter(([, value]) => value !== undefined)))
  })

  it('keeps a one-shard delete apart from a whole-object delete (index 0 is not "absent")', () => {
    const decoded = decodeChunkRequest(encodeChunkRequest(commands[3]))
    expect(decoded).toMatchObject({ type: 'delete', shardIndex: 0 })
    expect(decodeChunkRequest(encodeChunkRequest(commands[4]))).not.toHaveProperty('shardIndex', 0)
  })

  it('reads the version before anything else: another version is UNSUPPORTED even if its body would not decode', () => {
    const future = new Uint8Array([0x08, 0x02, 0xff, 0xff, 0xff])
    expect(() => decodeChunkRequest(future)).toThrow(UnsupportedVersionError)
    expect(() => decodeChunkRequest(ChunkRequest.encode({ version: 2, list: {} }))).toThrow(UnsupportedVersionError)
  })

  it('refuses garbage, an empty frame, a frame without leading version, and a request with no or two commands', () => {
    expect(() => decodeChunkRequest(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(MalformedMessageError)
    expect(() => decodeChunkRequest(new Uint8Array())).toThrow(MalformedMessageError)
    expect(() => decodeChunkRequest(new Uint8Array([0x2a, 0x00, 0x08, 0x01]))).toThrow(MalformedMessageError)
    expect(() => decodeChunkRequest(ChunkRequest.encode({ version: CHUNKS_WIRE_VERSION }))).toThrow(/none/)
    expect(() => decodeChunkRequest(ChunkRequest.encode({ version: 1, list: {}, fetch: { placementKey: new Uint8Array(32), objectIds: [] } }))).toThrow(/fetch, list/)
  })

  it('carries 2 to MAX_STORE_BATCH stores in a batch, and nothing else beside them', () => {
    const store = (shardIndex: number): StoreCommand => ({ type: 'store', manifest: new Uint8Array([1, 2, 3]), shardIndex, shard: new Uint8Array(4).fill(shardIndex) })
    const wire = (shardIndex: number): ChunkRequest['stores'][number] => ({ manifest: new Uint8Array([1, 2, 3]), shardIndex, shard: new Uint8Array(4) })
    const full = Array.from({ length: MAX_STORE_BATCH }, (_, i) => store(i))
    expect(decodeChunkRequest(encodeChunkRequest({ type: 'storeBatch', stores: full }))).toMatchObject({ type: 'storeBatch', stores: full })
    expect(() => encodeChunkRequest({ type: 'storeBatch', stores: [store(0)] })).toThrow(MalformedMessageError)
    expect(() => encodeChunkRequest({ type: 'storeBatch', stores: [...full, store(99)] })).toThrow(MalformedMessageError)
    // As an older holder's decoder sees them, and as a hostile sender could send them:
    expect(() => decodeChunkRequest(ChunkRequest.encode({ version: 1, stores: [wire(0)] }))).toThrow(/at least 2/)
    expect(() => decodeChunkRequest(ChunkRequest.encode({ version: 1, stores: Array.from({ length: MAX_STORE_BATCH + 1 }, (_, i) => wire(i)) })))
      .toThrow(MalformedMessageError)
    expect(() => decodeChunkRequest(ChunkRequest.encode({ version: 1, stores: [wire(0), wire(1)], store: wire(2) }))).toThrow(/store, stores/)
    expect(() => decodeChunkRequest(ChunkRequest.encode({ version: 1, stores: [wire(0), { ...wire(1), shard: new Uint8Array() }] }))).toThrow(/no shard bytes/)
  })

  it('refuses fields of the wrong size or shape', () => {
    const bad: ChunkRequest[] = [
      { version: 1, stores: [], fetch: { placementKey: new Uint8Array(31), objectIds: [] } },
      { version: 1, stores: [], fetch: { objectIds: [] } },
      { version: 1, stores: [], fetch: { placementKey: new Uint8Array(32), objectId: new Uint8Array(32), objectIds: [] } },
      { version: 1, stores: [], fetch: { objectId: new Uint8Array(32), after: { objectId: new Uint8Array(5), shardIndex: 0 }, objectIds: [] } },
      { version: 1, stores: [], fetch: { placementKey: new Uint8Array(32), objectIds: [new Uint8Array(31)] } },
      { version: 1, stores: [], fetch: { objectId: new Uint8Array(32), objectIds: [new Uint8Array(32)] } },
      { version: 1, stores: [], fetch: { placementKey: new Uint8Array(32), objectIds: Array.from({ length: MAX_FETCH_OBJECT_IDS + 1 }, () => new Uint8Array(32)) } },
      { version: 1, stores: [], store: { manifest: new Uint8Array(), shardIndex: 0, shard: new Uint8Array(1) } },
      { version: 1, stores: [], store: { manifest: new Uint8Array(1), shardIndex: 0, shard: new Uint8Array() } },
      { version: 1, stores: [], delete: { objectId: new Uint8Array(32), owner: new Uint8Array(20), timestamp: 1, signature: new Uint8Array(64) } },
      { version: 1, stores: [], delete: { objectId: new Uint8Array(32), owner: new Uint8Array(19), timestamp: 1, signature: new Uint8Array(65) } },
      { version: 1, stores: [], list: { placementKey: new Uint8Array(33) } },
      { version: 1, stores: [], store: { manifest: new Uint8Array(1), shardIndex: 0, shard: new Uint8Array(1), shardProof: new Uint8Array(31) } },
      { version: 1, stores: [], store: { manifest: new Uint8Array(1), shardIndex: 0, shard: new Uint8Array(1), shardProof: new Uint8Array(9 * 32) } },
      { version: 1, stores: [], store: { manifest: new Uint8Array(1), shardIndex: 0, shard: new Uint8Array(1), inboxPass: new Uint8Array() } },
      { version: 1, stores: [], store: { manifest: new Uint8Array(1), shardIndex: 0, shard: new Uint8Array(1), inboxPass: new Uint8Array(10 * 1024 + 1) } }
    ]
    for (const request of bad) {
      expect(() => decodeChunkRequest(ChunkRequest.encode(request)), JSON.stringify(Object.keys(request))).toThrow(MalformedMessageError)
    }
  })

  it('adds the shard proof as field 5 of StoreRequest only when there is one: a version-1 STORE is encoded as before', () => {
    const withoutProof = ChunkRequest.encode({ version: 1, store: { manifest: Uint8Array.of(1), shardIndex: 2, shard: Uint8Array.of(3) } })
    expect(encodeChunkRequest({ type: 'store', manifest: Uint8Array.of(1), shardIndex: 2, shard: Uint8Array.of(3) })).toEqual(withoutProof)
    const withProof = encodeChunkRequest({ type: 'store', manifest: Uint8Array.of(1), shardIndex: 2, shard: Uint8Array.of(3), shardProof: new Uint8Array(32).fill(4) })
    expect(withProof).toEqual(Uint8Array.of(...withoutProof.subarray(0, 3), withoutProof[3] + 34, ...withoutProof.subarray(4), 0x2a, 32, ...new Uint8Array(32).fill(4)))
  })

  it('refuses an oversize frame before decoding it, against the holder\'s own limit too', () => {
    const store = encodeChunkRequest({ type: 'store', manifest: new Uint8Array(10), shardIndex: 0, shard: new Uint8Array(2000) })
    expect(() => decodeChunkRequest(store, 1000)).toThrow(OversizeMessageError)
    expect(() => decodeChunkRequest(new Uint8Array(MAX_CHUNK_REQUEST_BYTES + 1))).toThrow(OversizeMessageError)
  })
})

describe('chunk responses', () => {
  it('round-trips a refusal and cuts long messages', () => {
    const decoded = decodeChunkResponse(encodeChunkResponse({ status: ChunkStatus.QUOTA_EXCEEDED, message: 'x'.repeat(5000) }))
    expect(decoded.status).toBe(ChunkStatus.QUOTA_EXCEEDED)
    expect(decoded.message).toHaveLength(1024)
  })

  it('treats a response without status, with an unknown status, or with too many shards as malformed', () => {
    expect(() => decodeChunkResponse(new Uint8Array())).toThrow(MalformedMessageError)
    expect(() => decodeChunkResponse(new Uint8Array([0x08, 0x63]))).toThrow(MalformedMessageError)
    const shard = { manifest: new Uint8Array(1), shardIndex: 0, shard: new Uint8Array(1) }
    const flood = ChunkResponse.encode({
      status: ChunkStatus.OK, message: '', shards: Array.from({ length: MAX_FETCH_SHARDS_PER_RESPONSE + 1 }, () => shard), summaries: [], more: false, deleted: 0
    })
    expect(() => decodeChunkResponse(flood)).toThrow(MalformedMessageError)
    const results = Array.from({ length: MAX_STORE_BATCH + 1 }, () => ({ status: ChunkStatus.OK, message: '' }))
    expect(() => decodeChunkResponse(encodeChunkResponse({ status: ChunkStatus.OK, results }))).toThrow(MalformedMessageError)
    expect(decodeChunkResponse(encodeChunkResponse({ status: ChunkStatus.OK, results: results.slice(1) })).results).toHaveLength(MAX_STORE_BATCH)
  })
})
