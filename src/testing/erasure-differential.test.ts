import { describe, expect, it } from 'vitest'
import { erasureCoder } from '../erasure/index.ts'
import { checkCase, runDifferential } from './erasure-differential.ts'

const simd = erasureCoder('simd')
const reference = erasureCoder('reference')

// The 100,000-case run is `npm run fuzz:erasure`; this seeded sample keeps the unit suite fast.
describe('SIMD coder against reed-solomon-erasure.wasm', () => {
  it('agrees byte for byte, errors included, on 2,000 seeded random cases', async () => {
    const tally = await runDifferential(simd, reference, { seed: 0xd1ff, numRuns: 2000, maxObjectBytes: 128 * 1024 })
    // The mix really covers rebuilds, both refusals, and 10 + 5 and large objects.
    expect(tally.get('decode ok')).toBeGreaterThan(1200)
    expect(tally.get('reconstructShards NotEnoughShardsError')).toBeGreaterThan(100)
    expect(tally.get('decode InconsistentShardsError')).toBeGreaterThan(20)
    expect(tally.get('reconstructShards InconsistentShardsError')).toBeGreaterThan(50)
    expect(tally.get('10+5 cases')).toBeGreaterThan(700)
    expect(tally.get('objects of 64 KiB or more')).toBeGreaterThan(50)
  })

  it('agrees on a corrupt shard beyond the k it reads: both name the same shard', async () => {
    const corruptCases = Array.from({ length: 40 }, (_, i) => ({
      dataShards: 10, parityShards: 5, objectBytes: 1000 + i, bytesSeed: i, lost: i % 5, patternSeed: i * 5, corrupt: true
    }))
    const results = await Promise.all(corruptCases.map(async (test) => await checkCase(simd, reference, test)))
    expect(results.filter((result) => result.reconstructShards === 'InconsistentShardsError').length).toBeGreaterThan(20)
  })

  it('would notice a difference (the check is not vacuous)', async () => {
    const lying = { ...simd, encode: async (bytes: Uint8Array, k?: number, m?: number) => {
      const encoded = await simd.encode(bytes, k, m)
      encoded.shards[encoded.shards.length - 1][0] ^= 1
      return encoded
    } }
    await expect(checkCase(lying, reference, {
      dataShards: 10, parityShards: 5, objectBytes: 100, bytesSeed: 1, lost: 0, patternSeed: 1, corrupt: false
    })).rejects.toThrow(/encode differs/)
  })
})
