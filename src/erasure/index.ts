/**
 * Reed-Solomon erasure coding (systematic Vandermonde over GF(2^8), polynomial 0x11d, byte-compatible with
 * klauspost/reedsolomon and Backblaze) over reed-solomon-erasure.wasm. Pure: no I/O beyond loading the WASM.
 * All functions are async because the WASM loads lazily on first use (`initErasure()` preloads it).
 */
export {
  DEFAULT_DATA_SHARDS,
  DEFAULT_PARITY_SHARDS,
  MAX_TOTAL_SHARDS,
  decode,
  encode,
  initErasure,
  reconstructShards,
  shardSizeFor
} from './codec.ts'
export type { EncodedObject, ShardSlots } from './codec.ts'
export {
  ErasureLibraryError,
  InconsistentShardsError,
  InvalidShardsError,
  NotEnoughShardsError
} from './errors.ts'
