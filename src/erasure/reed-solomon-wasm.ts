import { ErasureLibraryError } from './errors.ts'

/** What reed_solomon_erasure_bg.wasm exports (wasm-bindgen ABI of the package's src/lib.rs). */
interface ReedSolomonExports {
  memory: WebAssembly.Memory
  /** `encode(shards: &mut [u8], data_shards, parity_shards) -> u8` */
  encode: (shardsPtr: number, shardsLen: number, dataShards: number, parityShards: number) => number
  /** `reconstruct(shards: &mut [u8], data_shards, parity_shards, shards_available: &[u8]) -> u8` */
  reconstruct: (shardsPtr: number, shardsLen: number, dataShards: number, parityShards: number,
    availablePtr: number, availableLen: number) => number
  __wbindgen_malloc: (size: number) => number
  __wbindgen_free: (ptr: number, size: number) => void
}

/** Result codes of the library (`RESULT_*` in the package). */
export const RESULT_OK = 0

/**
 * Replace an instance whose linear memory grew past this. The library's allocator (wee_alloc) fragments
 * badly when reconstruct is called with changing sizes (measured: 390 MiB after 1,000 mixed calls), and
 * WASM memory never shrinks; a fresh instance costs about 0.5 ms.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024

/**
 * One instance of the library. Calls are synchronous; an instance that trapped (a Rust panic or
 * out-of-bounds access) may have a corrupt heap, so it marks itself unusable and the owner makes a new one.
 *
 * Ownership, found by experiment and matching wasm-bindgen's ABI: a `&mut [u8]` argument stays owned
 * by the caller (JS must free it), while a `&[u8]` argument is taken over and freed by Rust. The package's
 * own wrapper frees the `shards_available` buffer a second time; that double free corrupts the allocator
 * and causes the unreliable reconstruct described in ENVIRONMENT.md (error 10, out-of-bounds traps and,
 * with 1-byte shards, wrong data reported as success). Here that buffer is never freed from JS.
 */
export class ReedSolomonInstance {
  private readonly exports: ReedSolomonExports
  private readonly memoryBudgetBytes: number
  private trapped = false

  private constructor (instance: WebAssembly.Instance, memoryBudgetBytes: number) {
    this.exports = instance.exports as unknown as ReedSolomonExports
    this.memoryBudgetBytes = memoryBudgetBytes
  }

  /** Asynchronous on purpose: browsers may refuse synchronous instantiation on the main thread. */
  static async create (module: WebAssembly.Module,
    memoryBudgetBytes = DEFAULT_MEMORY_BUDGET_BYTES): Promise<ReedSolomonInstance> {
    return new ReedSolomonInstance(await WebAssembly.instantiate(module), memoryBudgetBytes)
  }

  /** False once the instance trapped or its memory outgrew its budget; the owner should replace it then. */
  get usable (): boolean {
    return !this.trapped && this.exports.memory.buffer.byteLength <= this.memoryBudgetBytes
  }

  /**
   * Fills the parity shards of `codeword` (k data shards then m parity shards, `shardSize` bytes each) in
   * place. Callers validate k, m and sizes first: the library panics on bad parameters (e.g. m = 0).
   */
  encodeParity (codeword: Uint8Array, dataShards: number, parityShards: number): void {
    const shardSize = codeword.length / (dataShards + parityShards)
    this.call('encode', codeword.length, (shardsPtr) => {
      this.heap().set(codeword.subarray(0, dataShards * shardSize), shardsPtr)
      const result = this.exports.encode(shardsPtr, codeword.length, dataShards, parityShards)
      if (result === RESULT_OK) {
        const parityStart = dataShards * shardSize
        codeword.set(this.heap().subarray(shardsPtr + parityStart, shardsPtr + codeword.length), parityStart)
      }
      return result
    })
  }

  /**
   * Rebuilds the missing data shards of `codeword` in place from any k shards flagged in `present`.
   * Parity shards are left as they were (the library does not rebuild them).
   */
  reconstructData (codeword: Uint8Array, dataShards: number, parityShards: number, present: readonly boolean[]): void {
    const shardSize = codeword.length / (dataShards + parityShards)
    this.call('reconstruct', codeword.length, (shardsPtr) => {
      this.heap().set(codeword, shardsPtr)
      const flags = Uint8Array.from(present, (isPresent) => isPresent ? 1 : 0)
      // Handed over to Rust, which frees it: never free this pointer from JS (see class comment).
      const flagsPtr = this.exports.__wbindgen_malloc(flags.length)
      this.heap().set(flags, flagsPtr)
      const result = this.exports.reconstruct(shardsPtr, codeword.length, dataShards, parityShards,
        flagsPtr, flags.length)
      if (result === RESULT_OK) {
        codeword.set(this.heap().subarray(shardsPtr, shardsPtr + dataShards * shardSize))
      }
      return result
    })
  }

  /** Allocates the shards buffer, runs `body`, frees the buffer, and turns traps and codes into errors. */
  private call (operation: string, length: number, body: (shardsPtr: number) => number): void {
    if (this.trapped) throw new ErasureLibraryError('this Reed-Solomon instance trapped earlier and is unusable')
    let result: number
    try {
      const shardsPtr = this.exports.__wbindgen_malloc(length)
      result = body(shardsPtr)
      this.exports.__wbindgen_free(shardsPtr, length)
    } catch (err) {
      this.trapped = true
      throw new ErasureLibraryError(`Reed-Solomon ${operation} trapped: ${String(err)}`, { cause: err })
    }
    if (result !== RESULT_OK) {
      throw new ErasureLibraryError(`Reed-Solomon ${operation} returned error code ${result}`)
    }
  }

  /** A fresh view each time: memory growth inside any call detaches the previous ArrayBuffer. */
  private heap (): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer)
  }
}
