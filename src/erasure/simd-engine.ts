import type { CodingEngine, RebuildScope } from './coder.ts'
import { ErasureLibraryError, InconsistentShardsError } from './errors.ts'
import { type GfMatrix, invert, multiply, selectRows, systematicVandermonde } from './matrix.ts'
import { equalBytes, shardSizeFor } from './shards.ts'
import { GfKernel, SEGMENT_BUDGET_BYTES, type Segment, loadKernelModule } from './simd/kernel.ts'

/**
 * Reed-Solomon over our WASM SIMD kernel (simd/gf-kernel.wat): the same code as reed-solomon-erasure.wasm
 * (klauspost/Backblaze matrix), with the matrix algebra here and only the byte crunching in WASM. The codeword is
 * laid out whole in kernel memory and copied out once; any missing shard, data or parity, is rebuilt in the same
 * single pass over the k shards read.
 */
export const simdEngine = createSimdEngine()

/** An engine with its own kernel instance; `segmentBudgetBytes` bounds its memory (tests make it small). */
export function createSimdEngine (segmentBudgetBytes = SEGMENT_BUDGET_BYTES): CodingEngine {
  let kernel: GfKernel | undefined
  let creating: Promise<GfKernel> | undefined

  const acquireKernel = async (): Promise<GfKernel> => {
    if (kernel !== undefined) return kernel
    creating ??= loadKernelModule()
      .then(async (module) => await GfKernel.create(module, segmentBudgetBytes))
      .then((fresh) => { kernel = fresh; return fresh })
      .finally(() => { creating = undefined })
    return await creating
  }

  /** A trap or a failed memory growth leaves the instance suspect: the next call makes a new one. */
  const runKernel = (gf: GfKernel, body: () => void): void => {
    try {
      body()
    } catch (err) {
      if (kernel === gf) kernel = undefined
      throw new ErasureLibraryError(`SIMD erasure kernel failed: ${String(err)}`, { cause: err })
    }
  }

  return {
    name: 'simd',

    async init () {
      await acquireKernel()
    },

    async encode (bytes, dataShards, parityShards, output) {
      const gf = kernel ?? await acquireKernel()
      const shardSize = shardSizeFor(bytes.length, dataShards)
      const total = dataShards + parityShards
      const plan = encodePlan(dataShards, parityShards)
      let codeword = output
      runKernel(gf, () => {
        gf.run(plan.coefficients, plan.sources, plan.targets, total, shardSize, (segment) => {
          const { heap, start, length } = segment
          if (length === shardSize) {
            // Whole rows: the data shards are the object itself, zero-padded.
            heap.set(bytes, segment.rowAt(0))
            heap.fill(0, segment.rowAt(0) + bytes.length, segment.rowAt(dataShards))
          } else {
            for (let row = 0; row < dataShards; row++) {
              copyClipped(heap, segment.rowAt(row), bytes, row * shardSize + start, length)
            }
          }
        }, (segment) => {
          if (codeword === undefined && segment.length === shardSize) codeword = wholeCodeword(segment, total)
          else copyRowsOut(segment, (codeword ??= new Uint8Array(total * shardSize)), shardSize, 0, total)
        })
      })
      return codeword as Uint8Array // run() stores at least one segment: shards are never empty
    },

    /**
     * Reads the first k present shards and computes, in one kernel call, the missing shards `scope` asks for
     * and every other present shard. Those recomputed present shards must equal the given ones: a Reed-Solomon
     * code is MDS, so k shards fix the codeword, and a given shard that differs is corrupt or foreign.
     * For scope 'data' without `output`, only the k data shards are returned.
     */
    async rebuild (shards, present, dataShards, parityShards, shardSize, scope, output) {
      const gf = kernel ?? await acquireKernel()
      const plan = rebuildPlan(present, dataShards, parityShards, scope)
      const total = dataShards + parityShards
      const rowsOut = scope === 'all' || output !== undefined ? total : dataShards
      let codeword = output
      let mismatched: number[] | undefined
      runKernel(gf, () => {
        gf.run(plan.coefficients, plan.sources, plan.targets, total, shardSize, (segment) => {
          const { heap, start, length } = segment
          for (const index of plan.sources) {
            const shard = shards[index] as Uint8Array
            heap.set(length === shardSize ? shard : shard.subarray(start, start + length), segment.rowAt(index))
          }
        }, (segment) => {
          const { heap, start, length } = segment
          for (const index of plan.extras) {
            const given = (shards[index] as Uint8Array).subarray(start, start + length)
            const computed = heap.subarray(segment.rowAt(index), segment.rowAt(index) + length)
            if (!equalBytes(computed, given)) (mismatched ??= []).push(index)
          }
          if (codeword === undefined && length === shardSize) codeword = wholeCodeword(segment, rowsOut)
          else copyRowsOut(segment, (codeword ??= new Uint8Array(rowsOut * shardSize)), shardSize, 0, rowsOut)
        })
      })
      if (mismatched !== undefined) throw new InconsistentShardsError([...new Set(mismatched)].sort((a, b) => a - b))
      return codeword as Uint8Array // run() stores at least one segment: shards are never empty
    }
  }
}

/** The first `rows` rows, copied out of kernel memory into a fresh buffer in one go. */
function wholeCodeword (segment: Segment, rows: number): Uint8Array {
  return segment.heap.slice(segment.rowAt(0), segment.rowAt(rows))
}

function copyRowsOut (segment: Segment, codeword: Uint8Array, shardSize: number,
  from: number, to: number): void {
  const { heap, start, length } = segment
  for (let row = from; row < to; row++) {
    codeword.set(heap.subarray(segment.rowAt(row), segment.rowAt(row) + length), row * shardSize + start)
  }
}

/** bytes[from, from + length) into the heap at `at`, zeros where the object has ended (the padding). */
function copyClipped (heap: Uint8Array, at: number, bytes: Uint8Array, from: number, length: number): void {
  const available = Math.max(0, Math.min(length, bytes.length - from))
  if (available > 0) heap.set(bytes.subarray(from, from + available), at)
  heap.fill(0, at + available, at + length)
}

/** Which rows to read and compute, with the coefficients of the computed rows in terms of the read ones. */
interface KernelPlan {
  sources: number[]
  /** Rows computed: for a rebuild, the missing shards in scope, then `extras`. */
  targets: number[]
  coefficients: Uint8Array
}

interface RebuildPlan extends KernelPlan {
  /** Present shards beyond the first k: recomputed to check them against the given ones. */
  extras: number[]
}

/** Loss patterns repeat (the same holders are down for many objects), and inverting is O(k^3): keep a few. */
const PLAN_CACHE_LIMIT = 128
const rebuildPlans = new Map<string | number, RebuildPlan>()
const encodePlans = new Map<number, KernelPlan>()
const encodingMatrices = new Map<number, GfMatrix>()

function rebuildPlan (present: readonly boolean[], dataShards: number, parityShards: number,
  scope: RebuildScope): RebuildPlan {
  const key = patternKey(present, dataShards, scope)
  const cached = rebuildPlans.get(key)
  if (cached !== undefined) {
    rebuildPlans.delete(key) // re-insert: Map order is the least-recently-used order
    rebuildPlans.set(key, cached)
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
  const targets = [...missing, ...extras]
  const matrix = encodingMatrix(dataShards, parityShards)
  // Shard i = matrix row i x data, and data = inverse(source rows) x sources.
  const fromSources = multiply(selectRows(matrix, targets), invert(selectRows(matrix, sources)))
  const plan = { sources, targets, extras, coefficients: fromSources.cells }
  rebuildPlans.set(key, plan)
  if (rebuildPlans.size > PLAN_CACHE_LIMIT) rebuildPlans.delete(rebuildPlans.keys().next().value as string | number)
  return plan
}

/** A number while the pattern fits in one (up to 40 shards, so 10 + 5 needs no string), else a string. */
function patternKey (present: readonly boolean[], dataShards: number, scope: RebuildScope): string | number {
  if (present.length <= 40) {
    let mask = 0
    for (let index = 0; index < present.length; index++) mask = mask * 2 + (present[index] ? 1 : 0)
    return ((mask * 64 + present.length) * 64 + dataShards) * 2 + (scope === 'all' ? 1 : 0)
  }
  return `${dataShards}${scope}${present.map((isPresent) => isPresent ? '1' : '0').join('')}`
}

function encodePlan (dataShards: number, parityShards: number): KernelPlan {
  const key = dataShards * 512 + parityShards
  let plan = encodePlans.get(key)
  if (plan === undefined) {
    plan = {
      sources: Array.from({ length: dataShards }, (_, i) => i),
      targets: Array.from({ length: parityShards }, (_, i) => dataShards + i),
      coefficients: encodingMatrix(dataShards, parityShards).cells.slice(dataShards * dataShards)
    }
    if (encodePlans.size >= PLAN_CACHE_LIMIT) encodePlans.clear()
    encodePlans.set(key, plan)
  }
  return plan
}

function encodingMatrix (dataShards: number, parityShards: number): GfMatrix {
  const key = dataShards * 512 + parityShards
  let matrix = encodingMatrices.get(key)
  if (matrix === undefined) {
    matrix = systematicVandermonde(dataShards, dataShards + parityShards)
    if (encodingMatrices.size >= PLAN_CACHE_LIMIT) encodingMatrices.clear()
    encodingMatrices.set(key, matrix)
  }
  return matrix
}

