import type { ErasureCoder } from './coder.ts'
import { defaultErasureCoderName, erasureCoder } from './coders.ts'
import type { EncodedObject, ShardSlots } from './shards.ts'
import { DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS } from './shards.ts'
import { offloadLargeObjects } from './worker/client.ts'

let chosen: ErasureCoder | undefined
/** The default coder, with objects of WORKER_THRESHOLD_BYTES and more coded in a worker on pages. */
function defaultCoder (): ErasureCoder {
  chosen ??= offloadLargeObjects(erasureCoder(defaultErasureCoderName()))
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
