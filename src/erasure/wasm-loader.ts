import { ErasureLibraryError } from './errors.ts'

/** The compiled library inside the npm package; no `exports` map, so deep paths resolve. */
const WASM_SPECIFIER = '@subspace/reed-solomon-erasure.wasm/dist/reed_solomon_erasure_bg.wasm'

let compiled: Promise<WebAssembly.Module> | undefined

/**
 * Compiles reed-solomon-erasure.wasm once per process or page. The package's own JS wrapper does
 * `require("fs")`, which a browser bundle cannot contain, so each environment loads the bytes its own way.
 */
export function loadReedSolomonModule (): Promise<WebAssembly.Module> {
  compiled ??= (isNode() ? compileFromPackageFile() : compileFromAssetUrl())
    .catch((err: unknown) => {
      compiled = undefined // let a later call try again (e.g. after a network hiccup)
      throw new ErasureLibraryError(`cannot load the Reed-Solomon WASM module: ${String(err)}`, { cause: err })
    })
  return compiled
}

function isNode (): boolean {
  // Both checks: a Web Worker has no document yet must fetch the asset, and a page under Vitest's browser
  // mode may carry a `process` shim.
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string' &&
    typeof document === 'undefined'
}

async function compileFromPackageFile (): Promise<WebAssembly.Module> {
  // Specifiers in variables so the browser bundler neither bundles nor stubs these Node built-ins.
  const fsSpecifier = 'node:fs/promises'
  const moduleSpecifier = 'node:module'
  const { readFile } = await import(/* @vite-ignore */ fsSpecifier) as typeof import('node:fs/promises')
  const { createRequire } = await import(/* @vite-ignore */ moduleSpecifier) as typeof import('node:module')
  const wasmPath = createRequire(import.meta.url).resolve(WASM_SPECIFIER)
  return await WebAssembly.compile(await readFile(wasmPath))
}

async function compileFromAssetUrl (): Promise<WebAssembly.Module> {
  // `?url` makes Vite emit the .wasm as an asset; only reached in browsers, since plain Node cannot import it.
  const { default: wasmUrl } = await import('@subspace/reed-solomon-erasure.wasm/dist/reed_solomon_erasure_bg.wasm?url')
  const response = await fetch(wasmUrl)
  if (!response.ok) throw new Error(`GET ${wasmUrl} answered ${response.status}`)
  // Streaming compilation needs the application/wasm type; some static servers send another.
  if (response.headers.get('content-type')?.startsWith('application/wasm') === true) {
    return await WebAssembly.compileStreaming(response)
  }
  return await WebAssembly.compile(await response.arrayBuffer())
}
