import { ErasureLibraryError } from '../errors.ts'
import { nibbleTables } from '../gf256.ts'
import { equalBytes } from '../shards.ts'

/** What gf-kernel.wat exports. */
interface KernelExports {
  memory: WebAssembly.Memory
  mulRows: (coefficients: number, inputs: number, inStride: number, inCount: number, outputs: number,
    outStride: number, outCount: number, length: number) => void
}

/** Kernel memory layout: the 256 nibble-table pairs, then the coefficient matrix of a call, then its rows. */
const TABLES_AT = 0
const COEFFICIENTS_AT = 256 * 32
const MAX_COEFFICIENTS = 256 * 256
const ROWS_AT = COEFFICIENTS_AT + MAX_COEFFICIENTS
const WASM_PAGE_BYTES = 65536

/**
 * Rows bigger than this (all inputs and outputs of one call together) go through the kernel in column
 * segments, so its memory stays bounded whatever the object size (WASM memory never shrinks).
 */
export const SEGMENT_BUDGET_BYTES = 8 * 1024 * 1024

/** Either rows packed back to back in one buffer (row i at i * rowLength), or one view per row. */
export type Rows = Uint8Array | readonly Uint8Array[]

/**
 * One instance of the SIMD kernel: multiplies a GF(2^8) matrix by a set of byte rows. Synchronous, and owns
 * its memory: inputs are copied in and results copied out, so callers never hold views into it.
 */
export class GfKernel {
  private readonly exports: KernelExports
  private readonly segmentBudgetBytes: number
  private heap: Uint8Array

  private constructor (instance: WebAssembly.Instance, segmentBudgetBytes: number) {
    this.exports = instance.exports as unknown as KernelExports
    this.segmentBudgetBytes = segmentBudgetBytes
    this.heap = new Uint8Array(this.exports.memory.buffer)
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
   * outputs[r] = XOR over j of coefficients[r * inCount + j] * inputs[j], over rows of `rowLength` bytes.
   * Rows `expected` follow the outputs in `coefficients`: they are computed and compared with the given bytes
   * instead of copied out, and the indexes (into `expected`) of those that differ are returned.
   * Packed rows must be exactly count * rowLength bytes.
   */
  mulRows (coefficients: Uint8Array, inputs: Rows, inCount: number, outputs: Rows, outCount: number,
    rowLength: number, expected: readonly Uint8Array[] = []): number[] {
    const rowCount = outCount + expected.length
    if (coefficients.length !== inCount * rowCount || coefficients.length > MAX_COEFFICIENTS) {
      throw new RangeError(`${coefficients.length} coefficients for ${rowCount} x ${inCount} rows`)
    }
    const differing = new Set<number>()
    if (rowLength === 0 || rowCount === 0) return []
    const segmentLimit = Math.max(16, Math.floor(this.segmentBudgetBytes / (inCount + rowCount) / 16) * 16)
    const segment = Math.min(rowLength, segmentLimit)
    const outputsAt = ROWS_AT + align16(inCount * segment)
    this.reserve(outputsAt + rowCount * segment)
    const heap = this.heap
    heap.set(coefficients, COEFFICIENTS_AT)
    for (let start = 0; ; start += segment) {
      // The last segment ends at the row end, overlapping the one before; outputs are overwritten, not summed.
      const at = Math.min(start, rowLength - segment)
      copyIn(heap, inputs, inCount, rowLength, at, segment, ROWS_AT)
      this.exports.mulRows(COEFFICIENTS_AT, ROWS_AT, segment, inCount, outputsAt, segment, rowCount, segment)
      copyOut(heap, outputs, outCount, rowLength, at, segment, outputsAt)
      for (let check = 0; check < expected.length; check++) {
        const computedAt = outputsAt + (outCount + check) * segment
        if (!equalBytes(heap.subarray(computedAt, computedAt + segment), expected[check].subarray(at, at + segment))) {
          differing.add(check)
        }
      }
      if (at + segment >= rowLength) break
    }
    return [...differing].sort((a, b) => a - b)
  }

  private reserve (bytes: number): void {
    const buffer = this.exports.memory.buffer
    if (buffer.byteLength < bytes) {
      this.exports.memory.grow(Math.ceil((bytes - buffer.byteLength) / WASM_PAGE_BYTES))
    }
    // Growing detaches the old ArrayBuffer, so refresh the view after any growth.
    if (this.heap.buffer !== this.exports.memory.buffer) this.heap = new Uint8Array(this.exports.memory.buffer)
  }
}

function copyIn (heap: Uint8Array, rows: Rows, count: number, rowLength: number, at: number, length: number,
  destination: number): void {
  if (isPacked(rows) && length === rowLength) {
    heap.set(rows, destination)
    return
  }
  for (let row = 0; row < count; row++) {
    const source = isPacked(rows) ? rows.subarray(row * rowLength + at, row * rowLength + at + length)
      : at === 0 && length === rowLength ? rows[row] : rows[row].subarray(at, at + length)
    heap.set(source, destination + row * length)
  }
}

function copyOut (heap: Uint8Array, rows: Rows, count: number, rowLength: number, at: number, length: number,
  source: number): void {
  if (isPacked(rows) && length === rowLength) {
    rows.set(heap.subarray(source, source + count * length))
    return
  }
  for (let row = 0; row < count; row++) {
    const bytes = heap.subarray(source + row * length, source + (row + 1) * length)
    if (isPacked(rows)) rows.set(bytes, row * rowLength + at)
    else rows[row].set(bytes, at)
  }
}

function isPacked (rows: Rows): rows is Uint8Array {
  return rows instanceof Uint8Array
}

function align16 (bytes: number): number {
  return Math.ceil(bytes / 16) * 16
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
