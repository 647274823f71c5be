import { type ErasureCoder, type ErasureCoderName, createCoder } from './coder.ts'
import { referenceEngine } from './reference-engine.ts'
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

/** One implementation by name, for tests and benchmarks; both produce the same shards. Runs in this thread. */
export function erasureCoder (name: ErasureCoderName): ErasureCoder {
  const coder = coders[name]
  if (coder === undefined) throw new RangeError(`no erasure coder "${String(name)}"; choose simd or reference`)
  return coder
}
