/**
 * Benchmarks that run inside a tab, loaded on demand (`window.zentalk.bench`, driven by bench/tab.ts) so the app
 * bundle does not carry them: the erasure code in this browser's WASM engine, and object store/fetch latency over
 * this tab's mesh.
 */
import { runErasureBench, type ErasureBenchOptions, type ErasureBenchRow } from '../../bench/erasure-bench.ts'
import { runObjectBenchOn, type ObjectBenchOptions, type ObjectBenchRow } from './object-bench.ts'
import type { ObjectStore } from '../../src/objects/index.ts'

export interface TabBench {
  erasure(options?: ErasureBenchOptions): Promise<ErasureBenchRow[]>
  objects(options?: ObjectBenchOptions): Promise<ObjectBenchRow[]>
}

export function tabBench (objects: ObjectStore): TabBench {
  return {
    erasure: async (options) => await runErasureBench(options),
    objects: async (options) => await runObjectBenchOn(objects, options)
  }
}
