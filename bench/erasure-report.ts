/**
 * The erasure benchmark's sections of bench/report.md: per object size, both coders' MB/s next to memory copy
 * from the same run, the fixed cost of a call, and the coder targets (issue 17): at 64 KiB-1 MiB, encode ≥ 2 GB/s,
 * rebuild of 5 lost shards ≥ 1 GB/s, ≥ 10× reed-solomon-erasure.wasm, ≥ 15 % of memcpy; ≥ 5 µs per call at most.
 */
import type { ErasureBenchRow, ErasureBenchSubject } from './erasure-bench.ts'
import { formatSize } from './erasure-table.ts'
import { formatValue, type ReportSection, type ReportTable, type ReportTarget } from './report.ts'

const TARGET_SIZES = [64 * 1024, 256 * 1024, 1024 * 1024]
const ENCODE_TARGET_MBPS = 2000
const REBUILD_TARGET_MBPS = 1000
const REFERENCE_RATIO_TARGET = 10
const MEMCPY_SHARE_TARGET = 0.15
const FIXED_COST_TARGET_US = 5

export const ERASURE_REPORT_DESCRIPTION = 'Reed-Solomon 10 + 5. simd = our WASM SIMD coder, reference = ' +
  'reed-solomon-erasure.wasm (the baseline coder); MB/s = 10^6 B of object per second, median of 7 batches. ' +
  '"encode" and "rebuild 5" are the public calls, which return fresh shards; "→prealloc" is the coding alone, into ' +
  'a reused codeword. rebuild and decode lose 5 of 15 shards (data 0, 3, 6, parity 10, 12). memcpy = ' +
  'TypedArray.set of the object into a preallocated buffer, measured in the same run just before the coders: the ' +
  'ceiling; alloc+copy = the same into a fresh buffer the size of the 15 shards, what returning new shards costs ' +
  'at the least. The targets are checked on the public calls, with the coding alone shown next to them. The 10 B object has 1-byte shards: its µs per call is the fixed cost of a call.'

const rate = (value: number): string => Number.isNaN(value) ? '' : formatValue(value)
const micros = (value: number): string => value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)

export function erasureTable (rows: ErasureBenchRow[]): ReportTable {
  return {
    columns: ['object', 'coder', 'encode MB/s', 'rebuild 5 MB/s', 'decode MB/s', 'encode→prealloc MB/s',
      'rebuild→prealloc MB/s', 'memcpy MB/s (baseline)', 'alloc+copy MB/s (baseline)', 'encode µs/call', 'rebuild µs/call'],
    rows: rows.map(row => [formatSize(row.objectBytes), row.coder, rate(row.encodeMBps), rate(row.rebuildMBps),
      rate(row.decodeMBps), rate(row.encodeIntoMBps), rate(row.rebuildIntoMBps), rate(row.memcpyMBps),
      rate(row.allocCopyMBps), micros(row.encodeMicros), micros(row.rebuildMicros)])
  }
}

/** The coder targets, measured on the `simd` rows against `reference` and memcpy of the same run. */
/** With a `qualifier` ("set for Chromium; …"), the targets are marked as a comparison, not counted as the report's. */
export function erasureTargets (rows: ErasureBenchRow[], qualifier = ''): ReportTarget[] {
  const rowOf = (coder: ErasureBenchSubject, size: number): ErasureBenchRow | undefined =>
    rows.find(row => row.coder === coder && row.objectBytes === size)
  const simd = TARGET_SIZES.flatMap(size => rowOf('simd', size) ?? [])
  const pairs = TARGET_SIZES.flatMap(size => {
    const ours = rowOf('simd', size)
    const reference = rowOf('reference', size)
    return ours !== undefined && reference !== undefined ? [{ ours, reference }] : []
  })
  const span = (values: number[], format: (value: number) => string, unit: string): string => values.length === 0
    ? 'not measured'
    : `${format(Math.min(...values))}-${format(Math.max(...values))}${unit}`
  const atLeast = (values: number[], bound: number): boolean => values.length > 0 && Math.min(...values) >= bound
  const percent = (value: number): string => (value * 100).toFixed(value < 0.1 ? 1 : 0)
  const times = (value: number): string => value.toFixed(1)
  const sizes = ' at 64 KiB-1 MiB'
  const encode = simd.map(row => row.encodeMBps)
  const rebuild = simd.map(row => row.rebuildMBps)
  const encodeRatio = pairs.map(({ ours, reference }) => ours.encodeMBps / reference.encodeMBps)
  const rebuildRatio = pairs.map(({ ours, reference }) => ours.rebuildMBps / reference.rebuildMBps)
  const encodeShare = simd.map(row => row.encodeMBps / row.memcpyMBps)
  const rebuildShare = simd.map(row => row.rebuildMBps / row.memcpyMBps)
  const smallest = rows.filter(row => row.coder === 'simd').sort((a, b) => a.objectBytes - b.objectBytes)[0]
  const into = (values: number[], format: (value: number) => string, unit: string): string =>
    values.every(Number.isNaN) ? '' : `; coding alone (→prealloc) ${span(values, format, unit)}`
  const targets: ReportTarget[] = [
    {
      target: `encode ≥ ${ENCODE_TARGET_MBPS} MB/s${sizes}${qualifier}`,
      measured: `${span(encode, formatValue, ' MB/s')}${into(simd.map(row => row.encodeIntoMBps), formatValue, ' MB/s')}`,
      met: atLeast(encode, ENCODE_TARGET_MBPS)
    },
    {
      target: `rebuild of 5 lost shards ≥ ${REBUILD_TARGET_MBPS} MB/s${sizes}${qualifier}`,
      measured: `${span(rebuild, formatValue, ' MB/s')}${into(simd.map(row => row.rebuildIntoMBps), formatValue, ' MB/s')}`,
      met: atLeast(rebuild, REBUILD_TARGET_MBPS)
    },
    {
      target: `encode ≥ ${REFERENCE_RATIO_TARGET}× reed-solomon-erasure.wasm${sizes}${qualifier}`,
      measured: span(encodeRatio, times, '×'),
      met: atLeast(encodeRatio, REFERENCE_RATIO_TARGET)
    },
    {
      target: `rebuild ≥ ${REFERENCE_RATIO_TARGET}× reed-solomon-erasure.wasm${sizes}${qualifier}`,
      measured: span(rebuildRatio, times, '×'),
      met: atLeast(rebuildRatio, REFERENCE_RATIO_TARGET)
    },
    {
      target: `encode ≥ ${MEMCPY_SHARE_TARGET * 100} % of memcpy (same run)${sizes}${qualifier}`,
      measured: span(encodeShare, percent, ' %'),
      met: atLeast(encodeShare, MEMCPY_SHARE_TARGET)
    },
    {
      target: `rebuild ≥ ${MEMCPY_SHARE_TARGET * 100} % of memcpy (same run)${sizes}${qualifier}`,
      measured: span(rebuildShare, percent, ' %'),
      met: atLeast(rebuildShare, MEMCPY_SHARE_TARGET)
    }
  ]
  if (smallest !== undefined) {
    targets.push({
      target: `fixed cost per call ≤ ${FIXED_COST_TARGET_US} µs (encode and rebuild, ${formatSize(smallest.objectBytes)} object)${qualifier}`,
      measured: `encode ${micros(smallest.encodeMicros)} µs, rebuild ${micros(smallest.rebuildMicros)} µs`,
      met: smallest.encodeMicros <= FIXED_COST_TARGET_US && smallest.rebuildMicros <= FIXED_COST_TARGET_US
    })
  }
  return qualifier === '' ? targets : targets.map(target => ({ ...target, comparison: true }))
}

/** One section for one engine's rows (Node or Chromium). */
export function erasureSection (options: {
  name: string
  title: string
  environment: string
  rows: ErasureBenchRow[]
  extraTables?: ReportTable[]
  /** Appended to each target: "(a Chromium target, shown for Node)". */
  targetQualifier?: string
  notes?: string[]
}): Omit<ReportSection, 'when' | 'loadAverage' | 'cores'> {
  const { rows } = options
  const sizes = [...new Set(rows.map(row => row.objectBytes))].sort((a, b) => a - b)
  const series = (coder: ErasureBenchSubject, pick: (row: ErasureBenchRow) => number): Array<number | null> =>
    sizes.map(size => {
      const row = rows.find(candidate => candidate.coder === coder && candidate.objectBytes === size)
      return row === undefined ? null : pick(row)
    })
  const memcpy = sizes.map(size => rows.find(row => row.objectBytes === size)?.memcpyMBps ?? null)
  return {
    name: options.name,
    title: options.title,
    environment: options.environment,
    description: ERASURE_REPORT_DESCRIPTION,
    tables: [erasureTable(rows), ...(options.extraTables ?? [])],
    targets: erasureTargets(rows, options.targetQualifier),
    notes: [...erasureNotes(rows), ...(options.notes ?? [])],
    chart: {
      title: `${options.title}: MB/s per object size, next to memcpy and the reference coder`,
      unit: 'MB/s',
      log: true,
      categories: sizes.map(formatSize),
      series: [
        { name: 'simd encode', values: series('simd', row => row.encodeMBps) },
        { name: 'simd rebuild 5', values: series('simd', row => row.rebuildMBps) },
        { name: 'simd encode, coding alone (→prealloc)', values: series('simd', row => row.encodeIntoMBps) },
        { name: 'reference encode', values: series('reference', row => row.encodeMBps), baseline: true },
        { name: 'reference rebuild 5', values: series('reference', row => row.rebuildMBps), baseline: true },
        { name: 'memcpy (same run)', values: memcpy, baseline: true }
      ],
      lines: [
        { label: `encode target ${ENCODE_TARGET_MBPS} MB/s`, value: ENCODE_TARGET_MBPS },
        { label: `rebuild target ${REBUILD_TARGET_MBPS} MB/s`, value: REBUILD_TARGET_MBPS }
      ]
    }
  }
}

/** The coding alone against the same baselines, and what bounds the public calls when allocation is slow. */
export function erasureNotes (rows: ErasureBenchRow[]): string[] {
  const pairs = TARGET_SIZES.flatMap(size => {
    const ours = rows.find(row => row.coder === 'simd' && row.objectBytes === size)
    const reference = rows.find(row => row.coder === 'reference' && row.objectBytes === size)
    return ours !== undefined && reference !== undefined ? [{ ours, reference }] : []
  })
  if (pairs.length === 0) return []
  const span = (values: number[], format: (value: number) => string): string =>
    `${format(Math.min(...values))}-${format(Math.max(...values))}`
  const times = (value: number): string => `${value.toFixed(1)}×`
  const percent = (value: number): string => `${(value * 100).toFixed(1)} %`
  const notes: string[] = []
  if (pairs.every(({ ours, reference }) => !Number.isNaN(ours.encodeIntoMBps) && !Number.isNaN(reference.encodeIntoMBps))) {
    notes.push('At 64 KiB-1 MiB, the coding alone (into a preallocated codeword): simd / reference encode ' +
      `${span(pairs.map(({ ours, reference }) => ours.encodeIntoMBps / reference.encodeIntoMBps), times)}, rebuild ` +
      `${span(pairs.map(({ ours, reference }) => ours.rebuildIntoMBps / reference.rebuildIntoMBps), times)}; simd / memcpy ` +
      `encode ${span(pairs.map(({ ours }) => ours.encodeIntoMBps / ours.memcpyMBps), percent)}, rebuild ` +
      `${span(pairs.map(({ ours }) => ours.rebuildIntoMBps / ours.memcpyMBps), percent)}.`)
  }
  const allocBound = pairs.filter(({ ours }) => ours.allocCopyMBps < ours.encodeIntoMBps / 2)
  if (allocBound.length > 0) {
    notes.push(`Allocating and filling a fresh buffer the size of the 15 shards (alloc+copy) ran at ` +
      `${span(allocBound.map(({ ours }) => ours.allocCopyMBps), formatValue)} MB/s at ` +
      `${allocBound.map(({ ours }) => formatSize(ours.objectBytes)).join(', ')} in this run, under half the coding ` +
      'alone: there, the public calls, which return fresh shards, are bounded by allocation, not by the coder.')
  }
  return notes
}
