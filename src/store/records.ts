import { InvalidConfigError } from '../errors/index.ts'
import type { ObjectId, ShardIndex } from '../types/index.ts'
import { InvalidRecordError, QuotaExceededError } from './errors.ts'
import type { ChunkStoreLimits, ShardRecord, Tombstone } from './types.ts'

export const PLACEMENT_KEY_BYTES = 32
export const SHARD_HASH_BYTES = 32
/** A shard proof is whole 32-byte hashes, at most 8 of them (256 shards). */
export const SHARD_PROOF_HASH_BYTES = 32
export const MAX_SHARD_PROOF_BYTES = 8 * SHARD_PROOF_HASH_BYTES
/** An owner signature: r ‖ s ‖ v. */
export const TOMBSTONE_SIGNATURE_BYTES = 65
const OWNER_PATTERN = /^0x[0-9a-f]{40}$/
const OBJECT_ID_PATTERN = /^[0-9a-f]{64}$/

/** Throws `InvalidRecordError` naming the first malformed field. */
export function validateRecord (record: ShardRecord): void {
  const fail = (why: string): never => { throw new InvalidRecordError(`invalid shard record: ${why}`) }
  if (record == null || typeof record !== 'object') fail('not an object')
  if (!isBytes(record.placementKey, PLACEMENT_KEY_BYTES)) fail(`placementKey must be ${PLACEMENT_KEY_BYTES} bytes`)
  if (typeof record.owner !== 'string' || !OWNER_PATTERN.test(record.owner)) fail('owner must be 0x + 40 lowercase hex')
  if (!isObjectId(record.objectId)) fail('objectId must be 64 lowercase hex')
  if (!isShardIndex(record.shardIndex)) fail('shardIndex must be a non-negative integer')
  if (!isBytes(record.data)) fail('data must be a Uint8Array')
  if (!isBytes(record.shardHash, SHARD_HASH_BYTES)) fail(`shardHash must be ${SHARD_HASH_BYTES} bytes`)
  if (!isBytes(record.manifest)) fail('manifest must be a Uint8Array')
  if (record.shardProof !== undefined && (!isBytes(record.shardProof) || record.shardProof.byteLength % SHARD_PROOF_HASH_BYTES !== 0 ||
    record.shardProof.byteLength > MAX_SHARD_PROOF_BYTES)) {
    fail(`shardProof must be absent or whole ${SHARD_PROOF_HASH_BYTES}-byte hashes, at most ${MAX_SHARD_PROOF_BYTES} bytes`)
  }
  if (!Number.isSafeInteger(record.storedAt) || record.storedAt < 0) fail('storedAt must be a non-negative integer (ms)')
  if (record.size !== record.data.byteLength) fail(`size ${record.size} differs from data length ${record.data.byteLength}`)
}

/** Throws `InvalidRecordError` naming the first malformed field. The signature is checked for shape only. */
export function validateTombstone (tombstone: Tombstone): void {
  const fail = (why: string): never => { throw new InvalidRecordError(`invalid tombstone: ${why}`) }
  if (tombstone == null || typeof tombstone !== 'object') fail('not an object')
  if (!isObjectId(tombstone.objectId)) fail('objectId must be 64 lowercase hex')
  if (typeof tombstone.owner !== 'string' || !OWNER_PATTERN.test(tombstone.owner)) fail('owner must be 0x + 40 lowercase hex')
  if (!Number.isSafeInteger(tombstone.deletedAt) || tombstone.deletedAt < 0) fail('deletedAt must be a non-negative integer (ms)')
  if (!isBytes(tombstone.signature, TOMBSTONE_SIGNATURE_BYTES)) fail(`signature must be ${TOMBSTONE_SIGNATURE_BYTES} bytes`)
  if (tombstone.placementKey !== undefined && !isBytes(tombstone.placementKey, PLACEMENT_KEY_BYTES)) {
    fail(`placementKey must be absent or ${PLACEMENT_KEY_BYTES} bytes`)
  }
}

/** A tombstone that owns its bytes, with no `placementKey` key at all when it has none (as every adapter returns it). */
export function copyTombstone (tombstone: Tombstone): Tombstone {
  const { objectId, owner, deletedAt, signature, placementKey } = tombstone
  return { objectId, owner, deletedAt, signature: copyBytes(signature), ...(placementKey === undefined ? {} : { placementKey: copyBytes(placementKey) }) }
}

export function isObjectId (value: unknown): value is ObjectId {
  return typeof value === 'string' && OBJECT_ID_PATTERN.test(value)
}

export function isShardIndex (value: unknown): value is ShardIndex {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

function isBytes (value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.byteLength === length)
}

/**
 * Bytes a record is charged against quotas. The manifest and the shard proof count too: a short chat message
 * yields shards smaller than its manifest, so counting data alone would let disk use run far past the quota.
 */
export function chargedBytes (record: Pick<ShardRecord, 'data' | 'manifest' | 'shardProof'>): number {
  return record.data.byteLength + record.manifest.byteLength + (record.shardProof?.byteLength ?? 0)
}

export interface QuotaCheck {
  limits: ChunkStoreLimits
  record: ShardRecord
  /** The record being replaced, if any. */
  previous?: { owner: string, bytes: number }
  nodeBytes: number
  /** Current usage of `record.owner`. */
  ownerBytes: number
}

/** Throws `QuotaExceededError` if the put would grow usage past a limit. Shrinking is always allowed. */
export function checkQuota ({ limits, record, previous, nodeBytes, ownerBytes }: QuotaCheck): void {
  const bytes = chargedBytes(record)
  const nodeGrowth = bytes - (previous?.bytes ?? 0)
  if (nodeGrowth > 0 && nodeBytes + nodeGrowth > limits.nodeQuotaBytes) {
    throw new QuotaExceededError({ scope: 'node', usedBytes: nodeBytes, limitBytes: limits.nodeQuotaBytes, requestedBytes: nodeGrowth })
  }
  // A replacement under a different owner (forged or not, the store cannot tell) is a fresh charge to the new owner.
  const ownerGrowth = bytes - (previous?.owner === record.owner ? previous.bytes : 0)
  if (ownerGrowth > 0 && ownerBytes + ownerGrowth > limits.ownerQuotaBytes) {
    throw new QuotaExceededError({
      scope: 'owner', usedBytes: ownerBytes, limitBytes: limits.ownerQuotaBytes, requestedBytes: ownerGrowth, owner: record.owner
    })
  }
}

/** Fills in unlimited defaults and rejects negative or NaN quotas. */
export function resolveLimits (limits: Partial<ChunkStoreLimits> = {}): ChunkStoreLimits {
  const resolved = {
    nodeQuotaBytes: limits.nodeQuotaBytes ?? Infinity,
    ownerQuotaBytes: limits.ownerQuotaBytes ?? Infinity
  }
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new InvalidConfigError(`${name} must be a non-negative number of bytes or Infinity, got ${String(value)}`)
    }
  }
  return resolved
}

/** Orders records as every list method returns them: by objectId, then shardIndex. */
export function compareShardKeys (a: { objectId: string, shardIndex: number }, b: { objectId: string, shardIndex: number }): number {
  if (a.objectId !== b.objectId) return a.objectId < b.objectId ? -1 : 1
  return a.shardIndex - b.shardIndex
}

/**
 * A copy that owns exactly its bytes. Stores use it so a caller mutating its buffer later cannot change
 * stored data, and so structured clone (IndexedDB) does not persist the whole buffer behind a subarray.
 */
export function copyBytes (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes)
}

/** `{ shardProof }` copied, or nothing when the record has none (a version-1 shard), so no `undefined` key appears. */
export function copyShardProof (record: Pick<ShardRecord, 'shardProof'>): { shardProof?: Uint8Array } {
  return record.shardProof === undefined ? {} : { shardProof: copyBytes(record.shardProof) }
}

export function bytesToHex (bytes: Uint8Array): string {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex
}

/** True when `position` comes after the cursor (every position does without one). */
export function isAfterCursor (position: { objectId: string, shardIndex: number }, after: { objectId: string, shardIndex: number } | undefined): boolean {
  return after === undefined || compareShardKeys(position, after) > 0
}

/** A page size as stores use it: a whole number of at least 1 (bad values are a caller's bug; they read one entry). */
export function pageLimit (limit: number): number {
  return Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 1
}
