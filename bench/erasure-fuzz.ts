// `npm run fuzz:erasure [-- --cases N --seed S]`: the SIMD coder against reed-solomon-erasure.wasm over
// 100,000 seeded random cases (0 B to 384 KiB, k and m from 1 + 0 to 64 + 64 with 10 + 5 the most common,
// random loss patterns, one case in ten with a corrupt shard), byte for byte and error for error.
// The unit suite runs a 2,000-case sample of the same check (src/erasure/differential.test.ts).
import { parseArgs } from 'node:util'
import { runDifferential } from '../src/testing/erasure-differential.ts'
import { erasureCoder } from '../src/erasure/index.ts'

export async function runErasureFuzz (cases = 100_000, seed = 0x5eed2026): Promise<void> {
  const started = performance.now()
  console.log(`differential run: ${cases} cases, seed ${seed} (simd coder against reed-solomon-erasure.wasm)`)
  const tally = await runDifferential(erasureCoder('simd'), erasureCoder('reference'), { seed, numRuns: cases })
  console.log([...tally].sort().map(([outcome, count]) => `  ${outcome}: ${count}`).join('\n'))
  console.log(`${cases} passed, 0 failed in ${((performance.now() - started) / 1000).toFixed(0)} s`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { cases: { type: 'string' }, seed: { type: 'string' } } })
  await runErasureFuzz(values.cases !== undefined ? Number(values.cases) : undefined,
    values.seed !== undefined ? Number(values.seed) : undefined)
}
