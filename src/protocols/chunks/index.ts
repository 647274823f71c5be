// Chunk exchange (/zentalk/chunks/1.0.0): the holder-side libp2p service and the client calls.
export * from './constants.ts'
export {
  ChunkService,
  chunkService,
  startChunkService,
  type ChunkRegistrar,
  type ChunkServiceComponents,
  type ChunkServiceInit
} from './service.ts'
export {
  deleteShards,
  fetchShards,
  listShards,
  passOnTombstone,
  storeShard,
  storeShardBatch,
  verifyStoreReceipt,
  type ChunkCallOptions,
  type ChunkDialer,
  type DeleteShardsOptions,
  type FetchShardsOptions,
  type FetchedShard,
  type HeldShard,
  type ListShardsOptions,
  type RejectedShard,
  type StoreReceipt,
  type StoreShardInput
} from './client.ts'
export * from './errors.ts'
export { isValidTombstone } from './handlers/delete.ts'
export * from './inbox-limits.ts'
export { DEFAULT_INBOX_RECOUNT_MS, contactPassProblem } from './inbox-budget.ts'
export {
  createChunkExchange,
  type ChunkExchange,
  type ChunkExchangeInit,
  type ExchangeCallOptions,
  type ExchangeDeleteOptions,
  type ExchangeFetchOptions,
  type OutgoingShard,
  type TombstoneExchange
} from './exchange.ts'
