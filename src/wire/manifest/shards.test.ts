import { describe, expect, it } from 'vitest'
import { NS_HISTORY, fromHex, sha256 } from '../../crypto/index.ts'
import { walletFromPrivateKey } from '../../identity/index.ts'
import { ShardHashMismatchError } from '../errors.ts'
import { buildManifest } from './build.ts'
import { assertShardMatches, checkCodeword, verifyShard } from './shards.ts'

const owner = walletFromPrivateKey(fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'))
const shards = Array.from({ length: 5 }, (_, index) => Uint8Array.from({ length: 16 }, (_, byte) => index * 16 + byte))
const input = { namespace: NS_HISTORY, placementKey: new Uint8Array(32), k: 3, m: 2, originalLength: 40, shards, createdAt: 1_767_225_600_000 }
const v1 = buildManifest(owner, input)
const v2 = buildManifest(owner, { ...input, version: 2 })

describe.each([
  ['version 1', v1.manifest, v1.shardProofs],
  ['version 2', v2.manifest, v2.shardProofs]
])('shard verification, %s', (_, manifest, proofs) => {
  it('accepts every shard at its own index and returns its SHA-256', () => {
    shards.forEach((shard, index) => {
      expect(verifyShard(manifest, index, shard, proofs[index])).toBe(true)
      expect(assertShardMatches(manifest, index, shard, proofs[index])).toEqual(sha256(shard))
    })
  })

  it('rejects a shard with one flipped bit, its proof unchanged', () => {
    const corrupted = Uint8Array.from(shards[2])
    corrupted[15] ^= 0x01
    expect(verifyShard(manifest, 2, corrupted, proofs[2])).toBe(false)
    expect(() => assertShardMatches(manifest, 2, corrupted, proofs[2])).toThrow(ShardHashMismatchError)
  })

  it('rejects a valid shard presented under another index, with its own proof or that index\'s', () => {
    expect(verifyShard(manifest, 1, shards[0], proofs[0])).toBe(false)
    expect(verifyShard(manifest, 1, shards[0], proofs[1])).toBe(false)
    expect(() => assertShardMatches(manifest, 4, shards[3], proofs[3])).toThrow(ShardHashMismatchError)
  })

  it('rejects a shard of the wrong length before hashing it', () => {
    expect(verifyShard(manifest, 0, shards[0].subarray(0, 15), proofs[0])).toBe(false)
    expect(verifyShard(manifest, 0, Uint8Array.of(...shards[0], 0), proofs[0])).toBe(false)
    expect(() => assertShardMatches(manifest, 0, new Uint8Array(17), proofs[0])).toThrow(/17 bytes; the manifest says 16/)
  })

  it.each([-1, 5, 1.5, Number.NaN])('rejects index %s, outside the manifest', (index) => {
    expect(verifyShard(manifest, index, shards[0], proofs[0])).toBe(false)
    expect(() => assertShardMatches(manifest, index, shards[0], proofs[0])).toThrow(ShardHashMismatchError)
  })

  it('accepts the whole codeword and rejects it with one shard changed', () => {
    expect(checkCodeword(manifest, shards)).toEqual({ mismatched: [], proofs })
    const changed = shards.map(shard => Uint8Array.from(shard))
    changed[4][0] ^= 0x80
    expect(checkCodeword(manifest, changed).mismatched).toContain(4)
    expect(checkCodeword(manifest, shards.slice(0, 4)).mismatched).toEqual([0, 1, 2, 3, 4])
  })
})

describe('shard verification across versions', () => {
  it('rejects a shard of a version 1 manifest sent with a proof', () => {
    expect(() => assertShardMatches(v1.manifest, 0, shards[0], v2.shardProofs[0])).toThrow(/proof, but its version 1 manifest lists the shard hashes/)
  })

  it('rejects a shard of a version 2 manifest sent without its proof', () => {
    expect(verifyShard(v2.manifest, 0, shards[0], undefined)).toBe(false)
    expect(() => assertShardMatches(v2.manifest, 0, shards[0], undefined)).toThrow(/without the shard-tree proof/)
  })

  it('rejects a version 2 shard whose proof is cut, extended, has a flipped bit or is empty', () => {
    const proof = v2.shardProofs[1] as Uint8Array
    const flipped = Uint8Array.from(proof)
    flipped[40] ^= 0x01
    for (const bad of [proof.subarray(0, 32), proof.subarray(0, proof.length - 1), Uint8Array.of(...proof, ...new Uint8Array(32)), flipped, new Uint8Array()]) {
      expect(() => assertShardMatches(v2.manifest, 1, shards[1], bad)).toThrow(ShardHashMismatchError)
    }
  })

  it('rejects a tampered shard sent with a proof built for it (a tree the owner did not sign)', () => {
    const tampered = shards.map(shard => Uint8Array.from(shard))
    tampered[2][0] ^= 0xff
    const forged = buildManifest(owner, { ...input, shards: tampered, version: 2 })
    expect(verifyShard(forged.manifest, 2, tampered[2], forged.shardProofs[2])).toBe(true)
    expect(verifyShard(v2.manifest, 2, tampered[2], forged.shardProofs[2])).toBe(false)
    expect(() => assertShardMatches(v2.manifest, 2, tampered[2], forged.shardProofs[2])).toThrow(/do not lead to the manifest's shard root/)
  })
})
