import { describe, expect, it } from 'vitest'
import { WalletIdentity } from '../identity/index.ts'
import { MalformedMessageError } from '../wire/index.ts'
import { deriveChatKeyPair } from './chat-keys.ts'
import { EnvelopeDecryptError, UnsupportedEnvelopeError } from './errors.ts'
import { MAX_ENVELOPE_BYTES } from './envelope-format.ts'
import { isSealedEnvelope, openSealed, sealForRecipient } from './sealed-envelope.ts'
import { containsBytes as contains } from '../testing/chat-mesh.ts'

const bob = deriveChatKeyPair(WalletIdentity.generate())
const carol = deriveChatKeyPair(WalletIdentity.generate())
const envelope = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff)
envelope[0] = 0x0a // an envelope's first byte

describe('envelopes sealed for their recipient alone', () => {
  it('open for the recipient only, to the envelope as it was, and show none of it', async () => {
    const sealed = await sealForRecipient(envelope, bob.publicKey)
    expect(isSealedEnvelope(sealed)).toBe(true)
    expect(isSealedEnvelope(envelope)).toBe(false)
    expect(contains(sealed, envelope.subarray(100, 120))).toBe(false)
    expect(contains(sealed, bob.publicKey)).toBe(false)
    expect(sealed.length - envelope.length).toBeLessThan(80)
    expect(await openSealed(sealed, bob)).toEqual(envelope)
    await expect(openSealed(sealed, carol)).rejects.toBeInstanceOf(EnvelopeDecryptError)
    // Two seals of one envelope look unrelated (a key pair and a nonce of their own).
    const again = await sealForRecipient(envelope, bob.publicKey)
    expect(contains(again, sealed.subarray(40, 60))).toBe(false)
  })

  it('refuse altered, foreign-version and malformed seals with typed errors, and an oversize envelope', async () => {
    const sealed = await sealForRecipient(envelope, bob.publicKey)
    for (const at of [5, 40, sealed.length - 1]) {
      const altered = Uint8Array.from(sealed)
      altered[at] ^= 1
      await expect(openSealed(altered, bob)).rejects.toThrow()
    }
    const altered = Uint8Array.from(sealed)
    altered[sealed.length - 1] ^= 1
    await expect(openSealed(altered, bob)).rejects.toBeInstanceOf(EnvelopeDecryptError)
    const newer = Uint8Array.from(sealed)
    newer[1] = 2
    await expect(openSealed(newer, bob)).rejects.toBeInstanceOf(UnsupportedEnvelopeError)
    await expect(openSealed(Uint8Array.of(0x08, 0x01, 0xff), bob)).rejects.toBeInstanceOf(MalformedMessageError)
    await expect(sealForRecipient(new Uint8Array(MAX_ENVELOPE_BYTES + 1), bob.publicKey)).rejects.toThrow(RangeError)
  })
})
