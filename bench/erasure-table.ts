import type { ErasureBenchRow } from './erasure-bench.ts'

export function formatSize (bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`
}

function formatRate (mbps: number): string {
  return mbps.toFixed(mbps < 100 ? 1 : 0)
}

/** One table for the erasure rows, the same in Node and in Chromium. */
export function printErasureRows (rows: ErasureBenchRow[]): void {
  console.table(rows.map((row) => ({
    object: formatSize(row.objectBytes),
    'encode MB/s': formatRate(row.encodeMBps),
    'decode MB/s': formatRate(row.decodeMBps),
    'rebuild MB/s': formatRate(row.rebuildMBps),
    'memcpy MB/s': formatRate(row.memcpyMBps),
    'encode / memcpy': `${(row.encodeMBps / row.memcpyMBps * 100).toFixed(1)}%`
  })))
}
