import type { CodingEngine } from './coder.ts'
import { InconsistentShardsError } from './errors.ts'
import { ReedSolomonInstance } from './reed-solomon-wasm.ts'
import { equalBytes, shardSizeFor } from './shards.ts'
import { loadReedSolomonModule } from './wasm-loader.ts'

let instance: ReedSolomonInstance | undefined
let creating: Promise<ReedSolomonInstance> | undefined

/**
 * reed-solomon-erasure.wasm: the fallback where WASM SIMD is missing, and the reference the SIMD coder is
 * tested against. It rebuilds data shards only, so parity is always encoded again from the data.
 */
export const referenceEngine: CodingEngine = {
  name: 'reference',

  async init () {
    await acquireInstance()
  },

  async encode (bytes, dataShards, parityShards, output) {
    const codeword = output ?? new Uint8Array(shardSizeFor(bytes.length, dataShards) * (dataShards + parityShards))
    codeword.set(bytes)
    if (output !== undefined) codeword.fill(0, bytes.length)
    // The library panics on m = 0; with no parity the codeword is just the padded data.
    if (parityShards > 0) (await acquireInstance()).encodeParity(codeword, dataShards, parityShards)
    return codeword
  },

  /**
   * Rebuilds the whole codeword: missing data shards with the library's reconstruct, then every parity shard
   * by encoding the data again. Finally every given shard is compared with the result. That comparison proves
   * the result: a Reed-Solomon code is MDS, so the k or more given shards fit exactly one codeword, and a
   * codeword that reproduces them all is that one.
   */
  async rebuild (shards, present, dataShards, parityShards, shardSize, _scope, output) {
    const codeword = output ?? new Uint8Array(shardSize * (dataShards + parityShards))
    present.forEach((isPresent, index) => { if (isPresent) codeword.set(shards[index] as Uint8Array, index * shardSize) })

    const rs = await acquireInstance()
    if (!present.slice(0, dataShards).every(Boolean)) rs.reconstructData(codeword, dataShards, parityShards, present)
    if (parityShards > 0) rs.encodeParity(codeword, dataShards, parityShards)

    const mismatched = present.flatMap((isPresent, index) => isPresent &&
      !equalBytes(shards[index] as Uint8Array, codeword.subarray(index * shardSize, (index + 1) * shardSize))
      ? [index]
      : [])
    if (mismatched.length > 0) {
      instance = undefined // in case the library rather than a shard is at fault, the next call starts afresh
      throw new InconsistentShardsError(mismatched)
    }
    return codeword
  }
}

/** The shared library instance, replaced when it trapped or its memory grew too large. */
async function acquireInstance (): Promise<ReedSolomonInstance> {
  if (instance?.usable === true) return instance
  // One creation at a time: many shards arriving at once must not each instantiate a 1 MiB WASM memory.
  creating ??= loadReedSolomonModule()
    .then(async (module) => await ReedSolomonInstance.create(module))
    .then((fresh) => { instance = fresh; return fresh })
    .finally(() => { creating = undefined })
  return await creating
}
