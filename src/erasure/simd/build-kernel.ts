// `npm run build:wasm`: assembles gf-kernel.wat into gf-kernel.wasm (simd128) and gf-kernel-relaxed.wasm
// (the same with Relaxed SIMD's swizzle). Both are committed, so a checkout needs no build; kernel-build.test.ts
// assembles them again and compares, so the binaries cannot drift from their source.
import { readFile, writeFile } from 'node:fs/promises'
import wabt from 'wabt'

export type KernelVariant = 'simd128' | 'relaxed'

export const KERNEL_SOURCE_URL = new URL('./gf-kernel.wat', import.meta.url)
export const KERNEL_BINARY_URLS: Record<KernelVariant, URL> = {
  simd128: new URL('./gf-kernel.wasm', import.meta.url),
  relaxed: new URL('./gf-kernel-relaxed.wasm', import.meta.url)
}

/** The .wasm bytes of one variant of gf-kernel.wat. Deterministic: no names section, canonical LEB128s. */
export async function assembleKernel (variant: KernelVariant): Promise<Uint8Array> {
  const toolkit = await wabt()
  let source = await readFile(KERNEL_SOURCE_URL, 'utf8')
  if (variant === 'relaxed') source = source.replaceAll('i8x16.swizzle', 'i8x16.relaxed_swizzle')
  const module = toolkit.parseWat(`gf-kernel.wat (${variant})`, source, { simd: true, relaxed_simd: variant === 'relaxed' })
  try {
    module.validate()
    return module.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer
  } finally {
    module.destroy()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [variant, url] of Object.entries(KERNEL_BINARY_URLS) as Array<[KernelVariant, URL]>) {
    const binary = await assembleKernel(variant)
    await writeFile(url, binary)
    console.log(`wrote ${url.pathname} (${binary.length} bytes)`)
  }
}
