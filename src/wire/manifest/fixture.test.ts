import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { sha256, fromHex, toHex } from '../../crypto/index.ts'
import { walletFromPrivateKey } from '../../identity/index.ts'
import fixture from './fixtures/manifest-v1.json'
import { buildManifest } from './build.ts'
import { decodeSignedManifest, encodeSignedManifest } from './codec.ts'

// Pins format version 1 across releases: if this fails, the wire format changed. Do not update the fixture to
// make it pass; old manifests held by storage nodes must keep verifying.
const wallet = walletFromPrivateKey(fromHex(fixture.privateKey))
const input = {
  ...fixture.input,
  placementKey: fromHex(fixture.input.placementKey),
  shards: fixture.input.shards.map(shard => fromHex(shard))
}

describe('manifest v1 fixture', () => {
  it('builds to the pinned body, object ID and signature', () => {
    const { manifest, objectId } = buildManifest(wallet, input)
    expect(manifest.owner).toBe(fixture.owner)
    expect(manifest.shardHashes.map(toHex)).toEqual(fixture.expected.shardHashes)
    expect(toHex(manifest.bodyBytes)).toBe(fixture.expected.bodyHex)
    expect(objectId).toBe(fixture.expected.objectId)
    expect(toHex(manifest.signature)).toBe(fixture.expected.signatureHex)
    expect(toHex(encodeSignedManifest(manifest))).toBe(fixture.expected.signedManifestHex)
  })

  it('decodes the pinned bytes to the fixture inputs', () => {
    const manifest = decodeSignedManifest(fromHex(fixture.expected.signedManifestHex))
    expect(manifest).toMatchObject({
      version: 1,
      namespace: fixture.input.namespace,
      owner: fixture.owner,
      k: fixture.input.k,
      m: fixture.input.m,
      originalLength: fixture.input.originalLength,
      shardSize: fixture.expected.shardSize,
      createdAt: fixture.input.createdAt,
      objectId: fixture.expected.objectId
    })
    expect(toHex(manifest.placementKey)).toBe(fixture.input.placementKey)
    expect(toHex(manifest.bodyBytes)).toBe(fixture.expected.bodyHex)
  })

  it('pins values that can be checked without this codebase', () => {
    // Shard hashes are plain SHA-256 of the shard bytes.
    expect(input.shards.map(shard => toHex(sha256(shard)))).toEqual(fixture.expected.shardHashes)
    // Object ID: SHA-256 of u32be(19) ‖ 'zentalk/manifest/v1' ‖ u32be(len(body)) ‖ body.
    const body = fromHex(fixture.expected.bodyHex)
    const lengths = new DataView(new ArrayBuffer(4))
    lengths.setUint32(0, body.length)
    const layout = Uint8Array.of(0, 0, 0, 19, ...new TextEncoder().encode('zentalk/manifest/v1'), ...new Uint8Array(lengths.buffer), ...body)
    expect(toHex(sha256(layout))).toBe(fixture.expected.objectId)
    // The signature is a plain secp256k1 ECDSA signature (r ‖ s) over the object ID digest, plus v = 27 or 28.
    const signature = fromHex(fixture.expected.signatureHex)
    expect(secp256k1.verify(signature.subarray(0, 64), fromHex(fixture.expected.objectId), wallet.publicKey, { prehash: false })).toBe(true)
    expect([27, 28]).toContain(signature[64])
  })
})
