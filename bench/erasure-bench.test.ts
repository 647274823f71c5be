import { describe, expect, it } from 'vitest'
import { missingShardIndexes, runErasureBench } from './erasure-bench.ts'

describe('runErasureBench', () => {
  it('returns one row of positive finite MB/s figures per object size', async () => {
    const rows = await runErasureBench({ sizes: [512, 8192], repeats: 1, minBatchMs: 1 })
    expect(rows.map((row) => row.objectBytes)).toEqual([512, 8192])
    for (const row of rows) {
      for (const rate of [row.encodeMBps, row.decodeMBps, row.rebuildMBps, row.memcpyMBps]) {
        expect(Number.isFinite(rate) && rate > 0).toBe(true)
      }
    }
  })

  it('loses m distinct shards, both data and parity, for the worst-case rebuild', () => {
    expect(missingShardIndexes(10, 5)).toEqual([0, 3, 6, 10, 12])
    expect(missingShardIndexes(4, 2)).toEqual([0, 4])
    expect(missingShardIndexes(1, 0)).toEqual([])
  })
})
