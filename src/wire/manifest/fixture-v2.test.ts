import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { fromHex, sha256, toHex } from '../../crypto/index.ts'
import { walletFromPrivateKey } from '../../identity/index.ts'
import fixture from './fixtures/manifest-v2.json'
import { buildManifest } from './build.ts'
import { decodeSignedManifest, encodeSignedManifest } from './codec.ts'
import { assertShardMatches } from './shards.ts'

// Pins format version 2 across releases, as fixture.test.ts pins version 1. Do not update the fixture to make it
// pass; manifests and proofs held by storage nodes must keep verifying.
const wallet = walletFromPrivateKey(fromHex(fixture.privateKey))
const input = {
  ...fixture.input,
  version: 2 as const,
  placementKey: fromHex(fixture.input.placementKey),
  shards: fixture.input.shards.map(shard => fromHex(shard))
}

describe('manifest v2 fixture', () => {
  it('builds to the pinned body, shard root, proofs, object ID and signature', () => {
    const { manifest, objectId, shardProofs } = buildManifest(wallet, input)
    expect(manifest.owner).toBe(fixture.owner)
    expect(toHex(manifest.shardRoot)).toBe(fixture.expected.shardRoot)
    expect(shardProofs.map(proof => toHex(proof as Uint8Array))).toEqual(fixture.expected.shardProofs)
    expect(toHex(manifest.bodyBytes)).toBe(fixture.expected.bodyHex)
    expect(objectId).toBe(fixture.expected.objectId)
    expect(toHex(manifest.signature)).toBe(fixture.expected.signatureHex)
    expect(toHex(encodeSignedManifest(manifest))).toBe(fixture.expected.signedManifestHex)
  })

  it('decodes the pinned bytes, and every pinned shard verifies with its pinned proof', () => {
    const manifest = decodeSignedManifest(fromHex(fixture.expected.signedManifestHex))
    expect(manifest).toMatchObject({
      version: 2,
      namespace: fixture.input.namespace,
      owner: fixture.owner,
      k: fixture.input.k,
      m: fixture.input.m,
      originalLength: fixture.input.originalLength,
      shardSize: fixture.expected.shardSize,
      createdAt: fixture.input.createdAt,
      objectId: fixture.expected.objectId
    })
    expect('shardHashes' in manifest).toBe(false)
    input.shards.forEach((shard, index) => {
      expect(toHex(assertShardMatches(manifest, index, shard, fromHex(fixture.expected.shardProofs[index])))).toBe(fixture.expected.shardHashes[index])
    })
  })

  it('pins values that can be checked without this codebase', () => {
    expect(input.shards.map(shard => toHex(sha256(shard)))).toEqual(fixture.expected.shardHashes)
    // RFC 6962 over 5 leaves: root = node(node(node(l0, l1), node(l2, l3)), l4).
    const leaf = (index: number): Uint8Array => sha256(Uint8Array.of(0x00, ...fromHex(fixture.expected.shardHashes[index])))
    const node = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(Uint8Array.of(0x01, ...left, ...right))
    const left = node(node(leaf(0), leaf(1)), node(leaf(2), leaf(3)))
    expect(toHex(node(left, leaf(4)))).toBe(fixture.expected.shardRoot)
    // Proofs list siblings from the leaf up: shard 2's are l3, node(l0, l1), l4; shard 4's is the left subtree alone.
    expect(fixture.expected.shardProofs[2]).toBe(toHex(leaf(3)) + toHex(node(leaf(0), leaf(1))) + toHex(leaf(4)))
    expect(fixture.expected.shardProofs[4]).toBe(toHex(left))
    // The body carries the root as field 11 and no field 9; the object ID and signature work as in version 1.
    expect(fixture.expected.bodyHex.endsWith('5a20' + fixture.expected.shardRoot)).toBe(true)
    const body = fromHex(fixture.expected.bodyHex)
    const length = new Uint8Array(4)
    new DataView(length.buffer).setUint32(0, body.length)
    const layout = Uint8Array.of(0, 0, 0, 19, ...new TextEncoder().encode('zentalk/manifest/v1'), ...length, ...body)
    expect(toHex(sha256(layout))).toBe(fixture.expected.objectId)
    const signature = fromHex(fixture.expected.signatureHex)
    expect(secp256k1.verify(signature.subarray(0, 64), fromHex(fixture.expected.objectId), wallet.publicKey, { prehash: false })).toBe(true)
  })
})
