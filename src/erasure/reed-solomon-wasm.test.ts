import { beforeAll, describe, expect, it } from 'vitest'
import { ErasureLibraryError } from './errors.ts'
import { ReedSolomonInstance } from './reed-solomon-wasm.ts'
import { mulberry32, randomBytes, randomInt } from '../testing/seeded-random.ts'
import { loadReedSolomonModule } from './wasm-loader.ts'

let module: WebAssembly.Module
beforeAll(async () => { module = await loadReedSolomonModule() })

/** k data shards of random bytes followed by m zeroed parity slots. */
function dataCodeword (random: () => number, shardSize: number, k: number, m: number): Uint8Array {
  const codeword = new Uint8Array(shardSize * (k + m))
  codeword.set(randomBytes(random, shardSize * k))
  return codeword
}

describe('ReedSolomonInstance (thin wrapper over the WASM exports)', () => {
  it('reconstructs correctly on ONE instance across thousands of changing loss patterns and sizes', async () => {
    // The package's wrapper failed this within a few calls (double free of the availability flags).
    const rs = await ReedSolomonInstance.create(module)
    const random = mulberry32(0xd0b1e)
    const k = 10
    const m = 5
    for (let call = 0; call < 3000; call++) {
      const shardSize = [1, 1, 2, 3, 64, 1000][randomInt(random, 6)]
      const codeword = dataCodeword(random, shardSize, k, m)
      rs.encodeParity(codeword, k, m)
      const present = Array.from({ length: k + m }, () => true)
      for (let lost = randomInt(random, m + 1); lost > 0;) {
        const index = randomInt(random, k + m)
        if (present[index]) { present[index] = false; lost-- }
      }
      const damaged = codeword.slice()
      present.forEach((isPresent, index) => { if (!isPresent) damaged.fill(0, index * shardSize, (index + 1) * shardSize) })
      rs.reconstructData(damaged, k, m, present)
      expect(damaged.subarray(0, k * shardSize), `call ${call}`).toEqual(codeword.subarray(0, k * shardSize))
    }
    expect(rs.usable).toBe(true)
  })

  it('reports a library error code as ErasureLibraryError and stays usable', async () => {
    const rs = await ReedSolomonInstance.create(module)
    const codeword = new Uint8Array(15)
    const nineOfTen = Array.from({ length: 15 }, (_, index) => index >= 6)
    expect(() => rs.reconstructData(codeword, 10, 5, nineOfTen)).toThrow('returned error code 10')
    expect(rs.usable).toBe(true)
  })

  it('marks itself unusable after a trap (a panic may leave its heap corrupt)', async () => {
    const rs = await ReedSolomonInstance.create(module)
    // The library panics on m = 0 (the codec never calls it so); a panic is a WASM trap.
    expect(() => rs.encodeParity(new Uint8Array(10), 10, 0)).toThrow(ErasureLibraryError)
    expect(rs.usable).toBe(false)
    expect(() => rs.encodeParity(new Uint8Array(15), 10, 5)).toThrow(/unusable/)
  })

  it('asks to be replaced once its memory outgrows the budget', async () => {
    const rs = await ReedSolomonInstance.create(module, 4 * 1024 * 1024)
    rs.encodeParity(new Uint8Array(15 * 1000), 10, 5)
    expect(rs.usable).toBe(true)
    rs.encodeParity(new Uint8Array(15 * 400_000), 10, 5) // 6 MB in WASM memory
    expect(rs.usable).toBe(false)
  })
})
