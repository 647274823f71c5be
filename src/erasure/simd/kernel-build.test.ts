import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { KERNEL_BINARY_URLS, type KernelVariant, assembleKernel } from './build-kernel.ts'
import { GfKernel } from './kernel.ts'

describe.each<KernelVariant>(['simd128', 'relaxed'])('the %s kernel .wasm', (variant) => {
  it('is exactly what gf-kernel.wat assembles to (run `npm run build:wasm` after editing the .wat)', async () => {
    const committed = new Uint8Array(await readFile(KERNEL_BINARY_URLS[variant]))
    const rebuilt = await assembleKernel(variant)
    expect(rebuilt.length, 'size of the rebuilt kernel').toBe(committed.length)
    expect(Buffer.compare(rebuilt, committed), 'rebuilt bytes differ from the committed .wasm').toBe(0)
  })

  it('exports its memory and mulRows, imports nothing, and multiplies like the other variant', async () => {
    const module = await WebAssembly.compile(await readFile(KERNEL_BINARY_URLS[variant]))
    expect(WebAssembly.Module.exports(module)).toEqual([
      { name: 'memory', kind: 'memory' }, { name: 'mulRows', kind: 'function' }
    ])
    expect(WebAssembly.Module.imports(module)).toEqual([])
    // Coefficients 0..254 against every byte value, in the vector path: the two builds must give the same bytes.
    const coefficients = Uint8Array.from({ length: 256 }, (_, c) => c)
    const input = Uint8Array.from({ length: 256 }, (_, b) => b)
    const results = await Promise.all(Object.values(KERNEL_BINARY_URLS).map(async (url) => {
      const gf = await GfKernel.create(await WebAssembly.compile(await readFile(url)))
      // Row 0 is the input, row 1 + c is c times it.
      const rows = Array.from({ length: 256 }, (_, c) => 1 + c).filter((row) => row < 256)
      const outputs: Uint8Array[] = []
      gf.run(coefficients.subarray(0, rows.length), [0], rows, 256, 256, (segment) => {
        segment.heap.set(input, segment.rowAt(0))
      }, (segment) => {
        for (const row of rows) outputs.push(segment.heap.slice(segment.rowAt(row), segment.rowAt(row) + 256))
      })
      return outputs
    }))
    expect(results[0]).toEqual(results[1])
  })
})
