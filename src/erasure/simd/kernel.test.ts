import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { gfMul } from '../gf256.ts'
import { mulberry32, randomBytes, randomInt } from '../../testing/seeded-random.ts'
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

/**
 * Runs the kernel over a codeword whose row `sources[j]` is inputs[j]; returns the computed rows `targets` and
 * how many segments the call took.
 */
function runOnRows (gf: GfKernel, coefficients: Uint8Array, inputs: Uint8Array[], sources: number[],
  targets: number[], rowCount: number): { outputs: Uint8Array[], segments: number } {
  const rowLength = inputs[0].length
  const outputs = targets.map(() => new Uint8Array(rowLength).fill(0xee))
  let segments = 0
  gf.run(coefficients, sources, targets, rowCount, rowLength, (segment) => {
    const { heap, start, length } = segment
    segments++
    sources.forEach((row, j) => { heap.set(inputs[j].subarray(start, start + length), segment.rowAt(row)) })
  }, (segment) => {
    const { heap, start, length } = segment
    targets.forEach((row, t) => {
      outputs[t].set(heap.subarray(segment.rowAt(row), segment.rowAt(row) + length), start)
    })
  })
  return { outputs, segments }
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

  it('equals the byte-at-a-time definition for every row length 1..300, in vector, tail and byte paths', async () => {
    const random = mulberry32(0x6f1e)
    const gf = await GfKernel.create(module)
    for (let rowLength = 1; rowLength <= 300; rowLength++) {
      const inCount = 1 + randomInt(random, 12)
      const outCount = 1 + randomInt(random, 6)
      const coefficients = randomBytes(random, inCount * outCount)
      if (rowLength % 7 === 0) coefficients.fill(0, 0, inCount) // zero and one coefficients are ordinary too
      if (rowLength % 11 === 0) coefficients.fill(1, 0, inCount)
      const inputs = Array.from({ length: inCount }, () => randomBytes(random, rowLength))
      // Rows in any order and place of the codeword: reads and writes go through the address tables.
      const order = Array.from({ length: inCount + outCount }, (_, i) => i).sort(() => random() - 0.5)
      const { outputs } = runOnRows(gf, coefficients, inputs, order.slice(0, inCount), order.slice(inCount),
        inCount + outCount)
      expect(outputs, `row length ${rowLength}, ${inCount} in, ${outCount} out`)
        .toEqual(mulRowsByDefinition(coefficients, inputs, outCount))
    }
  })

  it('runs long rows in segments within its memory budget', async () => {
    const random = mulberry32(0x5e9)
    const budget = 64 * 1024
    const gf = await GfKernel.create(module, budget)
    for (const rowLength of [16, 17, 4095, 4096, 4097, 40_001]) {
      const coefficients = randomBytes(random, 10 * 5)
      const inputs = Array.from({ length: 10 }, () => randomBytes(random, rowLength))
      const { outputs, segments } = runOnRows(gf, coefficients, inputs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [10, 11, 12, 13, 14], 15)
      expect(outputs, `row length ${rowLength}`).toEqual(mulRowsByDefinition(coefficients, inputs, 5))
      expect(segments, `row length ${rowLength}`).toBe(Math.ceil(rowLength / (Math.floor(budget / 15 / 16) * 16)))
    }
    // Tables, coefficients, address tables and one segment of rows, rounded up to whole 64 KiB WASM pages.
    expect(gf.memoryBytes).toBeLessThanOrEqual(8192 + 65536 + 2048 + budget + 65536)
    expect(SEGMENT_BUDGET_BYTES).toBeGreaterThanOrEqual(1024 * 1024)
  })

  it('rejects a coefficient matrix of the wrong shape', async () => {
    const gf = await GfKernel.create(module)
    expect(() => { gf.run(new Uint8Array(5), [0], [1], 2, 16, () => {}, () => {}) }).toThrow(RangeError)
  })
})
