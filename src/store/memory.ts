import type { ObjectId, ShardIndex } from '../types/index.ts'
import { StoreClosedError } from './errors.ts'
import { bytesToHex, chargedBytes, checkQuota, compareShardKeys, copyBytes, copyShardProof, copyTombstone, isAfterCursor, pageLimit, resolveLimits, validateRecord, validateTombstone } from './records.ts'
import type { ChunkStore, ChunkStoreLimits, ChunkStoreStats, PageQuery, ShardListing, ShardRecord, ShardSummary, Tombstone, TombstoneQuery } from './types.ts'

/** In-memory `ChunkStore` for tests and simulations. Holds copies, so callers cannot alias stored bytes. */
export class MemoryChunkStore implements ChunkStore {
  readonly limits: ChunkStoreLimits
  private readonly records = new Map<string, ShardRecord>()
  private readonly tombstones = new Map<string, Tombstone>()
  /** Per owner: charged bytes and shard count; an owner is dropped when its last shard goes. */
  private readonly ownerUsage = new Map<string, { bytes: number, shards: number }>()
  private nodeBytes = 0
  private closed = false

  constructor (limits: Partial<ChunkStoreLimits> = {}) {
    this.limits = resolveLimits(limits)
  }

  async put (record: ShardRecord): Promise<void> {
    this.assertOpen('put')
    validateRecord(record)
    const key = recordKey(record.objectId, record.shardIndex)
    const old = this.records.get(key)
    const previous = old === undefined ? undefined : { owner: old.owner, bytes: chargedBytes(old) }
    checkQuota({ limits: this.limits, record, previous, nodeBytes: this.nodeBytes, ownerBytes: this.usage(record.owner) })
    if (old !== undefined) this.forget(key, old)
    this.records.set(key, cloneRecord(record))
    this.charge(record.owner, chargedBytes(record), 1)
  }

  async get (objectId: ObjectId, shardIndex: ShardIndex): Promise<ShardRecord | undefined> {
    this.assertOpen('get')
    const record = this.records.get(recordKey(objectId, shardIndex))
    return record === undefined ? undefined : cloneRecord(record)
  }

  async listByPlacementKey (placementKey: Uint8Array): Promise<ShardRecord[]> {
    this.assertOpen('listByPlacementKey')
    const wanted = bytesToHex(placementKey)
    return this.select(record => bytesToHex(record.placementKey) === wanted).map(cloneRecord)
  }

  async listObjectShards (objectId: ObjectId): Promise<ShardRecord[]> {
    this.assertOpen('listObjectShards')
    return this.select(record => record.objectId === objectId).map(cloneRecord)
  }

  async listShardKeys (): Promise<ShardSummary[]> {
    this.assertOpen('listShardKeys')
    return this.select(() => true).map(({ objectId, shardIndex, placementKey, owner, size, storedAt }) =>
      ({ objectId, shardIndex, placementKey: copyBytes(placementKey), owner, size, storedAt }))
  }

  async pageByPlacementKey (placementKey: Uint8Array, query: PageQuery): Promise<ShardRecord[]> {
    this.assertOpen('pageByPlacementKey')
    const wanted = bytesToHex(placementKey)
    return this.select(record => bytesToHex(record.placementKey) === wanted && isAfterCursor(record, query.after))
      .slice(0, pageLimit(query.limit)).map(cloneRecord)
  }

  async pageListings (query: PageQuery & { placementKey?: Uint8Array }): Promise<ShardListing[]> {
    this.assertOpen('pageListings')
    const wanted = query.placementKey === undefined ? undefined : bytesToHex(query.placementKey)
    return this.select(record => (wanted === undefined || bytesToHex(record.placementKey) === wanted) && isAfterCursor(record, query.after))
      .slice(0, pageLimit(query.limit))
      .map(({ objectId, shardIndex, placementKey, owner, size, storedAt, shardHash }) =>
        ({ objectId, shardIndex, placementKey: copyBytes(placementKey), owner, size, storedAt, shardHash: copyBytes(shardHash) }))
  }

  async delete (objectId: ObjectId, shardIndex?: ShardIndex): Promise<number> {
    this.assertOpen('delete')
    return this.remove(this.select(record =>
      record.objectId === objectId && (shardIndex === undefined || record.shardIndex === shardIndex)))
  }

  async deleteByPlacementKey (placementKey: Uint8Array): Promise<number> {
    this.assertOpen('deleteByPlacementKey')
    const wanted = bytesToHex(placementKey)
    return this.remove(this.select(record => bytesToHex(record.placementKey) === wanted))
  }

  async putTombstone (tombstone: Tombstone): Promise<void> {
    this.assertOpen('putTombstone')
    validateTombstone(tombstone)
    this.tombstones.set(tombstone.objectId, copyTombstone(tombstone))
  }

  async getTombstone (objectId: ObjectId): Promise<Tombstone | undefined> {
    this.assertOpen('getTombstone')
    const tombstone = this.tombstones.get(objectId)
    return tombstone === undefined ? undefined : copyTombstone(tombstone)
  }

  async pageTombstones (query: TombstoneQuery): Promise<Tombstone[]> {
    this.assertOpen('pageTombstones')
    return [...this.tombstones.values()]
      .filter(tombstone => query.after === undefined || tombstone.objectId > query.after)
      .sort((a, b) => a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0)
      .slice(0, pageLimit(query.limit))
      .map(copyTombstone)
  }

  async purgeTombstones (before: number): Promise<number> {
    this.assertOpen('purgeTombstones')
    let purged = 0
    for (const [objectId, tombstone] of this.tombstones) {
      if (tombstone.deletedAt < before) {
        this.tombstones.delete(objectId)
        purged++
      }
    }
    return purged
  }

  async stats (): Promise<ChunkStoreStats> {
    this.assertOpen('stats')
    return {
      shards: this.records.size,
      bytes: this.nodeBytes,
      quotaBytes: this.limits.nodeQuotaBytes,
      ownerQuotaBytes: this.limits.ownerQuotaBytes,
      owners: this.ownerUsage.size
    }
  }

  async usageOf (owner: string): Promise<number> {
    this.assertOpen('usageOf')
    return this.usage(owner)
  }

  async close (): Promise<void> {
    this.closed = true
    this.records.clear()
    this.tombstones.clear()
    this.ownerUsage.clear()
    this.nodeBytes = 0
  }

  private select (predicate: (record: ShardRecord) => boolean): ShardRecord[] {
    return [...this.records.values()].filter(predicate).sort(compareShardKeys)
  }

  private remove (records: ShardRecord[]): number {
    for (const record of records) this.forget(recordKey(record.objectId, record.shardIndex), record)
    return records.length
  }

  private forget (key: string, record: ShardRecord): void {
    this.records.delete(key)
    this.charge(record.owner, -chargedBytes(record), -1)
  }

  private charge (owner: string, bytes: number, shards: number): void {
    this.nodeBytes += bytes
    const usage = this.ownerUsage.get(owner) ?? { bytes: 0, shards: 0 }
    usage.bytes += bytes
    usage.shards += shards
    if (usage.shards === 0) this.ownerUsage.delete(owner)
    else this.ownerUsage.set(owner, usage)
  }

  private usage (owner: string): number {
    return this.ownerUsage.get(owner)?.bytes ?? 0
  }

  private assertOpen (operation: string): void {
    if (this.closed) throw new StoreClosedError(operation)
  }
}

function recordKey (objectId: string, shardIndex: number): string {
  return `${objectId}/${shardIndex}`
}

function cloneRecord (record: ShardRecord): ShardRecord {
  return {
    ...record,
    placementKey: copyBytes(record.placementKey),
    data: copyBytes(record.data),
    shardHash: copyBytes(record.shardHash),
    manifest: copyBytes(record.manifest),
    ...copyShardProof(record)
  }
}

