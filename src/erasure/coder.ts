import type { EncodedObject, ShardSlots } from './shards.ts'
import {
  DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS, allDataPresent, checkObject, checkOriginalLength, checkParameters,
  checkShardSizeMatches, checkShards, joinDataShards, shardSizeFor, splitCodeword
} from './shards.ts'

/** The two implementations: our WASM SIMD kernel, and reed-solomon-erasure.wasm (fallback and reference). */
export type ErasureCoderName = 'simd' | 'reference'

/** What rebuilding must produce besides the shards given: the missing data shards only, or every shard. */
export type RebuildScope = 'data' | 'all'

/** The Reed-Solomon arithmetic of one implementation; `createCoder` adds the checks and shard layout. */
export interface CodingEngine {
  readonly name: ErasureCoderName
  init(): Promise<void>
  /**
   * The codeword of `bytes`: k data shards (the bytes, zero-padded) then m parity shards, each
   * shardSizeFor(bytes.length, k) long. Writes into `output` (exactly that long) when given, else allocates.
   */
  encode(bytes: Uint8Array, dataShards: number, parityShards: number, output?: Uint8Array): Promise<Uint8Array>
  /**
   * The codeword rebuilt from any k present shards: all k + m shards for scope 'all'; for 'data', at least the
   * k data shards (the engine may return only those). Writes into `output` (k + m shards long) when given, else
   * allocates. Throws InconsistentShardsError naming the present shards that disagree with the others.
   */
  rebuild(shards: ShardSlots, present: readonly boolean[], dataShards: number, parityShards: number,
    shardSize: number, scope: RebuildScope, output?: Uint8Array): Promise<Uint8Array>
}

/** The public erasure API over one implementation (see index.ts for the contract of each function). */
export interface ErasureCoder {
  readonly name: ErasureCoderName
  init(): Promise<void>
  encode(bytes: Uint8Array, dataShards?: number, parityShards?: number): Promise<EncodedObject>
  decode(shards: ShardSlots, dataShards: number, parityShards: number, originalLength: number): Promise<Uint8Array>
  reconstructShards(shards: ShardSlots, dataShards: number, parityShards: number): Promise<Uint8Array[]>
}

export function createCoder (engine: CodingEngine): ErasureCoder {
  return {
    name: engine.name,
    init: async () => { await engine.init() },

    async encode (bytes, dataShards = DEFAULT_DATA_SHARDS, parityShards = DEFAULT_PARITY_SHARDS) {
      checkParameters(dataShards, parityShards)
      checkObject(bytes)
      const shardSize = shardSizeFor(bytes.length, dataShards)
      const codeword = await engine.encode(bytes, dataShards, parityShards)
      return { shards: splitCodeword(codeword, shardSize, dataShards + parityShards), shardSize,
        originalLength: bytes.length, dataShards, parityShards }
    },

    async decode (shards, dataShards, parityShards, originalLength) {
      checkParameters(dataShards, parityShards)
      checkOriginalLength(originalLength)
      const { shardSize, present } = checkShards(shards, dataShards, parityShards)
      checkShardSizeMatches(originalLength, shardSize, dataShards)
      // Every data shard is here: the object is their concatenation, no coding needed.
      if (allDataPresent(present, dataShards)) return joinDataShards(shards, dataShards, shardSize, originalLength)
      const data = await engine.rebuild(shards, present, dataShards, parityShards, shardSize, 'data')
      // A buffer of just the data shards is ours alone: hand out a view instead of copying it again.
      return data.length === dataShards * shardSize ? data.subarray(0, originalLength) : data.slice(0, originalLength)
    },

    async reconstructShards (shards, dataShards, parityShards) {
      checkParameters(dataShards, parityShards)
      const { shardSize, present } = checkShards(shards, dataShards, parityShards)
      const codeword = await engine.rebuild(shards, present, dataShards, parityShards, shardSize, 'all')
      return splitCodeword(codeword, shardSize, dataShards + parityShards)
    }
  }
}
