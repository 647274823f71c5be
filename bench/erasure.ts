// Prints the erasure benchmark: node --import tsx bench/erasure.ts
import { loadavg } from 'node:os'
import { runErasureBench } from '../src/erasure/bench.ts'

const loadBefore = loadavg()[0]
const rows = await runErasureBench()
const formatSize = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`
const formatRate = (mbps: number): string => mbps.toFixed(mbps < 100 ? 1 : 0)

console.log(`Reed-Solomon 10+5 over reed-solomon-erasure.wasm, Node ${process.versions.node}; MB/s = 10^6 B/s, ` +
  'median of 7 batches; decode and rebuild with 5 shards missing (data 0, 3, 6, parity 10, 12)')
console.table(rows.map((row) => ({
  object: formatSize(row.objectBytes),
  'encode MB/s': formatRate(row.encodeMBps),
  'decode MB/s': formatRate(row.decodeMBps),
  'rebuild MB/s': formatRate(row.rebuildMBps),
  'memcpy MB/s': formatRate(row.memcpyMBps),
  'encode / memcpy': `${(row.encodeMBps / row.memcpyMBps * 100).toFixed(1)}%`
})))
// Wall-clock rates: on a shared 2-core machine, other processes lower them (load average shown for context).
console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`)
