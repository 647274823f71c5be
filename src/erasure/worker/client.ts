import type { ErasureCoder } from '../coder.ts'
import { type EncodedObject, type ShardSlots, checkObject, checkOriginalLength, checkParameters, checkShardSizeMatches,
  checkShards, DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS, shardSizeFor, splitCodeword } from '../shards.ts'
import type { WorkerRequest, WorkerResponse } from './protocol.ts'
import { errorFromWire } from './protocol.ts'

/**
 * Objects from this size up are coded in a Web Worker when running on a page, so the page never stalls on them
 * (a 1 MiB object takes a few milliseconds of WASM, much more with a slow fallback or a busy machine).
 * Smaller ones stay on the calling thread, where the round trip to a worker would cost more than the coding.
 */
export const WORKER_THRESHOLD_BYTES = 256 * 1024

let worker: Worker | undefined
let workerBroken = false
let nextId = 1
/** Calls the worker holds: how to settle each from its answer, and how to run it here if the worker dies. */
const pending = new Map<number, { settle: (response: WorkerResponse) => void, runInline: () => void }>()
let offloadedCalls = 0

/** How many calls went to the worker so far in this realm (tests check the routing with it). */
export function erasureWorkerCalls (): number {
  return offloadedCalls
}

/** True on a page's main thread that can start module workers; never in Node or inside a worker. */
function canOffload (): boolean {
  return !workerBroken && typeof Worker === 'function' && typeof document !== 'undefined'
}

/**
 * `inline` as is for small objects and outside pages; large objects go to the erasure worker, with the same
 * checks first on this thread so bad input fails fast and identically.
 */
export function offloadLargeObjects (inline: ErasureCoder, thresholdBytes = WORKER_THRESHOLD_BYTES): ErasureCoder {
  return {
    name: inline.name,
    init: inline.init,

    async encode (bytes, dataShards = DEFAULT_DATA_SHARDS, parityShards = DEFAULT_PARITY_SHARDS): Promise<EncodedObject> {
      checkParameters(dataShards, parityShards)
      checkObject(bytes)
      if (bytes.length < thresholdBytes || !canOffload() || parityShards === 0) {
        return await inline.encode(bytes, dataShards, parityShards)
      }
      const copy = bytes.slice() // the caller keeps its object; the copy is transferred, not cloned again
      const shardSize = shardSizeFor(bytes.length, dataShards)
      return await offload({ id: 0, op: 'encode', bytes: copy, dataShards, parityShards }, [copy.buffer],
        (codeword) => ({ shards: splitCodeword(codeword, shardSize, dataShards + parityShards), shardSize,
          originalLength: bytes.length, dataShards, parityShards }),
        async () => await inline.encode(bytes, dataShards, parityShards))
    },

    async decode (shards, dataShards, parityShards, originalLength) {
      checkParameters(dataShards, parityShards)
      checkOriginalLength(originalLength)
      const { shardSize, present } = checkShards(shards, dataShards, parityShards)
      checkShardSizeMatches(originalLength, shardSize, dataShards)
      if (originalLength < thresholdBytes || !canOffload()) {
        return await inline.decode(shards, dataShards, parityShards, originalLength)
      }
      const packed = pack(shards, present, shardSize)
      return await offload({ id: 0, op: 'decode', packed, present, shardSize, dataShards, parityShards, originalLength },
        [packed.buffer], (object) => object,
        async () => await inline.decode(shards, dataShards, parityShards, originalLength))
    },

    async reconstructShards (shards, dataShards, parityShards) {
      checkParameters(dataShards, parityShards)
      const { shardSize, present } = checkShards(shards, dataShards, parityShards)
      if (dataShards * shardSize < thresholdBytes || !canOffload()) {
        return await inline.reconstructShards(shards, dataShards, parityShards)
      }
      const packed = pack(shards, present, shardSize)
      return await offload({ id: 0, op: 'reconstructShards', packed, present, shardSize, dataShards, parityShards,
        originalLength: 0 }, [packed.buffer], (codeword) => splitCodeword(codeword, shardSize, dataShards + parityShards),
      async () => await inline.reconstructShards(shards, dataShards, parityShards))
    }
  }
}

/** Present shards back to back in one new buffer: posting views would clone each one's whole backing buffer. */
function pack (shards: ShardSlots, present: readonly boolean[], shardSize: number): Uint8Array {
  const packed = new Uint8Array(present.filter(Boolean).length * shardSize)
  let at = 0
  present.forEach((isPresent, index) => {
    if (!isPresent) return
    packed.set(shards[index] as Uint8Array, at)
    at += shardSize
  })
  return packed
}

/**
 * Runs `request` in the worker and converts its answer. Should the worker fail to start or die, the call runs
 * on this thread instead (`inline`): a page that cannot run the worker is slower, not broken.
 */
async function offload<T> (request: WorkerRequest, transfer: Transferable[], convert: (bytes: Uint8Array) => T,
  inline: () => Promise<T>): Promise<T> {
  const id = nextId++
  offloadedCalls++
  return await new Promise<T>((resolve, reject) => {
    const runInline = (): void => { inline().then(resolve, reject) }
    pending.set(id, {
      settle: (response) => {
        if (response.ok) resolve(convert(response.bytes))
        else reject(errorFromWire(response.error))
      },
      runInline
    })
    try {
      workerOrNew().postMessage({ ...request, id }, transfer)
    } catch {
      pending.delete(id)
      workerBroken = true
      runInline()
    }
  })
}

function workerOrNew (): Worker {
  if (worker !== undefined) return worker
  let answered = false
  // This exact `new Worker(new URL(…, import.meta.url))` form is what Vite bundles as a worker entry.
  const fresh = new Worker(new URL('./erasure-worker.ts', import.meta.url), { type: 'module', name: 'zentalk-erasure' })
  fresh.onmessage = ({ data: response }: MessageEvent<WorkerResponse>) => {
    answered = true
    const waiter = pending.get(response.id)
    if (waiter === undefined) return
    pending.delete(response.id)
    waiter.settle(response)
  }
  fresh.onerror = (event) => {
    event.preventDefault()
    if (worker === fresh) worker = undefined
    if (!answered) workerBroken = true // it never worked here (e.g. refused by policy): stop trying
    fresh.terminate()
    const stranded = [...pending.values()]
    pending.clear()
    for (const waiter of stranded) waiter.runInline()
  }
  worker = fresh
  return fresh
}
