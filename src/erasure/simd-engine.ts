import type { CodingEngine, RebuildScope } from './coder.ts'
import { ErasureLibraryError, InconsistentShardsError } from './errors.ts'
import { type GfMatrix, invert, multiply, selectRows, systematicVandermonde } from './matrix.ts'
import { equalBytes } from './shards.ts'
import { GfKernel, loadKernelModule } from './simd/kernel.ts'

let kernel: GfKernel | undefined
let creating: Promise<GfKernel> | undefined

/**
 * Reed-Solomon over our WASM SIMD kernel (simd/gf-kernel.wat): the same code as reed-solomon-erasure.wasm
 * (klauspost/Backblaze matrix), with the matrix algebra here and only the byte crunching in WASM. Rebuilds any
 * missing shard, data or parity, in one pass over the k shards it reads.
 */
export const simdEngine: CodingEngine = {
  name: 'simd',

  async init () {
    await acquireKernel()
  },

  async encodeParity (codeword, dataShards, parityShards) {
    const gf = kernel ?? await acquireKernel()
    const shardSize = codeword.length / (dataShards + parityShards)
    const data = codeword.subarray(0, dataShards * shardSize)
    const parity = codeword.subarray(dataShards * shardSize)
    runKernel(gf, () => {
      gf.mulRows(parityCoefficients(dataShards, parityShards), data, dataShards, parity, parityShards, shardSize)
    })
  },

  /**
   * Reads the first k present shards and computes, in one kernel call, the missing shards `scope` asks for
   * and every other present shard. Those recomputed present shards must equal the given ones: a Reed-Solomon
   * code is MDS, so k shards fix the codeword, and a given shard that differs is corrupt or foreign.
   * For scope 'data' without `output`, only the k data shards are allocated and returned.
   */
  async rebuild (shards, present, dataShards, parityShards, shardSize, scope, output) {
    const gf = kernel ?? await acquireKernel()
    const plan = rebuildPlan(present, dataShards, parityShards, scope)
    const codeword = output ?? new Uint8Array(shardSize * (scope === 'all' ? dataShards + parityShards : dataShards))
    const inputs = plan.sources.map((index) => shards[index] as Uint8Array)
    plan.sources.forEach((index, i) => {
      if (index * shardSize < codeword.length) codeword.set(inputs[i], index * shardSize)
    })
    const outputs = plan.missing.map((index) => codeword.subarray(index * shardSize, (index + 1) * shardSize))
    const extras = plan.extras.map((index) => shards[index] as Uint8Array)
    const differing = runKernel(gf, () =>
      gf.mulRows(plan.coefficients, inputs, dataShards, outputs, outputs.length, shardSize, extras))
    if (differing.length > 0) throw new InconsistentShardsError(differing.map((i) => plan.extras[i]))
    // Extras passed the check, so they are the shards the codeword needs there.
    if (scope === 'all' || output !== undefined) {
      plan.extras.forEach((index, i) => { codeword.set(extras[i], index * shardSize) })
    } else {
      plan.extras.forEach((index, i) => { if (index < dataShards) codeword.set(extras[i], index * shardSize) })
    }
    return codeword
  }
}

/** How to rebuild from one loss pattern: which shards to read, which to compute, and the matrix for it. */
interface RebuildPlan {
  /** The first k present shards: what the kernel reads. */
  sources: number[]
  /** Missing shards in scope: what the kernel writes. */
  missing: number[]
  /** Present shards beyond the first k: recomputed to check them against the given ones. */
  extras: number[]
  /** (missing, then extras) x k: row t gives that shard from the source shards. */
  coefficients: Uint8Array
}

/** Loss patterns repeat (the same holders are down for many objects), and inverting is O(k^3): keep a few. */
const PLAN_CACHE_LIMIT = 128
const plans = new Map<string, RebuildPlan>()
const encodingMatrices = new Map<string, GfMatrix>()
const parityRows = new Map<string, Uint8Array>()

function rebuildPlan (present: readonly boolean[], dataShards: number, parityShards: number,
  scope: RebuildScope): RebuildPlan {
  let key = `${dataShards}+${parityShards}${scope}`
  for (const isPresent of present) key += isPresent ? '1' : '0'
  const cached = plans.get(key)
  if (cached !== undefined) {
    plans.delete(key) // re-insert: Map order is the least-recently-used order
    plans.set(key, cached)
    return cached
  }
  const sources: number[] = []
  const missing: number[] = []
  const extras: number[] = []
  present.forEach((isPresent, index) => {
    if (isPresent && sources.length < dataShards) sources.push(index)
    else if (isPresent) extras.push(index)
    else if (scope === 'all' || index < dataShards) missing.push(index)
  })
  const matrix = encodingMatrix(dataShards, parityShards)
  // Shard i = matrix row i x data, and data = inverse(source rows) x sources.
  const fromSources = multiply(selectRows(matrix, [...missing, ...extras]), invert(selectRows(matrix, sources)))
  const plan = { sources, missing, extras, coefficients: fromSources.cells }
  plans.set(key, plan)
  if (plans.size > PLAN_CACHE_LIMIT) plans.delete(plans.keys().next().value as string)
  return plan
}

function encodingMatrix (dataShards: number, parityShards: number): GfMatrix {
  const key = `${dataShards}+${parityShards}`
  let matrix = encodingMatrices.get(key)
  if (matrix === undefined) {
    matrix = systematicVandermonde(dataShards, dataShards + parityShards)
    if (encodingMatrices.size >= PLAN_CACHE_LIMIT) encodingMatrices.clear()
    encodingMatrices.set(key, matrix)
  }
  return matrix
}

function parityCoefficients (dataShards: number, parityShards: number): Uint8Array {
  const key = `${dataShards}+${parityShards}`
  let rows = parityRows.get(key)
  if (rows === undefined) {
    rows = encodingMatrix(dataShards, parityShards).cells.slice(dataShards * dataShards)
    if (parityRows.size >= PLAN_CACHE_LIMIT) parityRows.clear()
    parityRows.set(key, rows)
  }
  return rows
}

/** A trap or a failed memory growth leaves the instance suspect: the next call makes a new one. */
function runKernel<T> (gf: GfKernel, body: () => T): T {
  try {
    return body()
  } catch (err) {
    if (kernel === gf) kernel = undefined
    throw new ErasureLibraryError(`SIMD erasure kernel failed: ${String(err)}`, { cause: err })
  }
}

async function acquireKernel (): Promise<GfKernel> {
  if (kernel !== undefined) return kernel
  creating ??= loadKernelModule()
    .then(async (module) => await GfKernel.create(module))
    .then((fresh) => { kernel = fresh; return fresh })
    .finally(() => { creating = undefined })
  return await creating
}
