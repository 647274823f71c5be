import { describe, expect, it } from 'vitest'
import { decode, encode, reconstructShards, shardSizeFor } from './index.ts'
import { mulberry32, randomBytes, randomInt } from '../testing/seeded-random.ts'

// Seeded, so a failure names a round that reproduces. The library's own reconstruct wrapper failed about a
// third of such rounds (ENVIRONMENT.md), so this many mixed rounds on one shared instance is the real test.
const SEED = 0x5eed_e7a5
const KIB = 1024
const MIB = 1024 * KIB

/** Mostly small objects (many with 1-byte shards), some up to 1 MiB. */
function pickObjectSize (random: () => number): number {
  const bucket = random()
  if (bucket < 0.35) return randomInt(random, 11) // 0..10 B: 1-byte shards for k = 10
  if (bucket < 0.70) return 11 + randomInt(random, KIB)
  if (bucket < 0.90) return KIB + randomInt(random, 63 * KIB)
  if (bucket < 0.975) return 64 * KIB + randomInt(random, 192 * KIB)
  return 256 * KIB + randomInt(random, 768 * KIB + 1)
}

/** `count` distinct shard indexes out of `total`, any mix of data and parity. */
function pickLostShards (random: () => number, total: number, count: number): number[] {
  const indexes = Array.from({ length: total }, (_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(random, total - i)
    ;[indexes[i], indexes[j]] = [indexes[j], indexes[i]]
  }
  return indexes.slice(0, count).sort((a, b) => a - b)
}

function firstDifference (a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

/** Encodes, drops shards, decodes and rebuilds; checks everything byte for byte. */
async function roundTrip (object: Uint8Array, k: number, m: number, lost: number[], label: string): Promise<void> {
  const encoded = await encode(object, k, m)
  expect(encoded.shards.length, label).toBe(k + m)
  expect(encoded.shards.every((shard) => shard.length === shardSizeFor(object.length, k)), label).toBe(true)
  const originals = encoded.shards.map((shard) => shard.slice())

  const slots: Array<Uint8Array | null> = encoded.shards.slice()
  for (const index of lost) slots[index] = null

  const decoded = await decode(slots, k, m, object.length)
  expect(firstDifference(decoded, object), `${label}: decoded object differs at byte`).toBe(-1)

  const rebuilt = await reconstructShards(slots, k, m)
  expect(rebuilt.length, label).toBe(k + m)
  rebuilt.forEach((shard, index) => {
    expect(firstDifference(shard, originals[index]), `${label}: rebuilt shard ${index} differs at byte`).toBe(-1)
  })
  // Inputs must come back untouched: callers keep using the shards they passed in.
  encoded.shards.forEach((shard, index) => {
    expect(firstDifference(shard, originals[index]), `${label}: input shard ${index} was modified`).toBe(-1)
  })
}

describe('erasure encode/decode round trips', () => {
  it('rebuilds 5,000 random objects (0 B..1 MiB) byte for byte from any 10 of 15 shards', async () => {
    const random = mulberry32(SEED)
    // Boundary sizes first: empty, 1-byte shards, exact multiples of k and one byte either side, 1 MiB.
    const boundarySizes = [0, 1, 9, 10, 11, 19, 20, 21, 4096, MIB - 1, MIB]
    let largeRounds = 0
    for (let round = 0; round < 5000; round++) {
      const size = round < boundarySizes.length ? boundarySizes[round] : pickObjectSize(random)
      if (size >= 256 * KIB) largeRounds++
      const lost = pickLostShards(random, 15, randomInt(random, 6))
      await roundTrip(randomBytes(random, size), 10, 5, lost,
        `seed ${SEED} round ${round}, ${size} B, lost [${lost.join(',')}]`)
    }
    expect(largeRounds).toBeGreaterThan(50) // the mix really contains large objects
  })

  // The library builds (and for decoding inverts) the k x k matrix on every call, O(k^3): 0.1 ms at
  // 10 + 5 but 40 ms at 128 + 128 and 150 ms at 255 + 1, so the extremes get only a few rounds.
  it.each([
    [1, 0, 150], [1, 2, 150], [4, 2, 150], [20, 10, 150], [3, 1, 150], [128, 128, 4], [255, 1, 3]
  ])('round-trips with k = %i, m = %i under every loss count 0..m (%i rounds)', async (k, m, rounds) => {
    const random = mulberry32(SEED ^ (k * 1000 + m))
    for (let round = 0; round < rounds; round++) {
      const size = round === 0 ? 0 : random() < 0.5 ? randomInt(random, 2 * k) : randomInt(random, 64 * KIB)
      const lost = pickLostShards(random, k + m, randomInt(random, m + 1))
      await roundTrip(randomBytes(random, size), k, m, lost,
        `k ${k} m ${m} round ${round}, ${size} B, lost [${lost.join(',')}]`)
    }
  })

  it('decode returns a fresh copy that does not write through into the shards', async () => {
    const object = Uint8Array.of(1, 2, 3)
    const { shards } = await encode(object)
    const decoded = await decode(shards, 10, 5, 3)
    expect(decoded).toEqual(object)
    decoded[0] = 99 // must not write through into the shards
    expect(shards[0][0]).toBe(1)
  })
})
