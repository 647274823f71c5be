/**
 * Reed-Solomon erasure coding (systematic Vandermonde over GF(2^8), polynomial 0x11d, byte-compatible with
 * klauspost/reedsolomon and Backblaze). Two implementations produce the same shards: our WASM SIMD kernel
 * (the default wherever WASM SIMD runs) and reed-solomon-erasure.wasm (the fallback, and the reference in
 * tests); `erasureCoder(name)` picks one explicitly and runs it on the calling thread. On a page, the default
 * functions code objects of WORKER_THRESHOLD_BYTES (256 KiB) and more in a Web Worker, so the page never stalls.
 * Pure: no I/O beyond loading the WASM. All functions are async because the WASM loads lazily on first use
 * (`initErasure()` preloads it).
 */
export { decode, encode, initErasure, reconstructShards } from './codec.ts'
export { defaultErasureCoderName, erasureCoder } from './coders.ts'
export { WORKER_THRESHOLD_BYTES } from './worker/client.ts'
export { DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS, MAX_TOTAL_SHARDS, shardSizeFor } from './shards.ts'
export type { EncodedObject, ShardSlots } from './shards.ts'
export type { ErasureCoder, ErasureCoderName } from './coder.ts'
export {
  ErasureLibraryError,
  InconsistentShardsError,
  InvalidShardsError,
  NotEnoughShardsError
} from './errors.ts'
// The raw coding engines and shard checks, for the differential test and the benchmarks that time the coding
// itself (into a preallocated codeword) apart from the public calls.
export { checkShards, equalBytes } from './shards.ts'
export { referenceEngine } from './reference-engine.ts'
export { simdEngine } from './simd-engine.ts'
export type { CodingEngine } from './coder.ts'
