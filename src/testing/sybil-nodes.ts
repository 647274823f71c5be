/**
 * Test support (Node only): Sybil storage nodes. Node IDs cost nothing, so an attacker generates identities until
 * enough of them sit closer to a user's placement key than any honest node (`grindKeysNear`), joins with them, and
 * then keeps nothing while claiming everything (`SybilStore`).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { compareDistance, kadIdOfKey, kadIdOfPeer, nodeIdWorkOf, xorDistance } from '../placement/index.ts'
import { MemoryChunkStore, type PageQuery, type ShardListing, type ShardRecord } from '../store/index.ts'
import type { ObjectId, ShardIndex } from '../types/index.ts'
import { encodeSignedManifest, type SignedManifest } from '../wire/index.ts'
import { mulberry32, randomBytes } from './seeded-random.ts'

/**
 * `count` Ed25519 identities each closer (XOR) to `key` than every peer of `honest`; returns them and how many
 * identities were generated to find them (about count x (honest + 1)). With `lackingWorkBits`, only identities
 * without that much node-ID work (free ones, which a mesh requiring it does not count as holders).
 */
export async function grindKeysNear (key: Uint8Array, honest: readonly string[], count: number, options: { lackingWorkBits?: number } = {}): Promise<{ keys: PrivateKey[], generated: number }> {
  const target = kadIdOfKey(key)
  const distanceOf = (kadId: Uint8Array): Uint8Array => xorDistance(target, kadId)
  const nearestHonest = honest.map(peer => distanceOf(kadIdOfPeer(peerIdFromString(peer).toMultihash().bytes)))
    .sort(compareDistance)[0]
  const keys: PrivateKey[] = []
  let generated = 0
  while (keys.length < count) {
    const privateKey = await generateKeyPair('Ed25519')
    generated++
    const multihash = peerIdFromPrivateKey(privateKey).toMultihash().bytes
    const free = options.lackingWorkBits === undefined || nodeIdWorkOf(multihash) < options.lackingWorkBits
    if (free && compareDistance(distanceOf(kadIdOfPeer(multihash)), nearestHonest) < 0) keys.push(privateKey)
  }
  return { keys, generated }
}

/**
 * A holder that acknowledges every STORE and keeps nothing. Its LIST answer claims every shard of every object it
 * has heard of (`learn`: manifests are public, anyone may FETCH them), and its FETCH answer is empty (`empty`) or
 * every claimed shard filled with random bytes (`garbage`); `silent` claims nothing and sends nothing, so it looks
 * like a newcomer with room for shards (hand-offs come its way after the grace period).
 */
export type SybilMode = 'empty' | 'garbage' | 'silent'

export class SybilStore extends MemoryChunkStore {
  private readonly known = new Map<ObjectId, { manifest: SignedManifest, manifestBytes: Uint8Array }>()
  private readonly mode: SybilMode
  private readonly random = mulberry32(0x5b11)

  constructor (mode: SybilMode) {
    super()
    this.mode = mode
  }

  learn (manifest: SignedManifest): void {
    this.known.set(manifest.objectId, { manifest, manifestBytes: encodeSignedManifest(manifest) })
  }

  override async put (record: ShardRecord): Promise<void> {
    // Acknowledged (the chunk service signs a receipt), never kept.
  }

  override async get (): Promise<ShardRecord | undefined> {
    return undefined
  }

  override async listObjectShards (objectId: ObjectId): Promise<ShardRecord[]> {
    return this.fakeRecords().filter(record => record.objectId === objectId)
  }

  override async listByPlacementKey (placementKey: Uint8Array): Promise<ShardRecord[]> {
    return this.fakeRecords().filter(record => sameBytes(record.placementKey, placementKey))
  }

  override async pageByPlacementKey (placementKey: Uint8Array, query: PageQuery): Promise<ShardRecord[]> {
    return this.fakeRecords().filter(record => sameBytes(record.placementKey, placementKey) && after(record, query.after)).slice(0, query.limit)
  }

  override async pageListings (query: PageQuery & { placementKey?: Uint8Array }): Promise<ShardListing[]> {
    return this.claims()
      .filter(claim => (query.placementKey === undefined || sameBytes(claim.placementKey, query.placementKey)) && after(claim, query.after))
      .slice(0, query.limit)
  }

  /** One listing per shard index of every known object: the shards it claims to hold. */
  private claims (): ShardListing[] {
    if (this.mode === 'silent') return []
    return [...this.known.values()].flatMap(({ manifest }) => Array.from({ length: manifest.k + manifest.m }, (_, index): ShardListing => ({
      objectId: manifest.objectId,
      shardIndex: index as ShardIndex,
      placementKey: manifest.placementKey,
      owner: manifest.owner,
      size: manifest.shardSize,
      storedAt: manifest.createdAt,
      // Version 1 lists every shard hash in the manifest: public, so a liar names the right ones.
      shardHash: manifest.version === 1 ? manifest.shardHashes[index] : new Uint8Array(32)
    }))).sort((a, b) => a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : a.shardIndex - b.shardIndex)
  }

  private fakeRecords (): ShardRecord[] {
    if (this.mode !== 'garbage') return []
    return this.claims().map(claim => {
      const { manifestBytes } = this.known.get(claim.objectId)!
      const data = randomBytes(this.random, Math.max(1, claim.size))
      return { ...claim, data, manifest: manifestBytes, shardProof: randomBytes(this.random, 4 * 32) }
    })
  }
}

function after (position: { objectId: string, shardIndex: number }, cursor: PageQuery['after']): boolean {
  if (cursor === undefined) return true
  return position.objectId > cursor.objectId || (position.objectId === cursor.objectId && position.shardIndex > cursor.shardIndex)
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
