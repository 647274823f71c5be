// `npm run build:wasm`: assembles gf-kernel.wat into gf-kernel.wasm (committed, so a checkout needs no build).
// kernel-build.test.ts assembles it again and compares, so the binary cannot drift from its source.
import { readFile, writeFile } from 'node:fs/promises'
import wabt from 'wabt'

export const KERNEL_SOURCE_URL = new URL('./gf-kernel.wat', import.meta.url)
export const KERNEL_BINARY_URL = new URL('./gf-kernel.wasm', import.meta.url)

/** The .wasm bytes of gf-kernel.wat. Deterministic: no names section, canonical LEB128s. */
export async function assembleKernel (): Promise<Uint8Array> {
  const toolkit = await wabt()
  const source = await readFile(KERNEL_SOURCE_URL, 'utf8')
  const module = toolkit.parseWat('gf-kernel.wat', source, { simd: true })
  try {
    module.validate()
    return module.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer
  } finally {
    module.destroy()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const binary = await assembleKernel()
  await writeFile(KERNEL_BINARY_URL, binary)
  console.log(`wrote ${KERNEL_BINARY_URL.pathname} (${binary.length} bytes)`)
}
