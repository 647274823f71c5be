import type { ErasureBenchRow, ErasureBenchSubject } from './erasure-bench.ts'

export function formatSize (bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`
}

function formatRate (mbps: number): string {
  return Number.isNaN(mbps) ? '' : mbps.toFixed(mbps < 10 ? 2 : mbps < 100 ? 1 : 0)
}

function formatMicros (micros: number): string {
  return micros.toFixed(micros < 10 ? 2 : micros < 100 ? 1 : 0)
}

/** One table for the erasure rows, the same in Node and in Chromium, then the comparisons and targets. */
export function printErasureRows (rows: ErasureBenchRow[]): void {
  console.table(rows.map((row) => ({
    object: formatSize(row.objectBytes),
    coder: row.coder,
    'encode MB/s': formatRate(row.encodeMBps),
    'rebuild 5 MB/s': formatRate(row.rebuildMBps),
    'decode MB/s': formatRate(row.decodeMBps),
    'encode us': formatMicros(row.encodeMicros),
    'rebuild us': formatMicros(row.rebuildMicros),
    'encode→prealloc MB/s': formatRate(row.encodeIntoMBps),
    'rebuild→prealloc MB/s': formatRate(row.rebuildIntoMBps),
    'memcpy MB/s': formatRate(row.memcpyMBps),
    'alloc+copy MB/s': formatRate(row.allocCopyMBps)
  })))
  for (const line of summarizeErasureRows(rows)) console.log(line)
}

const TARGET_SIZES = [64 * 1024, 256 * 1024, 1024 * 1024]

/** Ratios over 64 KiB-1 MiB and the fixed cost per call, as text lines, from rows measured in one run. */
export function summarizeErasureRows (rows: ErasureBenchRow[]): string[] {
  const rowOf = (coder: ErasureBenchSubject, size: number): ErasureBenchRow | undefined =>
    rows.find((row) => row.coder === coder && row.objectBytes === size)
  const span = (values: number[], format: (value: number) => string): string => values.length === 0
    ? 'n/a'
    : `${format(Math.min(...values))}-${format(Math.max(...values))}`
  const ratio = (value: number): string => `${value.toFixed(1)}x`
  const percent = (value: number): string => `${(value * 100).toFixed(0)}%`
  const pairs = (pick: (simd: ErasureBenchRow, other: ErasureBenchRow) => number, other: ErasureBenchSubject): number[] =>
    TARGET_SIZES.flatMap((size) => {
      const simd = rowOf('simd', size)
      const base = rowOf(other, size)
      return simd !== undefined && base !== undefined ? [pick(simd, base)] : []
    })
  const simdRows = TARGET_SIZES.flatMap((size) => rowOf('simd', size) ?? [])
  const lines = [
    'At 64 KiB-1 MiB (ranges over the three sizes):',
    `  simd / reference:  encode ${span(pairs((s, r) => s.encodeMBps / r.encodeMBps, 'reference'), ratio)}, ` +
      `rebuild ${span(pairs((s, r) => s.rebuildMBps / r.rebuildMBps, 'reference'), ratio)}; coding into a ` +
      `preallocated codeword: encode ${span(pairs((s, r) => s.encodeIntoMBps / r.encodeIntoMBps, 'reference'), ratio)}, ` +
      `rebuild ${span(pairs((s, r) => s.rebuildIntoMBps / r.rebuildIntoMBps, 'reference'), ratio)}`,
    `  simd / memcpy:     encode ${span(simdRows.map((row) => row.encodeMBps / row.memcpyMBps), percent)}, ` +
      `rebuild ${span(simdRows.map((row) => row.rebuildMBps / row.memcpyMBps), percent)}; into a preallocated ` +
      `codeword: encode ${span(simdRows.map((row) => row.encodeIntoMBps / row.memcpyMBps), percent)}, ` +
      `rebuild ${span(simdRows.map((row) => row.rebuildIntoMBps / row.memcpyMBps), percent)}`,
    `  simd MB/s:         encode ${span(simdRows.map((row) => row.encodeMBps), formatRate)}, ` +
      `rebuild ${span(simdRows.map((row) => row.rebuildMBps), formatRate)}; into a preallocated codeword: ` +
      `encode ${span(simdRows.map((row) => row.encodeIntoMBps), formatRate)}, ` +
      `rebuild ${span(simdRows.map((row) => row.rebuildIntoMBps), formatRate)}`
  ]
  const smallest = Math.min(...rows.map((row) => row.objectBytes))
  const fixed = rows.filter((row) => row.objectBytes === smallest)
    .map((row) => `${row.coder} encode ${formatMicros(row.encodeMicros)} us, rebuild ${formatMicros(row.rebuildMicros)} us`)
  lines.push(`Fixed cost per call (${formatSize(smallest)} object): ${fixed.join('; ')}`)
  return lines
}
