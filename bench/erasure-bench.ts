import { decode, encode, initErasure, reconstructShards } from '../src/erasure/index.ts'
import { mulberry32, randomBytes } from '../src/testing/seeded-random.ts'

/** Throughputs in MB/s (10^6 bytes of object per second), medians over `repeats` timed batches. */
export interface ErasureBenchRow {
  objectBytes: number
  encodeMBps: number
  /** `decode` with m shards missing (a mix of data and parity). */
  decodeMBps: number
  /** `reconstructShards` (all data and parity shards back) with m shards missing. */
  rebuildMBps: number
  /** `Uint8Array.prototype.set` into a freshly allocated buffer of the same size: the ceiling to compare with. */
  memcpyMBps: number
}

export interface ErasureBenchOptions {
  sizes?: number[]
  repeats?: number
  /** Each timed batch runs until at least this long, so tiny objects are not timed one call at a time. */
  minBatchMs?: number
  dataShards?: number
  parityShards?: number
}

export const DEFAULT_BENCH_SIZES = [512, 4 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024]

/**
 * Measures the erasure module with no Node API, so the same bench can run in a browser tab.
 */
export async function runErasureBench (options: ErasureBenchOptions = {}): Promise<ErasureBenchRow[]> {
  const { sizes = DEFAULT_BENCH_SIZES, repeats = 7, minBatchMs = 40, dataShards = 10, parityShards = 5 } = options
  await initErasure() // keep WASM loading out of the first timing
  const random = mulberry32(0xbe9c4)
  const rows: ErasureBenchRow[] = []
  for (const objectBytes of sizes) {
    const object = randomBytes(random, objectBytes)
    const { shards } = await encode(object, dataShards, parityShards)
    const damaged: Array<Uint8Array | null> = shards.slice()
    for (const index of missingShardIndexes(dataShards, parityShards)) damaged[index] = null

    const mbps = async (operation: () => unknown): Promise<number> =>
      median(await timeRepeatedly(operation, objectBytes, repeats, minBatchMs))
    rows.push({
      objectBytes,
      encodeMBps: await mbps(async () => await encode(object, dataShards, parityShards)),
      decodeMBps: await mbps(async () => await decode(damaged, dataShards, parityShards, objectBytes)),
      rebuildMBps: await mbps(async () => await reconstructShards(damaged, dataShards, parityShards)),
      memcpyMBps: await mbps(() => {
        const copy = new Uint8Array(objectBytes)
        copy.set(object)
        return copy
      })
    })
  }
  return rows
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
  // Read the clock only every ~0.2 ms of work, so its cost does not count against tiny operations.
  const warmUpStart = performance.now()
  await run(3)
  const callsPerCheck = Math.max(1, Math.min(10_000, Math.ceil(0.2 / ((performance.now() - warmUpStart) / 3))))
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
