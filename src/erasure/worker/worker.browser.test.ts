import { describe, expect, it } from 'vitest'
import {
  InconsistentShardsError, NotEnoughShardsError, WORKER_THRESHOLD_BYTES, decode, encode, erasureCoder, reconstructShards
} from '../index.ts'
import { mulberry32, randomBytes } from '../../testing/seeded-random.ts'
import { equalBytes } from '../shards.ts'
import { erasureWorkerCalls } from './client.ts'

// Real Chromium, real module worker (bundled by Vite as the app's would be).
const MIB = 1024 * 1024
const simdHere = erasureCoder('simd')

/** Byte comparison of shard lists; toEqual walks megabytes element by element far too slowly. */
function sameShards (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((shard, index) => equalBytes(shard, b[index]))
}

function withLost (shards: Uint8Array[], lost: number[]): Array<Uint8Array | null> {
  const slots: Array<Uint8Array | null> = shards.slice()
  for (const index of lost) slots[index] = null
  return slots
}

/** Counts timer ticks on this thread while `work` runs: zero means the page could not run anything else. */
async function ticksDuring (work: () => Promise<unknown>): Promise<number> {
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 0)
  try {
    await work()
  } finally {
    clearInterval(timer)
  }
  return ticks
}

describe('erasure worker for large objects', () => {
  it('encodes, decodes and rebuilds objects of 256 KiB and more in the worker, with the same bytes', async () => {
    const object = randomBytes(mulberry32(0x1a76e), MIB + 7)
    const before = erasureWorkerCalls()
    const encoded = await encode(object)
    expect(erasureWorkerCalls()).toBe(before + 1)
    const here = await simdHere.encode(object)
    expect(encoded.shardSize).toBe(here.shardSize)
    expect(sameShards(encoded.shards, here.shards), 'worker shards equal this thread\'s').toBe(true)

    const slots = withLost(encoded.shards, [0, 3, 6, 10, 12])
    expect(equalBytes(await decode(slots, 10, 5, object.length), object), 'decoded object').toBe(true)
    expect(sameShards(await reconstructShards(slots, 10, 5), here.shards), 'rebuilt shards').toBe(true)
    expect(erasureWorkerCalls()).toBe(before + 3)
    // The caller's shards are untouched (they were packed and copied, not transferred away).
    expect(slots[1]).toEqual(here.shards[1])
  })

  it('keeps objects under the threshold on this thread', async () => {
    const before = erasureWorkerCalls()
    const object = randomBytes(mulberry32(7), WORKER_THRESHOLD_BYTES - 1)
    const { shards } = await encode(object)
    expect(equalBytes(await decode(withLost(shards, [1, 2]), 10, 5, object.length), object)).toBe(true)
    expect(erasureWorkerCalls()).toBe(before)
  })

  it('leaves the page free to run while a large object is coded, unlike coding it on this thread', async () => {
    const object = randomBytes(mulberry32(0x5ca1e), 8 * MIB)
    await simdHere.init()
    expect(await ticksDuring(async () => await simdHere.encode(object))).toBe(0)
    expect(await ticksDuring(async () => await encode(object))).toBeGreaterThan(0)
  })

  it('brings errors back as the same classes, with their details', async () => {
    const object = randomBytes(mulberry32(0xe22), 512 * 1024)
    const { shards } = await encode(object)
    const slots = withLost(shards, [2])
    const corrupt = (slots[13] as Uint8Array).slice()
    corrupt[1000] ^= 0x40
    slots[13] = corrupt
    const before = erasureWorkerCalls()
    const failure = await reconstructShards(slots, 10, 5).catch((err: unknown) => err)
    expect(erasureWorkerCalls()).toBe(before + 1)
    expect(failure).toBeInstanceOf(InconsistentShardsError)
    expect(failure).toMatchObject({ name: 'InconsistentShardsError', mismatchedShards: [13] })
    await expect(decode(withLost(shards, [0, 1, 2, 3, 4, 5]), 10, 5, object.length))
      .rejects.toBeInstanceOf(NotEnoughShardsError)
  })
})
