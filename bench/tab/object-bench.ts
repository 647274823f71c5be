/**
 * Latency of storing and fetching objects through `ObjectStore` over whatever mesh `deps` reach. No Node API, so
 * the same bench runs from a Node script (a loopback mesh) and in a browser tab (the real mesh).
 */
import { mulberry32, randomBytes } from '../../src/testing/seeded-random.ts'
import type { ObjectId } from '../../src/types/index.ts'
import { ObjectStore, type ObjectStoreDeps } from '../../src/objects/index.ts'

export interface ObjectBenchOptions {
  /** Object sizes in bytes (default 512 B and 64 KiB). */
  sizes?: number[]
  /** Timed operations per size and kind (default 50). */
  ops?: number
  /** Untimed operations first, so connections, WASM and JIT are warm (default 5). */
  warmup?: number
  /** Timed fetches of the whole history (all objects stored so far) per size (default 3). */
  historyFetches?: number
  /** Delete the objects stored by the bench afterwards (default true). */
  cleanup?: boolean
}

export interface ObjectBenchRow {
  /** `store`: storeObject; `fetch`: fetchObject by ID; `history`: fetchObjects of everything stored so far. */
  operation: 'store' | 'fetch' | 'history'
  objectBytes: number
  ops: number
  /** Objects returned per history fetch (0 for the other operations). */
  objectsPerOp: number
  p50Ms: number
  p99Ms: number
  meanMs: number
  maxMs: number
}

/** Runs the bench, one size after the other, one operation at a time (latency, not throughput). */
export async function runObjectBench (deps: ObjectStoreDeps, options: ObjectBenchOptions = {}): Promise<ObjectBenchRow[]> {
  return await runObjectBenchOn(new ObjectStore(deps), options)
}

/** The same bench on a node's own object store (a tab's, with its cached placement lookups). */
export async function runObjectBenchOn (objects: ObjectStore, options: ObjectBenchOptions = {}): Promise<ObjectBenchRow[]> {
  const { sizes = [512, 64 * 1024], ops = 50, warmup = 5, historyFetches = 3, cleanup = true } = options
  const random = mulberry32(0x0b7ec7)
  const rows: ObjectBenchRow[] = []
  const storedIds: ObjectId[] = []
  try {
    for (const objectBytes of sizes) {
      const ids: ObjectId[] = []
      const storeTimes = await timeEach(warmup + ops, async () => {
        const { objectId } = await objects.storeObject(randomBytes(random, objectBytes))
        ids.push(objectId)
      })
      storedIds.push(...ids)
      rows.push(row('store', objectBytes, storeTimes.slice(warmup)))

      let next = 0
      const fetchTimes = await timeEach(warmup + ops, async () => {
        const object = await objects.fetchObject(ids[next++ % ids.length])
        if (object.bytes.length !== objectBytes) throw new Error(`fetched ${object.bytes.length} bytes, stored ${objectBytes}`)
      })
      rows.push(row('fetch', objectBytes, fetchTimes.slice(warmup)))

      let returned = 0
      const historyTimes = await timeEach(historyFetches, async () => {
        const history = await objects.fetchObjects()
        if (history.failed.length > 0) throw new Error(`${history.failed.length} objects failed: ${history.failed[0].error.message}`)
        returned = history.objects.length
      })
      if (historyFetches > 0) rows.push({ ...row('history', objectBytes, historyTimes), objectsPerOp: returned })
    }
  } finally {
    if (cleanup) for (const objectId of storedIds) await objects.deleteObject(objectId).catch(() => 0)
  }
  return rows
}

async function timeEach (count: number, operation: () => Promise<void>): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    await operation()
    times.push(performance.now() - started)
  }
  return times
}

function row (operation: ObjectBenchRow['operation'], objectBytes: number, times: number[]): ObjectBenchRow {
  const sorted = [...times].sort((a, b) => a - b)
  // Nearest rank: with 50 samples, p99 is the largest.
  const percentile = (p: number): number => sorted[Math.max(0, Math.ceil(p / 100 * sorted.length) - 1)] ?? NaN
  return {
    operation,
    objectBytes,
    ops: times.length,
    objectsPerOp: 0,
    p50Ms: round(percentile(50)),
    p99Ms: round(percentile(99)),
    meanMs: round(times.reduce((sum, t) => sum + t, 0) / Math.max(1, times.length)),
    maxMs: round(sorted.at(-1) ?? NaN)
  }
}

function round (ms: number): number {
  return Math.round(ms * 10) / 10
}
