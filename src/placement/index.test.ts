import { describe, it, expect } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { bucketIndex, closestTo, compareDistance, kadIdOfKey, rankByDistance, xorDistance } from './index.ts'

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map(b => parseInt(b, 16)))

// Deterministic PRNG so a failure reproduces.
function mulberry32 (seed: number): () => number {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('placement', () => {
  it('computes the seed example XOR distance', () => {
    expect(xorDistance(hex('4f2a9b1c'), hex('3a1f8e2d'))).toEqual(hex('75351531'))
  })

  it('hashes keys with SHA-256 like kad-dht', () => {
    expect(kadIdOfKey(new TextEncoder().encode('abc'))).toEqual(sha256(new TextEncoder().encode('abc')))
    expect(Buffer.from(kadIdOfKey(new Uint8Array(0))).toString('hex'))
      .toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('orders distances as big-endian integers', () => {
    expect(compareDistance(hex('0100'), hex('00ff'))).toBeGreaterThan(0)
    expect(compareDistance(hex('00ff'), hex('0100'))).toBeLessThan(0)
    expect(compareDistance(hex('1234'), hex('1234'))).toBe(0)
  })

  it('numbers buckets by the highest differing bit', () => {
    const zero = new Uint8Array(32)
    const at = (byte: number, value: number): Uint8Array => { const b = new Uint8Array(32); b[byte] = value; return b }
    expect(bucketIndex(zero, zero)).toBe(-1)
    expect(bucketIndex(zero, at(31, 1))).toBe(0)
    expect(bucketIndex(zero, at(31, 2))).toBe(1)
    expect(bucketIndex(zero, at(31, 3))).toBe(1)
    expect(bucketIndex(zero, at(30, 1))).toBe(8)
    expect(bucketIndex(zero, at(0, 0x80))).toBe(255)
    expect(bucketIndex(zero, at(0, 0x7f))).toBe(254)
  })

  it('picks the same closest set as a brute-force scan, for random IDs', () => {
    const rand = mulberry32(42)
    const randomId = (): Uint8Array => Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256))
    for (let round = 0; round < 200; round++) {
      const peers = Array.from({ length: 1 + Math.floor(rand() * 64) }, randomId)
      const target = randomId()
      const got = closestTo(target, peers, p => p, 15)
      // brute force: repeatedly take the minimum
      const pool = [...peers]
      const want: Uint8Array[] = []
      while (want.length < Math.min(15, peers.length)) {
        let best = 0
        for (let i = 1; i < pool.length; i++) {
          if (compareDistance(xorDistance(target, pool[i]), xorDistance(target, pool[best])) < 0) best = i
        }
        want.push(pool.splice(best, 1)[0])
      }
      expect(got).toEqual(want)
    }
  })

  it('reports distances with the ranking', () => {
    const target = hex('00')
    const ranked = rankByDistance(target, [hex('05'), hex('01'), hex('03')], p => p)
    expect(ranked.map(r => r.distance[0])).toEqual([1, 3, 5])
  })
})
