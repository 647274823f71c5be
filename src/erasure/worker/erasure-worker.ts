/**
 * The erasure worker: runs the default coder off the page's main thread for large objects (client.ts).
 * Inputs arrive validated; shard bytes arrive packed (present shards back to back) in a transferred buffer.
 */
import { defaultErasureCoderName, erasureCoder } from '../coders.ts'
import type { WorkerRequest, WorkerResponse } from './protocol.ts'
import { errorToWire } from './protocol.ts'

const coder = erasureCoder(defaultErasureCoderName())

/** The parts of the worker's global scope used here (the project compiles against the DOM library only). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null
  postMessage: (message: WorkerResponse, transfer: Transferable[]) => void
}
const scope = self as unknown as WorkerScope

scope.onmessage = ({ data: request }) => {
  void answer(request)
}

async function answer (request: WorkerRequest): Promise<void> {
  let response: WorkerResponse
  try {
    response = { id: request.id, ok: true, bytes: await run(request) }
  } catch (err) {
    response = { id: request.id, ok: false, error: errorToWire(err) }
  }
  scope.postMessage(response, response.ok ? [response.bytes.buffer] : [])
}

async function run (request: WorkerRequest): Promise<Uint8Array> {
  const { dataShards, parityShards } = request
  if (request.op === 'encode') {
    const { shards } = await coder.encode(request.bytes, dataShards, parityShards)
    return codewordOf(shards)
  }
  const slots = unpack(request.packed, request.present, request.shardSize)
  if (request.op === 'decode') return await coder.decode(slots, dataShards, parityShards, request.originalLength)
  return codewordOf(await coder.reconstructShards(slots, dataShards, parityShards))
}

/** Coders return shards as consecutive views of one buffer: that buffer, viewed whole. */
function codewordOf (shards: Uint8Array[]): Uint8Array {
  const first = shards[0]
  return new Uint8Array(first.buffer, first.byteOffset, first.length * shards.length)
}

function unpack (packed: Uint8Array, present: boolean[], shardSize: number): Array<Uint8Array | null> {
  let at = 0
  return present.map((isPresent) => {
    if (!isPresent) return null
    at += shardSize
    return packed.subarray(at - shardSize, at)
  })
}
