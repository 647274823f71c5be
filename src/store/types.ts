import type { ObjectId, ShardIndex } from '../types/index.ts'

/** One erasure-coded shard of another user's encrypted object, as a storage node keeps it. */
export interface ShardRecord {
  /** 32 bytes: SHA-256(namespace ‖ owner address), the key the DHT places the owner's shards by. */
  placementKey: Uint8Array
  /** The owner's address: '0x' + 40 lowercase hex. */
  owner: string
  /** 64 lowercase hex: SHA-256 of the object's manifest body. */
  objectId: ObjectId
  /** 0..k+m-1 */
  shardIndex: ShardIndex
  /** The shard bytes (derived from ciphertext; opaque here). */
  data: Uint8Array
  /** 32 bytes: SHA-256 of `data`. Kept so audits and fetches can be checked without the manifest parsed. */
  shardHash: Uint8Array
  /** The owner-signed manifest bytes, opaque to the store. */
  manifest: Uint8Array
  /**
   * The shard's inclusion proof under a version-2 manifest (32-byte sibling hashes, at most 8), opaque to the
   * store; absent for a shard of a version-1 manifest, which lists the shard hashes itself.
   */
  shardProof?: Uint8Array
  /** Milliseconds since the epoch (integer). */
  storedAt: number
  /** data.byteLength */
  size: number
}

/** What a repair or hand-off pass needs to know about a held shard, without loading its bytes. */
export interface ShardSummary {
  objectId: ObjectId
  shardIndex: ShardIndex
  placementKey: Uint8Array
  owner: string
  size: number
  storedAt: number
}

/** A position in (objectId, shardIndex) order; a page starts after it. */
export interface ShardCursor {
  objectId: string
  shardIndex: number
}

/** One page of a listing: at most `limit` entries (a positive integer) after `after` (from the start without it). */
export interface PageQuery {
  after?: ShardCursor
  limit: number
}

/** A summary with the shard's hash: what a LIST answer carries about each shard. */
export interface ShardListing extends ShardSummary {
  shardHash: Uint8Array
}

/**
 * An owner's signed delete of a whole object, which a holder keeps after applying it so that saved copies of the
 * object cannot be stored there again. Anyone can verify it: `signature` recovers, in namespace NS_DELETE over
 * `deleteAuthorization(objectId, undefined, deletedAt)`, to `owner`. Kept apart from shards: it charges no quota.
 */
export interface Tombstone {
  /** 64 lowercase hex. */
  objectId: ObjectId
  /** The delete authority that signed: '0x' + 40 lowercase hex. */
  owner: string
  /** The signed delete timestamp, milliseconds since the epoch (integer); retention runs from it. */
  deletedAt: number
  /** 65 bytes: r ‖ s ‖ v. */
  signature: Uint8Array
  /**
   * 32 bytes: the placement key the deleted object's shards were held under, so the holder can find who else may
   * still hold them and pass the signed delete on (src/repair/tombstone-relay.ts). Not signed: it only says where
   * to look. Absent on tombstones written before it was kept; those are not passed on.
   */
  placementKey?: Uint8Array
}

/** One page of tombstones in objectId order: at most `limit` (a positive integer) after `after`. */
export interface TombstoneQuery {
  after?: ObjectId
  limit: number
}

/**
 * Byte limits enforced on `put`. `Infinity` means unlimited.
 * Charged bytes per record are `data.byteLength + manifest.byteLength + shardProof.byteLength` (see `chargedBytes`).
 */
export interface ChunkStoreLimits {
  /** Everything this node stores, all owners together. */
  nodeQuotaBytes: number
  /** What any single owner may occupy on this node, so one user cannot fill it. */
  ownerQuotaBytes: number
}

export interface ChunkStoreStats {
  shards: number
  /** Charged bytes in use (shard data plus manifests). */
  bytes: number
  /** The node quota (may be Infinity). */
  quotaBytes: number
  /** The per-owner quota (may be Infinity). */
  ownerQuotaBytes: number
  /** Distinct owners with at least one shard here. */
  owners: number
}

/**
 * Moves shard records by key and enforces byte quotas; nothing else. It does not verify signatures or
 * hashes: the chunk protocol checks a record before calling `put`.
 * Every method rejects with `StoreClosedError` after `close()`.
 */
export interface ChunkStore {
  /**
   * Inserts the record, or replaces the one with the same (objectId, shardIndex). Throws
   * `InvalidRecordError` for a malformed record and `QuotaExceededError` when the change would take the
   * node or the owner over quota; in both cases nothing changes. A replacement is charged the difference.
   */
  put (record: ShardRecord): Promise<void>
  get (objectId: ObjectId, shardIndex: ShardIndex): Promise<ShardRecord | undefined>
  /** All shards held for a placement key (the FETCH of the seed), ordered by objectId then shardIndex. */
  listByPlacementKey (placementKey: Uint8Array): Promise<ShardRecord[]>
  /** The shards of one object held here, ordered by shardIndex. */
  listObjectShards (objectId: ObjectId): Promise<ShardRecord[]>
  /** Every held shard without its bytes, ordered by objectId then shardIndex. */
  listShardKeys (): Promise<ShardSummary[]>
  /**
   * One page of the shards held for a placement key, in (objectId, shardIndex) order, reading no more than the
   * page: what a FETCH answer is cut from, so a key with many large shards costs a request only its page.
   */
  pageByPlacementKey (placementKey: Uint8Array, query: PageQuery): Promise<ShardRecord[]>
  /**
   * One page of summaries with shard hashes, of every held shard or of one placement key, in (objectId,
   * shardIndex) order; shard bytes are never kept beyond the entry being read. What a LIST answer carries.
   */
  pageListings (query: PageQuery & { placementKey?: Uint8Array }): Promise<ShardListing[]>
  /** Deletes one shard, or every shard of the object when `shardIndex` is omitted; returns how many went. */
  delete (objectId: ObjectId, shardIndex?: ShardIndex): Promise<number>
  /** Deletes every shard held for a placement key; returns how many went. */
  deleteByPlacementKey (placementKey: Uint8Array): Promise<number>
  /**
   * Inserts the tombstone, or replaces the one of the same objectId. Leaves shards alone. Throws
   * `InvalidRecordError` for a malformed tombstone, and then nothing changes.
   */
  putTombstone (tombstone: Tombstone): Promise<void>
  getTombstone (objectId: ObjectId): Promise<Tombstone | undefined>
  /** Deletes the tombstones with `deletedAt` before `before` (ms since the epoch); returns how many went. */
  purgeTombstones (before: number): Promise<number>
  /** One page of tombstones in objectId order after `query.after`, reading no more than the page. */
  pageTombstones (query: TombstoneQuery): Promise<Tombstone[]>
  stats (): Promise<ChunkStoreStats>
  /** Charged bytes the owner occupies on this node. */
  usageOf (owner: string): Promise<number>
  /** Releases the underlying storage. Idempotent. */
  close (): Promise<void>
}
