import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { KERNEL_BINARY_URL, assembleKernel } from './build-kernel.ts'

describe('gf-kernel.wasm', () => {
  it('is exactly what gf-kernel.wat assembles to (run `npm run build:wasm` after editing the .wat)', async () => {
    const committed = new Uint8Array(await readFile(KERNEL_BINARY_URL))
    const rebuilt = await assembleKernel()
    expect(rebuilt.length, 'size of the rebuilt kernel').toBe(committed.length)
    expect(Buffer.compare(rebuilt, committed), 'rebuilt bytes differ from the committed .wasm').toBe(0)
  })

  it('needs only simd128, exports its memory and mulRows, and imports nothing', async () => {
    const module = await WebAssembly.compile(await readFile(KERNEL_BINARY_URL))
    expect(WebAssembly.Module.exports(module)).toEqual([
      { name: 'memory', kind: 'memory' }, { name: 'mulRows', kind: 'function' }
    ])
    expect(WebAssembly.Module.imports(module)).toEqual([])
  })
})
