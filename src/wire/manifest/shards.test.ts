import { describe, expect, it } from 'vitest'
import { NS_HISTORY, fromHex } from '../../crypto/index.ts'
import { walletFromPrivateKey } from '../../identity/index.ts'
import { ShardHashMismatchError } from '../errors.ts'
import { buildManifest } from './build.ts'
import { assertShardMatches, verifyShard } from './shards.ts'

const owner = walletFromPrivateKey(fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'))
const shards = Array.from({ length: 5 }, (_, index) => Uint8Array.from({ length: 16 }, (_, byte) => index * 16 + byte))
const { manifest } = buildManifest(owner, {
  namespace: NS_HISTORY,
  placementKey: new Uint8Array(32),
  k: 3,
  m: 2,
  originalLength: 40,
  shards,
  createdAt: 1_767_225_600_000
})

describe('shard verification', () => {
  it('accepts every shard at its own index', () => {
    shards.forEach((shard, index) => {
      expect(verifyShard(manifest, index, shard)).toBe(true)
      expect(() => assertShardMatches(manifest, index, shard)).not.toThrow()
    })
  })

  it('rejects a shard with one flipped bit', () => {
    const corrupted = Uint8Array.from(shards[2])
    corrupted[15] ^= 0x01
    expect(verifyShard(manifest, 2, corrupted)).toBe(false)
    expect(() => assertShardMatches(manifest, 2, corrupted)).toThrow(ShardHashMismatchError)
    expect(() => assertShardMatches(manifest, 2, corrupted)).toThrow(/shard 2 has SHA-256 [0-9a-f]{64}; the manifest says/)
  })

  it('rejects a valid shard presented under another index', () => {
    expect(verifyShard(manifest, 1, shards[0])).toBe(false)
    expect(() => assertShardMatches(manifest, 4, shards[3])).toThrow(ShardHashMismatchError)
  })

  it('rejects a shard of the wrong length before hashing it', () => {
    expect(verifyShard(manifest, 0, shards[0].subarray(0, 15))).toBe(false)
    expect(verifyShard(manifest, 0, Uint8Array.of(...shards[0], 0))).toBe(false)
    expect(() => assertShardMatches(manifest, 0, new Uint8Array(17))).toThrow(/17 bytes; the manifest says 16/)
  })

  it.each([-1, 5, 1.5, Number.NaN])('rejects index %s, outside the manifest', (index) => {
    expect(verifyShard(manifest, index, shards[0])).toBe(false)
    expect(() => assertShardMatches(manifest, index, shards[0])).toThrow(ShardHashMismatchError)
  })
})
