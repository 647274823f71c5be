import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { NS_DELETE, NS_HISTORY, NS_MANIFEST, fromHex, toHex } from '../../crypto/index.ts'
import { InvalidSignatureError, addressToBytes, walletFromPrivateKey, type Signer } from '../../identity/index.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../errors.ts'
import fixture from './fixtures/manifest-v1.json'
import {
  MAX_MANIFEST_NAMESPACE_BYTES,
  MAX_SHARDS,
  MAX_SIGNED_MANIFEST_BYTES,
  decodeSignedManifest,
  encodeSignedManifest,
  manifestObjectId
} from './codec.ts'
import { ManifestBody as ManifestBodyMessage, SignedManifest as SignedManifestMessage } from './manifest.ts'

const owner = walletFromPrivateKey(fromHex(fixture.privateKey))
const stranger = walletFromPrivateKey(fromHex('02'.repeat(32)))
const fixtureBytes = fromHex(fixture.expected.signedManifestHex)
const MAX_SAFE = Number.MAX_SAFE_INTEGER

function validBody (overrides: Partial<ManifestBodyMessage> = {}): ManifestBodyMessage {
  return {
    version: 1,
    namespace: NS_HISTORY,
    owner: addressToBytes(owner.address),
    placementKey: new Uint8Array(32).fill(7),
    k: 2,
    m: 1,
    originalLength: 10,
    shardSize: 5,
    shardHashes: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)],
    createdAt: 1_767_225_600_000,
    ...overrides
  }
}

/** Encodes and signs arbitrary body bytes, so each test breaks exactly one rule. */
function signBody (bodyBytes: Uint8Array, signer: Signer = owner): Uint8Array {
  const signature = new Uint8Array(signer.sign(NS_MANIFEST, bodyBytes))
  return SignedManifestMessage.encode({ body: new Uint8Array(bodyBytes), signature })
}

function signed (overrides: Partial<ManifestBodyMessage> = {}, signer: Signer = owner): Uint8Array {
  return signBody(ManifestBodyMessage.encode(validBody(overrides)), signer)
}

describe('decodeSignedManifest', () => {
  it('accepts a valid manifest and returns its fields, exact body bytes and object ID', () => {
    const bytes = signed()
    const manifest = decodeSignedManifest(bytes)
    expect(manifest).toMatchObject({ version: 1, namespace: NS_HISTORY, owner: owner.address, k: 2, m: 1, originalLength: 10, shardSize: 5, createdAt: 1_767_225_600_000 })
    expect('shardHashes' in manifest && manifest.shardHashes).toHaveLength(3)
    expect(manifest.objectId).toBe(manifestObjectId(manifest.bodyBytes))
    expect(encodeSignedManifest(manifest)).toEqual(bytes)
  })

  it('is not affected by the caller reusing the input buffer afterwards', () => {
    const bytes = Uint8Array.from(fixtureBytes)
    const manifest = decodeSignedManifest(bytes)
    bytes.fill(0)
    expect(toHex(manifest.bodyBytes)).toBe(fixture.expected.bodyHex)
  })

  describe('signature', () => {
    it('rejects a body with any single byte changed after signing', () => {
      const bodyStart = fixtureBytes.length - fixture.expected.bodyHex.length / 2 - 67
      const placementKeyOffset = bodyStart + fixture.expected.bodyHex.indexOf(fixture.input.placementKey) / 2
      const tampered = Uint8Array.from(fixtureBytes)
      tampered[placementKeyOffset] ^= 0x01
      expect(() => decodeSignedManifest(tampered)).toThrow(InvalidSignatureError)
    })

    it('rejects a changed createdAt (last body field) and a changed shard hash', () => {
      const body = ManifestBodyMessage.encode(validBody())
      const signature = owner.sign(NS_MANIFEST, body)
      for (const changed of [validBody({ createdAt: 1_767_225_600_001 }), validBody({ shardHashes: [new Uint8Array(32).fill(9), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)] })]) {
        const forged = SignedManifestMessage.encode({ body: ManifestBodyMessage.encode(changed), signature: new Uint8Array(signature) })
        expect(() => decodeSignedManifest(forged)).toThrow(InvalidSignatureError)
      }
    })

    it('rejects a manifest naming one owner but signed by another key', () => {
      expect(() => decodeSignedManifest(signed({}, stranger))).toThrow(/not signed by its owner 0x2c7536e3/)
      expect(() => decodeSignedManifest(signed({}, stranger))).toThrow(InvalidSignatureError)
    })

    it('rejects a signature made in another namespace', () => {
      const body = ManifestBodyMessage.encode(validBody())
      const deleteSignature = new Uint8Array(owner.sign(NS_DELETE, body))
      expect(() => decodeSignedManifest(SignedManifestMessage.encode({ body, signature: deleteSignature }))).toThrow(InvalidSignatureError)
    })

    it('rejects a tampered signature byte, a wrong-length, a missing and a high-s signature', () => {
      const body = ManifestBodyMessage.encode(validBody())
      const signature = new Uint8Array(owner.sign(NS_MANIFEST, body))
      const flipped = Uint8Array.from(signature)
      flipped[10] ^= 0x80
      const s = BigInt('0x' + toHex(signature.subarray(32, 64)))
      const highS = Uint8Array.from(signature)
      highS.set(fromHex((secp256k1.Point.CURVE().n - s).toString(16).padStart(64, '0')), 32)
      highS[64] = signature[64] === 27 ? 28 : 27
      for (const bad of [flipped, signature.subarray(0, 64), new Uint8Array([...signature, 0]), highS]) {
        expect(() => decodeSignedManifest(SignedManifestMessage.encode({ body, signature: new Uint8Array(bad) }))).toThrow(InvalidSignatureError)
      }
      expect(() => decodeSignedManifest(SignedManifestMessage.encode({ body }))).toThrow(InvalidSignatureError)
    })
  })

  describe('version', () => {
    it.each([3, 0xffff_ffff])('rejects version %i with UnsupportedVersionError', (version) => {
      expect(() => decodeSignedManifest(signed({ version }))).toThrow(UnsupportedVersionError)
    })

    it('rejects a body without a version (version 0 is omitted by protobuf) as malformed', () => {
      expect(() => decodeSignedManifest(signed({ version: 0 }))).toThrow(/does not start with its version field/)
    })

    it('checks the version before the rest of the body, and before the signature', () => {
      // A future body whose field 3 is no longer bytes, unsigned: still reported as an unknown version.
      const futureBody = Uint8Array.of(0x08, 0x03, 0x18, 0x05)
      const bytes = SignedManifestMessage.encode({ body: futureBody, signature: new Uint8Array(65) })
      expect(() => decodeSignedManifest(bytes)).toThrow(/version 3 is not supported/)
    })

    it('rejects a body that does not start with its version field', () => {
      const reordered = Uint8Array.of(0x28, 0x02, 0x08, 0x01)
      expect(() => decodeSignedManifest(SignedManifestMessage.encode({ body: reordered, signature: new Uint8Array(65) }))).toThrow(MalformedMessageError)
    })
  })

  describe('size', () => {
    it('rejects input over the size limit before decoding it', () => {
      expect(() => decodeSignedManifest(new Uint8Array(MAX_SIGNED_MANIFEST_BYTES + 1))).toThrow(OversizeMessageError)
    })

    it('rejects an otherwise validly signed manifest that is over the limit', () => {
      const padded = Uint8Array.of(...ManifestBodyMessage.encode(validBody()), 0x5a, 0xd0, 0x50, ...new Uint8Array(0x2850))
      expect(() => decodeSignedManifest(signBody(padded))).toThrow(OversizeMessageError)
    })

    it('admits the largest valid manifest: 256 shards, longest namespace, largest integers', () => {
      const bytes = signed({
        namespace: 'z'.repeat(MAX_MANIFEST_NAMESPACE_BYTES),
        k: 1,
        m: MAX_SHARDS - 1,
        shardSize: 0xffff_ffff,
        originalLength: 0xffff_ffff,
        shardHashes: Array.from({ length: MAX_SHARDS }, () => new Uint8Array(32).fill(0xff)),
        createdAt: MAX_SAFE
      })
      expect(bytes.length).toBeLessThanOrEqual(MAX_SIGNED_MANIFEST_BYTES)
      const manifest = decodeSignedManifest(bytes)
      expect('shardHashes' in manifest && manifest.shardHashes).toHaveLength(MAX_SHARDS)
    })
  })

  describe('structure', () => {
    it('rejects every truncation of a valid manifest', () => {
      for (let length = 0; length < fixtureBytes.length; length++) {
        const cutAfterBody = length === fixtureBytes.length - 67
        expect(() => decodeSignedManifest(fixtureBytes.subarray(0, length)), `prefix of ${length} bytes`)
          .toThrow(cutAfterBody ? InvalidSignatureError : MalformedMessageError)
      }
    })

    it.each([
      ['empty input', new Uint8Array()],
      ['0xff bytes', new Uint8Array(16).fill(0xff)],
      ['ASCII text', new TextEncoder().encode('hello, storage node')],
      ['a bare body without its envelope', fromHex(fixture.expected.bodyHex)],
      ['an envelope whose body is not a protobuf', SignedManifestMessage.encode({ body: Uint8Array.of(0x08, 0x01, 0xff), signature: new Uint8Array(65) })]
    ])('rejects %s as malformed', (_, bytes) => {
      expect(() => decodeSignedManifest(bytes)).toThrow(MalformedMessageError)
    })

    it('rejects seeded random garbage as malformed', () => {
      let seed = 0x2545f491
      const nextByte = (): number => {
        seed ^= seed << 13
        seed ^= seed >>> 17
        seed ^= seed << 5
        return seed & 0xff
      }
      for (let round = 0; round < 200; round++) {
        const garbage = Uint8Array.from({ length: 1 + (round * 7) % 300 }, nextByte)
        expect(() => decodeSignedManifest(garbage)).toThrow(MalformedMessageError)
      }
    })

    it('rejects unknown fields in the envelope, which the signature does not cover', () => {
      const withExtra = Uint8Array.of(...fixtureBytes, 0x1a, 0x01, 0x00)
      expect(() => decodeSignedManifest(withExtra)).toThrow(/not canonically encoded/)
    })

    it('rejects a signed body with unknown or repeated fields', () => {
      const body = ManifestBodyMessage.encode(validBody())
      expect(() => decodeSignedManifest(signBody(Uint8Array.of(...body, 0x60, 0x01)))).toThrow(MalformedMessageError)
      expect(() => decodeSignedManifest(signBody(Uint8Array.of(...body, 0x28, 0x02)))).toThrow(MalformedMessageError)
    })

    it('rejects non-bytes input', () => {
      expect(() => decodeSignedManifest('0a87' as unknown as Uint8Array)).toThrow(MalformedMessageError)
    })
  })

  describe('fields', () => {
    const hashes = (count: number): Array<Uint8Array<ArrayBuffer>> => Array.from({ length: count }, () => new Uint8Array(32))

    it.each([
      ['k = 0', { k: 0, m: 3 }, /k must be at least 1/],
      ['k + m > 256', { k: 200, m: 57, shardHashes: hashes(256) }, /at most 256 shards/],
      ['more than 256 shard hashes', { k: 200, m: 57, shardHashes: hashes(257) }, /shardHashes/],
      ['fewer shard hashes than k + m', { shardHashes: hashes(2) }, /lists 2 shard hashes but k \+ m = 3/],
      ['more shard hashes than k + m', { shardHashes: hashes(4) }, /lists 4 shard hashes/],
      ['a 31-byte shard hash', { shardHashes: [...hashes(2), new Uint8Array(31)] }, /shardHashes\[2\] must be 32 bytes/],
      ['a 33-byte shard hash', { shardHashes: [new Uint8Array(33), ...hashes(2)] }, /shardHashes\[0\] must be 32 bytes/],
      ['a 19-byte owner', { owner: new Uint8Array(19) }, /owner must be 20 bytes/],
      ['a missing owner', { owner: new Uint8Array() }, /owner must be 20 bytes/],
      ['a 31-byte placement key', { placementKey: new Uint8Array(31) }, /placementKey must be 32 bytes/],
      ['a zero shard size', { shardSize: 0, originalLength: 0 }, /shardSize must be at least 1/],
      ['more original bytes than k shards hold', { originalLength: 11 }, /does not fit in k = 2 shards of 5 bytes/],
      ['an empty namespace', { namespace: '' }, /namespace/],
      ['a namespace with a space', { namespace: 'zentalk/history v1' }, /namespace/],
      ['a non-ASCII namespace', { namespace: 'zentalk/histöry/v1' }, /namespace/],
      ['a namespace over the length limit', { namespace: 'z'.repeat(MAX_MANIFEST_NAMESPACE_BYTES + 1) }, /namespace/]
    ] as Array<[string, Partial<ManifestBodyMessage>, RegExp]>)('rejects %s, even when correctly signed', (_, overrides, message) => {
      const bytes = signed(overrides)
      expect(() => decodeSignedManifest(bytes)).toThrow(MalformedMessageError)
      expect(() => decodeSignedManifest(bytes)).toThrow(message)
    })

    it.each([
      ['a version 1 body with a shardRoot', { shardRoot: new Uint8Array(32) }, /version 1 manifest lists shard hashes and has no shardRoot/],
      ['a version 2 body without a shardRoot', { version: 2, shardHashes: [] }, /shardRoot must be 32 bytes, got 0/],
      ['a version 2 body with a 31-byte shardRoot', { version: 2, shardHashes: [], shardRoot: new Uint8Array(31) }, /shardRoot must be 32 bytes, got 31/],
      ['a version 2 body that also lists shard hashes', { version: 2, shardRoot: new Uint8Array(32) }, /also lists 3 shard hashes/]
    ] as Array<[string, Partial<ManifestBodyMessage>, RegExp]>)('rejects %s, even when correctly signed', (_, overrides, message) => {
      expect(() => decodeSignedManifest(signed(overrides))).toThrow(MalformedMessageError)
      expect(() => decodeSignedManifest(signed(overrides))).toThrow(message)
    })

    it('accepts a version 2 body with a 32-byte shardRoot and no shard hashes', () => {
      const manifest = decodeSignedManifest(signed({ version: 2, shardHashes: [], shardRoot: new Uint8Array(32).fill(5) }))
      expect(manifest).toMatchObject({ version: 2, shardRoot: new Uint8Array(32).fill(5), k: 2, m: 1 })
      expect('shardHashes' in manifest).toBe(false)
    })

    it.each([
      ['originalLength', 0x38],
      ['createdAt', 0x50]
    ])('rejects %s above 2^53 - 1, even when correctly signed', (_, tag) => {
      const body = ManifestBodyMessage.encode(validBody({ originalLength: 0, createdAt: 0 }))
      for (const varint of [[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]]) {
        expect(() => decodeSignedManifest(signBody(Uint8Array.of(...body, tag, ...varint)))).toThrow(MalformedMessageError)
      }
    })

    it('encodes and decodes lengths between 2^31 and 2^32 exactly and deterministically', () => {
      // protons-runtime 8.0.1 mis-encodes bigint uint64 values in this range; the schema uses JS_NUMBER instead.
      for (const originalLength of [2 ** 31, 3 * 2 ** 30, 0xffff_ffff]) {
        const body = validBody({ k: 1, m: 2, shardSize: 0xffff_ffff, originalLength })
        expect(ManifestBodyMessage.encode(body)).toEqual(ManifestBodyMessage.encode(body))
        expect(decodeSignedManifest(signed(body)).originalLength).toBe(originalLength)
      }
    })

    it('accepts m = 0, an empty object and the largest safe integers', () => {
      expect(decodeSignedManifest(signed({ m: 0, shardHashes: hashes(2) })).m).toBe(0)
      expect(decodeSignedManifest(signed({ originalLength: 0 })).originalLength).toBe(0)
      expect(decodeSignedManifest(signed({ createdAt: MAX_SAFE })).createdAt).toBe(Number.MAX_SAFE_INTEGER)
    })
  })
})
