import { type ErasureCoder, type ErasureCoderName, createCoder } from './coder.ts'
import { referenceEngine } from './reference-engine.ts'
import type { EncodedObject, ShardSlots } from './shards.ts'
import { DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS } from './shards.ts'
import { simdEngine } from './simd-engine.ts'
import { wasmSimdSupported } from './simd/kernel.ts'

const coders: Record<ErasureCoderName, ErasureCoder> = {
  simd: createCoder(simdEngine),
  reference: createCoder(referenceEngine)
}

/** The coder the module uses: the SIMD one where this engine runs WASM SIMD, reed-solomon-erasure.wasm elsewhere. */
export function defaultErasureCoderName (): ErasureCoderName {
  return wasmSimdSupported() ? 'simd' : 'reference'
}

/** One implementation by name, for tests and benchmarks; both produce the same shards. */
export function erasureCoder (name: ErasureCoderName): ErasureCoder {
  const coder = coders[name]
  if (coder === undefined) throw new RangeError(`no erasure coder "${String(name)}"; choose simd or reference`)
  return coder
}

let chosen: ErasureCoder | undefined
function defaultCoder (): ErasureCoder {
  chosen ??= coders[defaultErasureCoderName()]
  return chosen
}

/** Loads and instantiates the WASM ahead of the first call (optional; every call does it lazily). */
export async function initErasure (): Promise<void> {
  await defaultCoder().init()
}

/** Splits `bytes` into k data shards and adds m parity shards; any k of the k + m rebuild `bytes`. */
export async function encode (bytes: Uint8Array, dataShards = DEFAULT_DATA_SHARDS,
  parityShards = DEFAULT_PARITY_SHARDS): Promise<EncodedObject> {
  return await defaultCoder().encode(bytes, dataShards, parityShards)
}

/**
 * Rebuilds the object from any k of its k + m shards, data or parity, in any pattern.
 * Throws NotEnoughShardsError with fewer than k, InvalidShardsError when the shards cannot come from one
 * encoding of an `originalLength`-byte object, and InconsistentShardsError when rebuilding was needed and the
 * given shards contradict one another.
 */
export async function decode (shards: ShardSlots, dataShards: number, parityShards: number,
  originalLength: number): Promise<Uint8Array> {
  return await defaultCoder().decode(shards, dataShards, parityShards, originalLength)
}

/**
 * Returns all k + m shards (data and parity) rebuilt from any k present ones, for repair. Throws like
 * `decode`; the present shards are always checked against each other here.
 */
export async function reconstructShards (shards: ShardSlots, dataShards: number,
  parityShards: number): Promise<Uint8Array[]> {
  return await defaultCoder().reconstructShards(shards, dataShards, parityShards)
}
