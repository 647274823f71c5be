import { describe, expect, it } from 'vitest'
import { createCoder } from './coder.ts'
import { runDifferential } from '../testing/erasure-differential.ts'
import { erasureCoder } from './index.ts'
import { createSimdEngine } from './simd-engine.ts'

describe('SIMD engine with objects larger than its memory budget', () => {
  it('codes in column segments and still agrees with reed-solomon-erasure.wasm, corrupt shards included', async () => {
    // A 4 KiB budget splits every object above a few KiB into segments (the default budget is 16 MiB).
    const segmented = createCoder(createSimdEngine(4096))
    const tally = await runDifferential(segmented, erasureCoder('reference'), { seed: 0x5e65, numRuns: 300, maxObjectBytes: 48 * 1024 })
    expect(tally.get('reconstructShards InconsistentShardsError')).toBeGreaterThan(5)
    expect(tally.get('objects of 64 KiB or more') ?? 0).toBe(0)
  })
})
