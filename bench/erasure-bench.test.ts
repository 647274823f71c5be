import { describe, expect, it } from 'vitest'
import { missingShardIndexes, runErasureBench } from './erasure-bench.ts'
import { summarizeErasureRows } from './erasure-table.ts'

describe('runErasureBench', () => {
  it('returns per coder and object size positive finite figures, next to memcpy from the same run', async () => {
    const rows = await runErasureBench({ sizes: [10, 8192], repeats: 1, minBatchMs: 1 })
    expect(rows.map((row) => `${row.coder} ${row.objectBytes}`))
      .toEqual(['simd 10', 'reference 10', 'simd 8192', 'reference 8192'])
    for (const row of rows) {
      for (const value of [row.encodeMBps, row.decodeMBps, row.rebuildMBps, row.encodeIntoMBps, row.rebuildIntoMBps,
        row.encodeMicros, row.rebuildMicros, row.memcpyMBps, row.allocCopyMBps]) {
        expect(Number.isFinite(value) && value > 0, JSON.stringify(row)).toBe(true)
      }
    }
    // One memcpy baseline per size, shared by both coders' rows.
    expect(rows[2].memcpyMBps).toBe(rows[3].memcpyMBps)
  })

  it('measures the default functions too (no preallocated variant there)', async () => {
    const [row] = await runErasureBench({ sizes: [4096], coders: ['default'], repeats: 1, minBatchMs: 1 })
    expect(row.coder).toBe('default')
    expect(row.encodeMBps).toBeGreaterThan(0)
    expect(row.encodeIntoMBps).toBeNaN()
  })

  it('summarizes ratios at 64 KiB-1 MiB and the fixed cost from the smallest object', () => {
    const row = (coder: 'simd' | 'reference', objectBytes: number, rate: number) => ({
      coder, objectBytes, encodeMBps: rate, decodeMBps: rate, rebuildMBps: rate / 2, encodeIntoMBps: rate * 2,
      rebuildIntoMBps: rate, encodeMicros: objectBytes / rate, rebuildMicros: objectBytes / (rate / 2),
      memcpyMBps: 10_000, allocCopyMBps: 500
    })
    const lines = summarizeErasureRows([
      row('simd', 10, 5), row('reference', 10, 0.1), row('simd', 65536, 2000), row('reference', 65536, 100),
      row('simd', 1048576, 3000), row('reference', 1048576, 150)
    ])
    expect(lines.join('\n')).toContain('simd / reference:  encode 20.0x-20.0x')
    expect(lines.join('\n')).toContain('simd / memcpy:     encode 20%-30%')
    expect(lines.at(-1)).toBe('Fixed cost per call (10 B object): simd encode 2.00 us, rebuild 4.00 us; ' +
      'reference encode 100 us, rebuild 200 us')
  })

  it('loses m distinct shards, both data and parity, for the worst-case rebuild', () => {
    expect(missingShardIndexes(10, 5)).toEqual([0, 3, 6, 10, 12])
    expect(missingShardIndexes(4, 2)).toEqual([0, 4])
    expect(missingShardIndexes(1, 0)).toEqual([])
  })
})
