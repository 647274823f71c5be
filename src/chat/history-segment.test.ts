import { describe, expect, it } from 'vitest'
import { WalletIdentity } from '../identity/index.ts'
import type { ObjectId } from '../types/index.ts'
import { MalformedMessageError, OversizeMessageError, SignedEnvelope } from '../wire/index.ts'
import { HistorySegmentDecryptError, UnsupportedHistorySegmentError } from './errors.ts'
import { MAX_ENVELOPE_BYTES } from './envelope-format.ts'
import {
  MAX_HISTORY_SEGMENT_BYTES, MAX_SEGMENT_ENTRY_BYTES, SEGMENT_TARGET_BYTES, deriveSegmentKey, isHistorySegment, openHistorySegment,
  packSegments, sealHistorySegment
} from './history-segment.ts'
import { HistorySegmentMessage } from '../wire/index.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'

const alice = WalletIdentity.generate()
const bob = WalletIdentity.generate()
const aliceKey = deriveSegmentKey(alice)
const ID_A = 'a'.repeat(64) as ObjectId
const ID_B = '0123456789abcdef'.repeat(4) as ObjectId
const seeded = mulberry32(17)
const random = (length: number): Uint8Array => randomBytes(seeded, length)

function envelopeOf (size: number, fill: number): Uint8Array {
  return SignedEnvelope.encode({ header: new Uint8Array(size - 80).fill(fill), ciphertext: new Uint8Array(10), signature: new Uint8Array(65).fill(fill) })
}

describe('history segments', () => {
  it('give back exactly the envelopes sealed, to their owner only', async () => {
    const envelopes = [envelopeOf(310, 1), envelopeOf(400, 2), envelopeOf(290, 3)]
    const replaces = [ID_A, ID_B]
    const segment = await sealHistorySegment(alice.address, aliceKey, { envelopes, replaces })
    expect(isHistorySegment(segment)).toBe(true)
    expect(isHistorySegment(envelopes[0])).toBe(false)
    expect(await openHistorySegment(alice.address, aliceKey, segment)).toEqual({ envelopes, replaces })
    // Bob's key does not open Alice's segment, and Alice's segment is not Bob's.
    await expect(openHistorySegment(alice.address, deriveSegmentKey(bob), segment)).rejects.toBeInstanceOf(HistorySegmentDecryptError)
    await expect(openHistorySegment(bob.address, deriveSegmentKey(bob), segment)).rejects.toThrow(/sealed by 0x/)
    // The key is a function of the wallet: a restored wallet reads its segments.
    expect(deriveSegmentKey(WalletIdentity.fromPrivateKey(alice.exportPrivateKey()))).toEqual(aliceKey)
  })

  it('refuse altered, foreign-version and oversize segments with typed errors', async () => {
    const segment = await sealHistorySegment(alice.address, aliceKey, { envelopes: [envelopeOf(300, 7)], replaces: [] }, random)
    const flipped = Uint8Array.from(segment)
    flipped[flipped.length - 3] ^= 1
    await expect(openHistorySegment(alice.address, aliceKey, flipped)).rejects.toBeInstanceOf(HistorySegmentDecryptError)
    const fields = HistorySegmentMessage.decode(segment)
    const nextVersion = HistorySegmentMessage.encode({ ...fields, version: 2 })
    await expect(openHistorySegment(alice.address, aliceKey, nextVersion)).rejects.toBeInstanceOf(UnsupportedHistorySegmentError)
    const otherAlg = HistorySegmentMessage.encode({ ...fields, alg: 'rot13' })
    await expect(openHistorySegment(alice.address, aliceKey, otherAlg)).rejects.toBeInstanceOf(UnsupportedHistorySegmentError)
    // A segment whose nonce was changed does not open.
    const otherNonce = HistorySegmentMessage.encode({ ...fields, nonce: new Uint8Array(12) })
    await expect(openHistorySegment(alice.address, aliceKey, otherNonce)).rejects.toBeInstanceOf(HistorySegmentDecryptError)
    await expect(openHistorySegment(alice.address, aliceKey, new Uint8Array(MAX_HISTORY_SEGMENT_BYTES + 1).fill(8))).rejects.toBeInstanceOf(OversizeMessageError)
    await expect(openHistorySegment(alice.address, aliceKey, Uint8Array.of(8, 1, 99))).rejects.toBeInstanceOf(MalformedMessageError)
    await expect(sealHistorySegment(alice.address, aliceKey, { envelopes: [], replaces: [] })).rejects.toThrow(RangeError)
    await expect(sealHistorySegment(alice.address, aliceKey, { envelopes: [new Uint8Array(10), new Uint8Array(MAX_SEGMENT_ENTRY_BYTES + 1)], replaces: [] })).rejects.toThrow(RangeError)
    // One envelope alone (a sent message's history copy) may be as large as any envelope, and opens; not larger.
    const large = new Uint8Array(MAX_ENVELOPE_BYTES).fill(10)
    expect((await openHistorySegment(alice.address, aliceKey, await sealHistorySegment(alice.address, aliceKey, { envelopes: [large], replaces: [] }))).envelopes).toEqual([large])
    await expect(sealHistorySegment(alice.address, aliceKey, { envelopes: [new Uint8Array(MAX_ENVELOPE_BYTES + 1)], replaces: [] })).rejects.toThrow(RangeError)
  })

  it('pack envelopes in order into segments of at most the target size', async () => {
    const envelopes = Array.from({ length: 500 }, (_, i) => envelopeOf(300 + (i % 50), i % 256))
    const segments = packSegments(envelopes)
    expect(segments.flat()).toEqual(envelopes)
    for (const segment of segments) expect(segment.reduce((sum, e) => sum + e.length, 0)).toBeLessThanOrEqual(SEGMENT_TARGET_BYTES)
    // Full segments except the last: 500 × ~325 bytes is about 2.5 segments.
    expect(segments).toHaveLength(3)
    const sealed = await sealHistorySegment(alice.address, aliceKey, { envelopes: segments[0], replaces: [] })
    expect(sealed.length).toBeLessThanOrEqual(MAX_HISTORY_SEGMENT_BYTES)
    expect((await openHistorySegment(alice.address, aliceKey, sealed)).envelopes).toEqual(segments[0])
    expect(() => packSegments([new Uint8Array(MAX_SEGMENT_ENTRY_BYTES + 1)])).toThrow(RangeError)
  })
})
