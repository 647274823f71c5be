import { ErasureLibraryError } from '../errors.ts'
import { nibbleTables } from '../gf256.ts'

/** What gf-kernel.wat exports. */
interface KernelExports {
  memory: WebAssembly.Memory
  mulRows: (coefficients: number, inRows: number, inCount: number, outRows: number, outCount: number,
    length: number) => void
}

/**
 * Kernel memory layout: the 256 nibble-table pairs, the coefficient matrix of a call, the address tables of its
 * input and output rows, then the rows themselves (a whole codeword, or one column segment of it).
 */
const TABLES_AT = 0
const COEFFICIENTS_AT = 256 * 32
const MAX_ROWS = 256
const IN_ROWS_AT = COEFFICIENTS_AT + MAX_ROWS * MAX_ROWS
const OUT_ROWS_AT = IN_ROWS_AT + 4 * MAX_ROWS
const ROWS_AT = OUT_ROWS_AT + 4 * MAX_ROWS
const WASM_PAGE_BYTES = 65536

/**
 * Codewords bigger than this go through the kernel in column segments, so its memory stays bounded whatever the
 * object size (WASM memory never shrinks).
 */
export const SEGMENT_BUDGET_BYTES = 16 * 1024 * 1024

/**
 * Bytes [start, start + length) of every row of a codeword, in kernel memory: row r at `rowAt(r)`. The whole rows
 * when `length` is the row length; views into `heap` are valid only during the callback.
 */
export class Segment {
  heap: Uint8Array
  start = 0
  length = 0

  constructor (heap: Uint8Array) {
    this.heap = heap
  }

  rowAt (row: number): number {
    return ROWS_AT + row * this.length
  }
}

/**
 * One instance of the SIMD kernel: computes rows of a codeword as GF(2^8) combinations of other rows. Synchronous,
 * and owns its memory: callers copy rows in and results out through `Segment`s, and never keep views into it.
 */
export class GfKernel {
  private readonly exports: KernelExports
  private readonly segmentBudgetBytes: number
  private heap: Uint8Array
  private words: DataView

  private constructor (instance: WebAssembly.Instance, segmentBudgetBytes: number) {
    this.exports = instance.exports as unknown as KernelExports
    this.segmentBudgetBytes = segmentBudgetBytes
    this.heap = new Uint8Array(this.exports.memory.buffer)
    this.words = new DataView(this.exports.memory.buffer)
    this.reserve(ROWS_AT)
    this.heap.set(nibbleTables(), TABLES_AT)
  }

  /** Asynchronous on purpose: browsers may refuse synchronous instantiation on the main thread. */
  static async create (module: WebAssembly.Module,
    segmentBudgetBytes = SEGMENT_BUDGET_BYTES): Promise<GfKernel> {
    return new GfKernel(await WebAssembly.instantiate(module), segmentBudgetBytes)
  }

  /** Bytes of linear memory the kernel holds now (it grows with the largest call, up to the segment budget). */
  get memoryBytes (): number {
    return this.exports.memory.buffer.byteLength
  }

  /**
   * For a codeword of `rowCount` rows of `rowLength` bytes: row targets[t] = XOR over s of
   * coefficients[t * sources.length + s] * row sources[s]. `load` copies the source rows of each segment in,
   * `store` copies results out (or compares them); both see every segment in order, once for short rows.
   */
  run (coefficients: Uint8Array, sources: readonly number[], targets: readonly number[], rowCount: number,
    rowLength: number, load: (segment: Segment) => void, store: (segment: Segment) => void): void {
    if (coefficients.length !== sources.length * targets.length || rowCount > MAX_ROWS) {
      throw new RangeError(`${coefficients.length} coefficients for ${targets.length} x ${sources.length} rows ` +
        `of a ${rowCount}-row codeword`)
    }
    if (rowLength === 0) return
    const limit = Math.max(16, Math.floor(this.segmentBudgetBytes / rowCount / 16) * 16)
    const length = Math.min(rowLength, limit)
    this.reserve(ROWS_AT + rowCount * length)
    const { heap, words } = this
    const segment = new Segment(heap)
    segment.length = length
    heap.set(coefficients, COEFFICIENTS_AT)
    for (let i = 0; i < sources.length; i++) words.setUint32(IN_ROWS_AT + 4 * i, segment.rowAt(sources[i]), true)
    for (let i = 0; i < targets.length; i++) words.setUint32(OUT_ROWS_AT + 4 * i, segment.rowAt(targets[i]), true)
    for (let next = 0; ; next += length) {
      // The last segment ends at the row end, overlapping the one before: outputs are overwritten, not summed.
      segment.start = Math.min(next, rowLength - length)
      load(segment)
      if (targets.length > 0) {
        this.exports.mulRows(COEFFICIENTS_AT, IN_ROWS_AT, sources.length, OUT_ROWS_AT, targets.length, length)
      }
      store(segment)
      if (segment.start + length >= rowLength) break
    }
  }

  private reserve (bytes: number): void {
    const buffer = this.exports.memory.buffer
    if (buffer.byteLength < bytes) {
      this.exports.memory.grow(Math.ceil((bytes - buffer.byteLength) / WASM_PAGE_BYTES))
    }
    // Growing detaches the old ArrayBuffer, so refresh the views after any growth.
    if (this.heap.buffer !== this.exports.memory.buffer) {
      this.heap = new Uint8Array(this.exports.memory.buffer)
      this.words = new DataView(this.exports.memory.buffer)
    }
  }
}

let compiled: Promise<WebAssembly.Module> | undefined

/**
 * Compiles the kernel once per process, page or worker: the Relaxed SIMD build where the engine has it (Chromium
 * 114+, Node 22), else the plain simd128 one. `new URL(…, import.meta.url)` is a file: URL in Node and, once Vite
 * has emitted the .wasm as an asset (or inlined it), a URL the page can fetch.
 */
export function loadKernelModule (): Promise<WebAssembly.Module> {
  compiled ??= compileKernel(wasmRelaxedSimdSupported()
    ? new URL('./gf-kernel-relaxed.wasm', import.meta.url)
    : new URL('./gf-kernel.wasm', import.meta.url)
  ).catch((err: unknown) => {
    compiled = undefined // let a later call try again (e.g. after a network hiccup)
    throw new ErasureLibraryError(`cannot load the SIMD erasure kernel: ${String(err)}`, { cause: err })
  })
  return compiled
}

async function compileKernel (url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:') {
    // A specifier in a variable, so the browser bundler neither bundles nor stubs this Node built-in.
    const fsSpecifier = 'node:fs/promises'
    const { readFile } = await import(/* @vite-ignore */ fsSpecifier) as typeof import('node:fs/promises')
    return await WebAssembly.compile(await readFile(url))
  }
  const response = await fetch(url)
  if (!response.ok) throw new Error(`GET ${url.href} answered ${response.status}`)
  // Streaming compilation needs the application/wasm type; some static servers send another.
  if (response.headers.get('content-type')?.startsWith('application/wasm') === true) {
    return await WebAssembly.compileStreaming(response)
  }
  return await WebAssembly.compile(await response.arrayBuffer())
}

/** A function using one simd128 instruction (i8x16.popcnt): validates only where WASM SIMD runs. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11
])

/** A function using i8x16.relaxed_swizzle: validates only where Relaxed SIMD runs. */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 0, 253, 15, 65, 0, 253, 15,
  253, 128, 2, 11
])

export function wasmSimdSupported (): boolean {
  return validates(SIMD_PROBE)
}

export function wasmRelaxedSimdSupported (): boolean {
  return validates(RELAXED_SIMD_PROBE)
}

function validates (probe: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(probe)
  } catch {
    return false
  }
}
