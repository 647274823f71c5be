/**
 * The seed's gateway role, run by the owner's own node: store an (already encrypted) object as k + m erasure-coded
 * shards on the holders the HolderSelector names, and fetch objects back from any k verified shards, over a
 * ChunkExchange. Nothing here sees plaintext.
 */
export {
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_HEDGE_FACTOR,
  DEFAULT_HEDGE_FLOOR_MS,
  DEFAULT_MAX_HEDGES,
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_READ_DEADLINE_MS,
  DEFAULT_READ_SPARE_HOLDERS,
  DEFAULT_REQUESTS_PER_HOLDER,
  DEFAULT_SPARE_HOLDERS,
  DEFAULT_STORE_TIMEOUT_MS,
  ObjectStore,
  type FetchOptions,
  type FetchResult,
  type ObjectStoreDeps,
  type StoreOptions,
  type StoreResult
} from './object-store.ts'
export type { FailedObject, GatherStats, RetrievedObject } from './gather.ts'
export {
  InconsistentObjectError,
  NoHoldersReachableError,
  ObjectNotFoundError,
  ReadBudgetExceededError,
  ReadDeadlineError,
  StoreFailedError,
  notEnoughShardsError,
  type HolderTally,
  type ShardPlacementFailure
} from './errors.ts'
