/**
 * Test support (imported by tests only): real libp2p nodes on loopback WebSockets, a raw chunk client that
 * writes arbitrary frames, and an erasure-coded object signed by a wallet.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { NS_HISTORY, sha256, toHex } from '../crypto/index.ts'
import { encode } from '../erasure/index.ts'
import type { Signer } from '../identity/index.ts'
import { createMeshLibp2p, type MeshLibp2p } from '../net/index.ts'
import type { ChunkStore } from '../store/index.ts'
import { MAX_CHUNK_RESPONSE_BYTES, decodeChunkResponse, type ChunkResponse } from '../wire/index.ts'
import { buildManifest } from '../wire/index.ts'
import { encodeSignedManifest, type ManifestVersion, type SignedManifest } from '../wire/index.ts'
import { CHUNKS_PROTOCOL } from '../protocols/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

export interface TestNode {
  libp2p: MeshLibp2p
  privateKey: PrivateKey
}

export async function createTestNode (options: { userAgent?: string, privateKey?: PrivateKey, dhtLeavesOut?: (peerId: string) => boolean } = {}): Promise<TestNode> {
  const privateKey = options.privateKey ?? await generateKeyPair('Ed25519')
  const libp2p = await createMeshLibp2p({
    privateKey,
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    rtcConfiguration: { iceServers: [] },
    allowPrivateAddresses: true,
    dialWebSocketPeers: true,
    maxConnections: 50,
    inboundConnectionThreshold: 100,
    maxIncomingPendingConnections: 100,
    dialTimeoutMs: 5000,
    userAgent: options.userAgent ?? 'zentalk-chunks-test',
    dhtLeavesOut: options.dhtLeavesOut
  })
  await libp2p.start()
  return { libp2p, privateKey }
}

/** Connects `from` to `to` over loopback, so later dials by peer ID reuse the connection. */
export async function connect (from: TestNode, to: TestNode): Promise<void> {
  await from.libp2p.dial(to.libp2p.getMultiaddrs()[0])
}

export interface TestObject {
  manifest: SignedManifest
  manifestBytes: Uint8Array
  shards: Uint8Array[]
  /** Shard i's proof at index i under a version-2 manifest; undefined entries under version 1. */
  shardProofs: Array<Uint8Array | undefined>
  plaintext: Uint8Array
}

/**
 * `length` pseudo-random bytes, erasure-coded k + m and described by a manifest `signer` signed, in manifest format
 * `version` (1 unless asked: the tests written for version 1 keep covering it; version-2 tests ask for 2).
 */
export async function makeObject (signer: Signer, options: { length?: number, k?: number, m?: number, namespace?: string,
  placementKey?: Uint8Array, seed?: number, createdAt?: number, version?: ManifestVersion } = {}): Promise<TestObject> {
  const { length = 3000, k = 10, m = 5, namespace = NS_HISTORY, seed = 1 } = options
  const plaintext = new Uint8Array(length).map((_, i) => (i * 31 + seed * 17 + (i >> 8)) & 0xff)
  const encoded = await encode(plaintext, k, m)
  const shards = encoded.shards.map(shard => Uint8Array.from(shard))
  const { manifest, shardProofs } = buildManifest(signer, {
    namespace,
    placementKey: options.placementKey ?? placementKeyFor(namespace, signer.address),
    k,
    m,
    originalLength: length,
    shards,
    createdAt: options.createdAt ?? 1_767_225_600_000 + seed,
    version: options.version ?? 1
  })
  return { manifest, manifestBytes: encodeSignedManifest(manifest), shards, shardProofs, plaintext }
}

/** What `storeShard` or `storeOnSelf` takes to store shard `index` of `object`, its proof included. */
export function shardInput (object: TestObject, index: number): { manifest: SignedManifest, manifestBytes: Uint8Array, shardIndex: number, shard: Uint8Array, shardProof?: Uint8Array } {
  const shardProof = object.shardProofs[index]
  return { manifest: object.manifest, manifestBytes: object.manifestBytes, shardIndex: index, shard: object.shards[index], ...(shardProof === undefined ? {} : { shardProof }) }
}

/** Opens a chunk stream, writes `bytes` exactly as given (no framing added) and decodes the one reply. */
export async function rawExchange (client: TestNode, holder: PeerId, bytes: Uint8Array[]): Promise<ChunkResponse> {
  const stream = await client.libp2p.dialProtocol(holder, CHUNKS_PROTOCOL)
  const messages = lpStream(stream, { maxDataLength: MAX_CHUNK_RESPONSE_BYTES, maxBufferSize: MAX_CHUNK_RESPONSE_BYTES + 16 })
  for (const chunk of bytes) stream.send(chunk)
  const reply = await messages.read({ signal: AbortSignal.timeout(10_000) })
  stream.abort(new Error('test done'))
  return decodeChunkResponse(reply.subarray())
}

/** Unsigned varint, the length prefix of every frame. */
export function varint (value: number): Uint8Array {
  const bytes: number[] = []
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80)
    value = Math.floor(value / 0x80)
  }
  bytes.push(value)
  return new Uint8Array(bytes)
}

/** A length-prefixed frame. */
export function frame (body: Uint8Array): Uint8Array[] {
  return [varint(body.length), body]
}

/** What a store holds, for "nothing changed" assertions. */
export async function snapshot (store: ChunkStore): Promise<string> {
  const records = []
  for (const key of await store.listShardKeys()) {
    const record = await store.get(key.objectId, key.shardIndex)
    records.push(record === undefined
      ? [key.objectId, key.shardIndex, 'vanished']
      : [record.objectId, record.shardIndex, record.owner, toHex(record.placementKey), record.size, record.storedAt, toHex(sha256(record.data)), toHex(sha256(record.manifest))])
  }
  return JSON.stringify({ stats: await store.stats(), records })
}
