import { describe, expect, it } from 'vitest'
import { decode, defaultErasureCoderName, encode, erasureCoder, reconstructShards, type ErasureCoderName } from './index.ts'
import { mulberry32, randomBytes, randomInt } from '../testing/seeded-random.ts'
import { equalBytes } from './shards.ts'
import { loadKernelModule, wasmSimdSupported } from './simd/kernel.ts'
import { loadReedSolomonModule } from './wasm-loader.ts'

// Runs in real Chromium: proves the browser loading branches (Vite assets + fetch) and the coding itself in the
// engine the storage tabs use. The full randomized suites run in Node (codec.test.ts, differential.test.ts).
describe('erasure coding in the browser', () => {
  it('loads both WASM modules through the page (not node:fs), and picks the SIMD coder', async () => {
    expect(typeof document).toBe('object')
    expect(WebAssembly.Module.exports(await loadReedSolomonModule()).map(({ name }) => name)).toContain('reconstruct')
    expect(WebAssembly.Module.exports(await loadKernelModule()).map(({ name }) => name)).toContain('mulRows')
    expect(wasmSimdSupported()).toBe(true)
    expect(defaultErasureCoderName()).toBe('simd')
  })

  it.each<ErasureCoderName>(['simd', 'reference'])('keeps the klauspost/Backblaze first parity row (%s)', async (name) => {
    const identity = new Uint8Array(100)
    for (let j = 0; j < 10; j++) identity[j * 10 + j] = 1
    const { shards } = await erasureCoder(name).encode(identity)
    expect(Array.from(shards[10])).toEqual([129, 150, 175, 184, 210, 196, 254, 232, 3, 2])
  })

  it('rebuilds 500 random objects from any 10 of 15 shards, the same as the reference coder', async () => {
    const random = mulberry32(0xb7055e7)
    const reference = erasureCoder('reference')
    // Byte comparison by hand: toEqual walks typed arrays element by element, far too slowly here.
    const same = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean =>
      a.length === b.length && a.every((row, index) => equalBytes(row, b[index]))
    for (let round = 0; round < 500; round++) {
      const size = random() < 0.5 ? randomInt(random, 11) : randomInt(random, 128 * 1024)
      const object = randomBytes(random, size)
      const { shards } = await encode(object)
      const originals = shards.map((shard) => shard.slice())
      const slots: Array<Uint8Array | null> = shards.slice()
      for (let lost = randomInt(random, 6); lost > 0;) {
        const index = randomInt(random, 15)
        if (slots[index] !== null) { slots[index] = null; lost-- }
      }
      expect(equalBytes(await decode(slots, 10, 5, size), object), `decode, round ${round}`).toBe(true)
      expect(same(await reconstructShards(slots, 10, 5), originals), `rebuild, round ${round}`).toBe(true)
      if (round % 10 === 0) expect(same((await reference.encode(object)).shards, originals), `round ${round}`).toBe(true)
    }
  })
})
