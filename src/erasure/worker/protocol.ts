import { errorReviver, toErrorRecord, type ErrorRecord } from '../../errors/index.ts'
import {
  ErasureLibraryError, InconsistentShardsError, InvalidShardsError, NotEnoughShardsError
} from '../errors.ts'

/** Main thread to erasure worker. Shard bytes travel packed in one transferred buffer, present shards only. */
export type WorkerRequest =
  | { id: number, op: 'encode', bytes: Uint8Array, dataShards: number, parityShards: number }
  | { id: number, op: 'decode' | 'reconstructShards', packed: Uint8Array, present: boolean[], shardSize: number,
    dataShards: number, parityShards: number, originalLength: number }

/** Erasure worker to main thread: the result buffer is transferred, not copied. */
export type WorkerResponse =
  | { id: number, ok: true, bytes: Uint8Array }
  | { id: number, ok: false, error: WireError }

export type WireError = ErrorRecord

/** An error of the worker as data: its name, message and fields (`present`, `needed`, `mismatchedShards`, …). */
export const errorToWire = toErrorRecord

/** The same error class on this side of the worker boundary, chosen by name (never by message text). */
export const errorFromWire = errorReviver(
  { NotEnoughShardsError, InconsistentShardsError, InvalidShardsError, ErasureLibraryError },
  wire => new ErasureLibraryError(`erasure worker failed: ${wire.name}: ${wire.message}`)
)
