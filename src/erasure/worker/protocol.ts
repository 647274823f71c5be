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

export interface WireError {
  name: string
  message: string
  present?: number
  needed?: number
  total?: number
  mismatchedShards?: number[]
}

export function errorToWire (err: unknown): WireError {
  if (err instanceof NotEnoughShardsError) {
    return { name: err.name, message: err.message, present: err.present, needed: err.needed, total: err.total }
  }
  if (err instanceof InconsistentShardsError) {
    return { name: err.name, message: err.message, mismatchedShards: err.mismatchedShards }
  }
  if (err instanceof Error) return { name: err.name, message: err.message }
  return { name: 'Error', message: String(err) }
}

/** The same error class on this side of the worker boundary, chosen by name (never by message text). */
export function errorFromWire (wire: WireError): Error {
  switch (wire.name) {
    case 'NotEnoughShardsError':
      return new NotEnoughShardsError(wire.present ?? 0, wire.needed ?? 0, wire.total ?? 0)
    case 'InconsistentShardsError':
      return new InconsistentShardsError(wire.mismatchedShards ?? [])
    case 'InvalidShardsError':
      return new InvalidShardsError(wire.message)
    case 'ErasureLibraryError':
      return new ErasureLibraryError(wire.message)
    default:
      return new ErasureLibraryError(`erasure worker failed: ${wire.name}: ${wire.message}`)
  }
}
