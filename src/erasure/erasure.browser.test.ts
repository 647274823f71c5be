import { describe, expect, it } from 'vitest'
import { decode, encode, reconstructShards } from './index.ts'
import { mulberry32, randomBytes, randomInt } from '../testing/seeded-random.ts'
import { loadReedSolomonModule } from './wasm-loader.ts'

// Runs in real Chromium: proves the browser loading branch (Vite `?url` asset + fetch) and the coding itself
// in the engine the storage tabs use. The full randomized suite runs in Node (codec.test.ts).
describe('erasure coding in the browser', () => {
  it('loads the WASM through the page (not node:fs)', async () => {
    expect(typeof document).toBe('object')
    const module = await loadReedSolomonModule()
    expect(WebAssembly.Module.exports(module).map(({ name }) => name)).toContain('reconstruct')
  })

  it('keeps the klauspost/Backblaze first parity row', async () => {
    const identity = new Uint8Array(100)
    for (let j = 0; j < 10; j++) identity[j * 10 + j] = 1
    const { shards } = await encode(identity)
    expect(Array.from(shards[10])).toEqual([129, 150, 175, 184, 210, 196, 254, 232, 3, 2])
  })

  it('rebuilds 500 random objects from any 10 of 15 shards', async () => {
    const random = mulberry32(0xb7055e7)
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
      expect(await decode(slots, 10, 5, size), `round ${round}`).toEqual(object)
      expect(await reconstructShards(slots, 10, 5), `round ${round}`).toEqual(originals)
    }
  })
})
