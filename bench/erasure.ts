// The erasure benchmark in Node: node --import tsx bench/erasure.ts
import { loadavg } from 'node:os'
import { runErasureBench } from './erasure-bench.ts'
import { printErasureRows } from './erasure-table.ts'

export async function runNodeErasureBench (): Promise<void> {
  const loadBefore = loadavg()[0]
  const rows = await runErasureBench()
  console.log(`Reed-Solomon 10+5 over reed-solomon-erasure.wasm, Node ${process.versions.node}; MB/s = 10^6 B/s, ` +
    'median of 7 batches; decode and rebuild with 5 shards missing (data 0, 3, 6, parity 10, 12)')
  printErasureRows(rows)
  // Wall-clock rates: on a shared 2-core machine, other processes lower them (load average shown for context).
  console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`)
}

if (import.meta.url === `file://${process.argv[1]}`) await runNodeErasureBench()
