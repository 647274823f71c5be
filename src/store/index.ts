// Public API of the store layer that is safe in every runtime. Adapters with platform dependencies are
// imported from their own files: './sqlite.ts' (Node, better-sqlite3) and './indexeddb.ts' (browser, idb).
// The conformance suite every adapter runs is src/testing/store-conformance.ts.
export type { ChunkStore, ChunkStoreLimits, ChunkStoreStats, PageQuery, ShardCursor, ShardListing, ShardRecord, ShardSummary, Tombstone, TombstoneQuery } from './types.ts'
export { InvalidRecordError, QuotaExceededError, StoreClosedError, UnsupportedStoreVersionError } from './errors.ts'
export type { QuotaDetails, QuotaScope } from './errors.ts'
export { MemoryChunkStore } from './memory.ts'
export { PLACEMENT_KEY_BYTES, SHARD_HASH_BYTES, TOMBSTONE_SIGNATURE_BYTES, chargedBytes, validateRecord, validateTombstone } from './records.ts'
