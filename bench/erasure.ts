// The erasure benchmark, in Node and in Chromium: node --import tsx bench/erasure.ts (or `npm run bench -- erasure`)
import { loadavg } from 'node:os'
import { runErasureBench } from './erasure-bench.ts'
import { runChromiumErasureBench } from './erasure-chromium.ts'
import { printErasureRows } from './erasure-table.ts'
import { erasureSection } from './erasure-report.ts'
import { recordSection, startSection } from './report.ts'

export const ERASURE_BENCH_LEGEND = 'MB/s = 10^6 B of object per second, median of 7 batches; rebuild and decode with ' +
  '5 of 15 shards missing (data 0, 3, 6, parity 10, 12); "→prealloc" = the coding alone, into a reused codeword; ' +
  'memcpy = TypedArray.set into a preallocated buffer and alloc+copy = set into a fresh buffer the size of the 15 ' +
  'shards, both measured in the same run; 10 B = 1-byte shards: the fixed cost of a call.'

export async function runNodeErasureBench (): Promise<void> {
  const loadBefore = loadavg()[0]
  const finish = startSection()
  const rows = await runErasureBench()
  console.log(`\nReed-Solomon 10+5 in Node ${process.versions.node}: simd = our WASM SIMD coder, reference = ` +
    `reed-solomon-erasure.wasm. ${ERASURE_BENCH_LEGEND}`)
  printErasureRows(rows)
  // Wall-clock rates: on a shared 2-core machine, other processes lower them (load average shown for context).
  console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`)
  recordSection(finish(erasureSection({
    name: 'erasure-node',
    title: 'Erasure coder in Node',
    environment: `Node ${process.versions.node}, one thread`,
    rows,
    targetQualifier: ' (set for Chromium; Node shown for comparison)'
  })))
}

/** `npm run bench -- erasure`: Node, then Chromium. */
export async function runErasureBenchmarks (): Promise<void> {
  await runNodeErasureBench()
  await runChromiumErasureBench()
}

if (import.meta.url === `file://${process.argv[1]}`) await runErasureBenchmarks()
