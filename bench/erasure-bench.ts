import {
  checkShards,
  decode,
  encode,
  erasureCoder,
  reconstructShards,
  referenceEngine,
  simdEngine,
  type CodingEngine,
  type ErasureCoder,
  type ErasureCoderName
} from '../src/erasure/index.ts'
import { mulberry32, randomBytes } from '../src/testing/seeded-random.ts'

/** Which code path a row measures: one coder on the calling thread, or the module's default functions. */
export type ErasureBenchSubject = ErasureCoderName | 'default'

/** Throughputs in MB/s (10^6 bytes of object per second), medians over `repeats` timed batches. */
export interface ErasureBenchRow {
  coder: ErasureBenchSubject
  objectBytes: number
  /** `encode`: returns k + m fresh shards. */
  encodeMBps: number
  /** `decode` with m shards missing (a mix of data and parity). */
  decodeMBps: number
  /** `reconstructShards` (all data and parity shards back) with m shards missing. */
  rebuildMBps: number
  /** The coding alone: parity written into a preallocated codeword (no result allocated). */
  encodeIntoMBps: number
  /** The coding alone: m missing shards rebuilt into a preallocated codeword. */
  rebuildIntoMBps: number
  /** Microseconds per call of `encode` and `reconstructShards`; at 1-byte shards, the fixed cost of a call. */
  encodeMicros: number
  rebuildMicros: number
  /** `TypedArray.set` of the object into a preallocated buffer: the ceiling to compare with. */
  memcpyMBps: number
  /** A fresh buffer the size of the k + m shards, filled by `set`: what returning new shards costs here. */
  allocCopyMBps: number
}

export interface ErasureBenchOptions {
  sizes?: number[]
  coders?: ErasureBenchSubject[]
  repeats?: number
  /** Each timed batch runs until at least this long, so tiny objects are not timed one call at a time. */
  minBatchMs?: number
  dataShards?: number
  parityShards?: number
}

/** 10 B = 1-byte shards for 10 + 5: that row's time per call is the fixed cost of a call. */
export const DEFAULT_BENCH_SIZES = [10, 512, 64 * 1024, 256 * 1024, 1024 * 1024]
export const DEFAULT_BENCH_CODERS: ErasureBenchSubject[] = ['simd', 'reference']

const engines: Record<ErasureCoderName, CodingEngine> = { simd: simdEngine, reference: referenceEngine }

/** The module's default functions (SIMD, and a worker for large objects on a page) as a coder. */
const defaultFunctions: ErasureCoder = {
  name: 'simd',
  init: async () => {},
  encode,
  decode,
  reconstructShards
}

/**
 * Measures the erasure coders with no Node API, so the same bench runs in Node and in a browser tab. For each
 * size, memory copy is measured in the same run, just before the coders, as the ceiling.
 */
export async function runErasureBench (options: ErasureBenchOptions = {}): Promise<ErasureBenchRow[]> {
  const {
    sizes = DEFAULT_BENCH_SIZES, coders = DEFAULT_BENCH_CODERS, repeats = 7, minBatchMs = 40,
    dataShards = 10, parityShards = 5
  } = options
  const random = mulberry32(0xbe9c4)
  const rows: ErasureBenchRow[] = []
  for (const objectBytes of sizes) {
    const object = randomBytes(random, objectBytes)
    const mbps = async (operation: () => unknown): Promise<number> =>
      median(await timeRepeatedly(operation, objectBytes, repeats, minBatchMs))
    const preallocated = new Uint8Array(objectBytes)
    const memcpyMBps = await mbps(() => { preallocated.set(object) })
    const codewordBytes = Math.max(1, Math.ceil(objectBytes / dataShards)) * (dataShards + parityShards)
    const allocCopyMBps = await mbps(() => {
      const fresh = new Uint8Array(codewordBytes)
      fresh.set(object)
      return fresh
    })

    for (const subject of coders) {
      const coder = subject === 'default' ? defaultFunctions : erasureCoder(subject)
      await coder.init() // keep WASM loading out of the first timing
      const { shards } = await coder.encode(object, dataShards, parityShards)
      const damaged: Array<Uint8Array | null> = shards.slice()
      for (const index of missingShardIndexes(dataShards, parityShards)) damaged[index] = null
      const into = subject === 'default' ? undefined : intoPreallocated(engines[subject], object, damaged, dataShards, parityShards)
      const encodeMBps = await mbps(async () => await coder.encode(object, dataShards, parityShards))
      const rebuildMBps = await mbps(async () => await coder.reconstructShards(damaged, dataShards, parityShards))
      rows.push({
        coder: subject,
        objectBytes,
        encodeMBps,
        decodeMBps: await mbps(async () => await coder.decode(damaged, dataShards, parityShards, objectBytes)),
        rebuildMBps,
        encodeIntoMBps: into === undefined ? Number.NaN : await mbps(into.encode),
        rebuildIntoMBps: into === undefined ? Number.NaN : await mbps(into.rebuild),
        encodeMicros: objectBytes / encodeMBps,
        rebuildMicros: objectBytes / rebuildMBps,
        memcpyMBps,
        allocCopyMBps
      })
    }
  }
  return rows
}

/** The engine's coding into one codeword buffer that is reused: no allocation of results per call. */
function intoPreallocated (engine: CodingEngine, object: Uint8Array, damaged: Array<Uint8Array | null>,
  dataShards: number, parityShards: number): { encode: () => Promise<Uint8Array>, rebuild: () => Promise<Uint8Array> } {
  const { shardSize, present } = checkShards(damaged, dataShards, parityShards)
  const codeword = new Uint8Array(shardSize * (dataShards + parityShards))
  const rebuilt = new Uint8Array(codeword.length)
  return {
    encode: async () => await engine.encode(object, dataShards, parityShards, codeword),
    rebuild: async () => await engine.rebuild(damaged, present, dataShards, parityShards, shardSize, 'all', rebuilt)
  }
}

/**
 * The m shards a worst-case rebuild loses: about half data, half parity, spread out
 * (10 + 5: data 0, 3, 6 and parity 10, 12).
 */
export function missingShardIndexes (dataShards: number, parityShards: number): number[] {
  const dataMissing = Math.min(dataShards, Math.ceil(parityShards / 2))
  const parityMissing = parityShards - dataMissing
  return [
    ...Array.from({ length: dataMissing }, (_, i) => Math.floor(i * dataShards / dataMissing)),
    ...Array.from({ length: parityMissing }, (_, i) => dataShards + Math.floor(i * parityShards / parityMissing))
  ]
}

const WARM_UP_MS = 20

/** Runs `repeats` batches after a warm-up; returns MB/s of each batch. */
async function timeRepeatedly (operation: () => unknown, objectBytes: number, repeats: number,
  minBatchMs: number): Promise<number[]> {
  // Await only real promises: an extra tick per call would dominate the timing of small copies.
  const run = async (calls: number): Promise<void> => {
    for (let call = 0; call < calls; call++) {
      const result = operation()
      if (result instanceof Promise) await result
    }
  }
  // Warm up for a while (the JIT tiers up hot code in its first milliseconds), then read the clock only every
  // ~0.2 ms of work, so its cost does not count against tiny operations.
  const warmUpStart = performance.now()
  let warmUpCalls = 0
  do {
    await run(1)
    warmUpCalls++
  } while (performance.now() - warmUpStart < WARM_UP_MS)
  const callsPerCheck = Math.max(1, Math.min(10_000,
    Math.ceil(0.2 / ((performance.now() - warmUpStart) / warmUpCalls))))
  const results: number[] = []
  for (let repeat = 0; repeat < repeats; repeat++) {
    let calls = 0
    const start = performance.now()
    let elapsed = 0
    do {
      await run(callsPerCheck)
      calls += callsPerCheck
      elapsed = performance.now() - start
    } while (elapsed < minBatchMs)
    results.push(objectBytes * calls / (elapsed / 1000) / 1e6)
  }
  return results
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
