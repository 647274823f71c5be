import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { gfMul } from '../gf256.ts'
import { mulberry32, randomBytes, randomInt } from '../seeded-random.ts'
import { KERNEL_BINARY_URLS, type KernelVariant } from './build-kernel.ts'
import { GfKernel, SEGMENT_BUDGET_BYTES, loadKernelModule, wasmRelaxedSimdSupported, wasmSimdSupported } from './kernel.ts'

/** The definition, one byte at a time: what the SIMD kernel must equal. */
function mulRowsByDefinition (coefficients: Uint8Array, inputs: Uint8Array[], outCount: number): Uint8Array[] {
  const rowLength = inputs[0]?.length ?? 0
  return Array.from({ length: outCount }, (_, r) => {
    const row = new Uint8Array(rowLength)
    inputs.forEach((input, j) => {
      const c = coefficients[r * inputs.length + j]
      for (let i = 0; i < rowLength; i++) row[i] ^= gfMul(c, input[i])
    })
    return row
  })
}

describe('loadKernelModule', () => {
  it('picks the Relaxed SIMD build where it validates (Node 22 runs both SIMD and Relaxed SIMD)', async () => {
    expect(wasmSimdSupported()).toBe(true)
    expect(wasmRelaxedSimdSupported()).toBe(true)
    const relaxed = await WebAssembly.compile(await readFile(KERNEL_BINARY_URLS.relaxed))
    expect(WebAssembly.Module.exports(await loadKernelModule())).toEqual(WebAssembly.Module.exports(relaxed))
  })
})

describe.each<KernelVariant>(['relaxed', 'simd128'])('GfKernel (%s build)', (variant) => {
  let module: WebAssembly.Module
  beforeAll(async () => { module = await WebAssembly.compile(await readFile(KERNEL_BINARY_URLS[variant])) })

  it('equals the byte-at-a-time definition for every row length 0..300, in vector, tail and byte paths', async () => {
    const random = mulberry32(0x6f1e)
    const gf = await GfKernel.create(module)
    for (let rowLength = 0; rowLength <= 300; rowLength++) {
      const inCount = 1 + randomInt(random, 12)
      const outCount = 1 + randomInt(random, 6)
      const coefficients = randomBytes(random, inCount * outCount)
      if (rowLength % 7 === 0) coefficients.fill(0, 0, inCount) // zero and one coefficients are ordinary too
      if (rowLength % 11 === 0) coefficients.fill(1, 0, inCount)
      const inputs = Array.from({ length: inCount }, () => randomBytes(random, rowLength))
      const outputs = Array.from({ length: outCount }, () => new Uint8Array(rowLength).fill(0xee))
      gf.mulRows(coefficients, inputs, inCount, outputs, outCount, rowLength)
      expect(outputs, `row length ${rowLength}, ${inCount} in, ${outCount} out`)
        .toEqual(mulRowsByDefinition(coefficients, inputs, outCount))
    }
  })

  it('takes packed rows, and long rows in segments within its memory budget', async () => {
    const random = mulberry32(0x5e9)
    const budget = 64 * 1024
    const gf = await GfKernel.create(module, budget)
    for (const rowLength of [16, 17, 4095, 4096, 4097, 40_001]) {
      const coefficients = randomBytes(random, 10 * 5)
      const packedInputs = randomBytes(random, 10 * rowLength)
      const packedOutputs = new Uint8Array(5 * rowLength)
      gf.mulRows(coefficients, packedInputs, 10, packedOutputs, 5, rowLength)
      const inputs = Array.from({ length: 10 }, (_, j) => packedInputs.subarray(j * rowLength, (j + 1) * rowLength))
      const expected = mulRowsByDefinition(coefficients, inputs, 5)
      expect(Array.from({ length: 5 }, (_, r) => packedOutputs.subarray(r * rowLength, (r + 1) * rowLength)),
        `row length ${rowLength}`).toEqual(expected)
    }
    // Table, coefficients and one 64 KiB segment of rows, rounded up to whole 64 KiB WASM pages.
    expect(gf.memoryBytes).toBeLessThanOrEqual(8192 + 65536 + budget + 65536)
    expect(SEGMENT_BUDGET_BYTES).toBeGreaterThanOrEqual(1024 * 1024)
  })

  it('checks rows against given bytes without copying them out, naming those that differ', async () => {
    const random = mulberry32(0xc4ec)
    const gf = await GfKernel.create(module, 4096)
    const rowLength = 10_000 // several segments: a difference in any one of them counts
    const inputs = Array.from({ length: 4 }, () => randomBytes(random, rowLength))
    const coefficients = randomBytes(random, 4 * 3)
    const [first, second, third] = mulRowsByDefinition(coefficients, inputs, 3)
    const tampered = third.slice()
    tampered[rowLength - 1] ^= 1
    const written = new Uint8Array(rowLength)
    expect(gf.mulRows(coefficients, inputs, 4, [written], 1, rowLength, [second, third])).toEqual([])
    expect(written).toEqual(first)
    expect(gf.mulRows(coefficients, inputs, 4, [written], 1, rowLength, [second, tampered])).toEqual([1])
  })

  it('rejects a coefficient matrix of the wrong shape', async () => {
    const gf = await GfKernel.create(module)
    expect(() => gf.mulRows(new Uint8Array(5), [new Uint8Array(16)], 1, [new Uint8Array(16)], 1, 16))
      .toThrow(RangeError)
  })
})
