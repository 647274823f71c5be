import { describe, expect, it } from 'vitest'
import { ZenTalkError } from '../errors/index.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import { addressToBytes, InvalidSignatureError } from '../identity/index.ts'
import { EnvelopeHeader as EnvelopeHeaderMessage, MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../wire/index.ts'
import { AeadAuthenticationError, aesGcmDecrypt } from '../crypto/index.ts'
import { inspectEnvelope, messageKey, openMessage, sealMessage, type OpenMessageOptions } from './envelope.ts'
import { ENVELOPE_ALG, MAX_ENVELOPE_BYTES, encodeSignedEnvelope, envelopeSigningMessage, parseEnvelope } from './envelope-format.ts'
import {
  EnvelopeDecryptError,
  EnvelopeSignatureError,
  KeyBundleOwnerMismatchError,
  NotRecipientError,
  PeerKeyMismatchError,
  UnknownPeerKeyError,
  UnsupportedEnvelopeError
} from './errors.ts'
import { createKeyBundle } from './key-bundle.ts'
import { NS_ENVELOPE } from './namespaces.ts'
import { MAX_PAYLOAD_BYTES, MessageKind } from './payload.ts'
import { CREATED_AT, alice, bob, carol, lookupOf, mallory, type Party } from '../testing/chat-parties.ts'

const SENT_AT = 1_767_225_661_000
const everyone = lookupOf(alice, bob, carol, mallory)

async function aliceToBob (text = 'meet at noon'): Promise<Uint8Array> {
  const sealed = await sealMessage({ sender: alice.wallet, senderKeys: alice.keys, recipientBundle: bob.bundle, content: { text }, sentAt: SENT_AT })
  return sealed.bytes
}

function as (party: Party, lookupBundle = everyone): OpenMessageOptions {
  return { me: party.wallet.address, myKeys: party.keys, lookupBundle }
}

/** Rebuilds an envelope from (possibly altered) header bytes and ciphertext, signed by `signer`. */
function resign (headerBytes: Uint8Array, ciphertext: Uint8Array, signer: Party): Uint8Array {
  const signature = signer.wallet.sign(NS_ENVELOPE, envelopeSigningMessage(headerBytes, ciphertext))
  return encodeSignedEnvelope({ headerBytes, ciphertext, signature })
}

/** The header of `bytes` as a protobuf object, to change one field and re-encode. */
function headerMessage (bytes: Uint8Array): EnvelopeHeaderMessage {
  return EnvelopeHeaderMessage.decode(parseEnvelope(bytes).headerBytes)
}

describe('message envelopes', () => {
  describe('round trip', () => {
    it('Bob reads what Alice sent, and Alice reads her own history copy of the same bytes', async () => {
      const sealed = await sealMessage({ sender: alice.wallet, senderKeys: alice.keys, recipientBundle: bob.bundle, content: { text: 'hi Bob 👋' }, sentAt: SENT_AT })
      const received = await openMessage(sealed.bytes, as(bob))
      expect(received).toMatchObject({ direction: 'incoming', peer: alice.wallet.address, content: { kind: MessageKind.TEXT, text: 'hi Bob 👋' } })
      expect(received.header).toEqual(sealed.header)
      expect(received.content).not.toHaveProperty('replyTo')
      const ownCopy = await openMessage(sealed.bytes, as(alice))
      expect(ownCopy).toMatchObject({ direction: 'outgoing', peer: bob.wallet.address, content: { text: 'hi Bob 👋' } })
    })

    it('gives every message a fresh random id and nonce, so equal texts give unrelated ciphertexts', async () => {
      const first = parseEnvelope(await aliceToBob('same'))
      const second = parseEnvelope(await aliceToBob('same'))
      expect(first.header.messageId).toMatch(/^[0-9a-f]{32}$/)
      expect(first.header.messageId).not.toBe(second.header.messageId)
      expect(first.header.nonce).not.toEqual(second.header.nonce)
      expect(first.ciphertext).not.toEqual(second.ciphertext)
    })

    it('carries a reply reference, binary data, an explicit id and kinds this build does not know', async () => {
      const sealed = await sealMessage({
        sender: bob.wallet,
        senderKeys: bob.keys,
        recipientBundle: alice.bundle,
        content: { kind: 42, text: '', replyTo: 'ab'.repeat(16), data: Uint8Array.of(1, 2, 3) },
        sentAt: SENT_AT,
        messageId: 'cd'.repeat(16)
      })
      const opened = await openMessage(sealed.bytes, as(alice))
      expect(opened.header.messageId).toBe('cd'.repeat(16))
      expect(opened.content).toEqual({ kind: 42, text: '', replyTo: 'ab'.repeat(16), data: Uint8Array.of(1, 2, 3) })
    })

    it('supports notes to self, sealed to the own bundle', async () => {
      const sealed = await sealMessage({ sender: alice.wallet, senderKeys: alice.keys, recipientBundle: alice.bundle, content: { text: 'todo' }, sentAt: SENT_AT })
      const opened = await openMessage(sealed.bytes, as(alice, lookupOf()))
      expect(opened).toMatchObject({ direction: 'outgoing', peer: alice.wallet.address, content: { text: 'todo' } })
    })

    it('lets a carrier check structure and sender without any key', async () => {
      const header = inspectEnvelope(await aliceToBob())
      expect(header).toMatchObject({ sender: alice.wallet.address, recipient: bob.wallet.address, alg: ENVELOPE_ALG, sentAt: SENT_AT })
    })
  })

  describe('confidentiality', () => {
    it('Carol cannot open Alice-to-Bob messages as herself', async () => {
      await expect(openMessage(await aliceToBob(), as(carol))).rejects.toThrow(NotRecipientError)
    })

    it('Carol cannot open them by claiming to be Bob: the envelope is sealed to Bob\'s key', async () => {
      const options = { ...as(carol), me: bob.wallet.address }
      await expect(openMessage(await aliceToBob(), options)).rejects.toThrow(NotRecipientError)
    })

    it('Carol\'s key yields the wrong AES key even if every check is skipped', async () => {
      const { header, headerBytes, ciphertext } = parseEnvelope(await aliceToBob())
      const carolsGuess = messageKey(carol.keys.agree(header.senderKey), header)
      await expect(aesGcmDecrypt(carolsGuess, header.nonce, ciphertext, headerBytes)).rejects.toThrow(AeadAuthenticationError)
      const bobsKey = messageKey(bob.keys.agree(header.senderKey), header)
      await expect(aesGcmDecrypt(bobsKey, header.nonce, ciphertext, headerBytes)).resolves.toBeInstanceOf(Uint8Array)
    })
  })

  describe('integrity (the signature is checked before decrypting)', () => {
    it('rejects a flipped ciphertext bit as a signature failure, without decrypting', async () => {
      const bytes = await aliceToBob()
      const { headerBytes, ciphertext, signature } = parseEnvelope(bytes)
      for (const index of [0, ciphertext.length - 1]) {
        const flipped = Uint8Array.from(ciphertext)
        flipped[index] ^= 0x01
        const tampered = encodeSignedEnvelope({ headerBytes, ciphertext: flipped, signature })
        await expect(openMessage(tampered, as(bob))).rejects.toThrow(EnvelopeSignatureError)
        expect(() => inspectEnvelope(tampered)).toThrow(EnvelopeSignatureError)
      }
    })

    it('rejects a flipped ciphertext bit with EnvelopeDecryptError when the sender signed the altered bytes', async () => {
      // E.g. a buggy or malicious sender client: the signature is valid, AES-GCM is what refuses it.
      const { headerBytes, ciphertext } = parseEnvelope(await aliceToBob())
      const flipped = Uint8Array.from(ciphertext)
      flipped[3] ^= 0x80
      await expect(openMessage(resign(headerBytes, flipped, alice), as(bob))).rejects.toThrow(EnvelopeDecryptError)
    })

    it('rejects a changed header field (sentAt) as a signature failure, and as a decrypt failure once re-signed', async () => {
      const bytes = await aliceToBob()
      const { ciphertext, signature } = parseEnvelope(bytes)
      const header = { ...headerMessage(bytes), sentAt: SENT_AT + 1 }
      const headerBytes = EnvelopeHeaderMessage.encode(header)
      await expect(openMessage(encodeSignedEnvelope({ headerBytes, ciphertext, signature }), as(bob))).rejects.toThrow(EnvelopeSignatureError)
      // Re-signed by Alice herself, the header still fails as associated data.
      await expect(openMessage(resign(headerBytes, ciphertext, alice), as(bob))).rejects.toThrow(EnvelopeDecryptError)
    })

    it('rejects a signature by anyone but the named sender', async () => {
      const { headerBytes, ciphertext } = parseEnvelope(await aliceToBob())
      const byMallory = resign(headerBytes, ciphertext, mallory)
      await expect(openMessage(byMallory, as(bob))).rejects.toThrow(EnvelopeSignatureError)
      await expect(openMessage(byMallory, as(bob))).rejects.toThrow(/names 0x2c7536e3.* but was signed by/)
      await expect(openMessage(byMallory, as(bob))).rejects.toThrow(InvalidSignatureError)
    })

    it.each([
      ['empty', new Uint8Array(0)],
      ['64 bytes', new Uint8Array(64).fill(7)],
      ['65 junk bytes', new Uint8Array(65).fill(7)]
    ])('rejects a signature that is %s', async (_, signature) => {
      const { headerBytes, ciphertext } = parseEnvelope(await aliceToBob())
      await expect(openMessage(encodeSignedEnvelope({ headerBytes, ciphertext, signature }), as(bob))).rejects.toThrow(EnvelopeSignatureError)
    })

    it('rejects Mallory re-signing Alice\'s message as his own (he publishes a bundle with her key)', async () => {
      const bytes = await aliceToBob()
      const { ciphertext } = parseEnvelope(bytes)
      const headerBytes = EnvelopeHeaderMessage.encode({ ...headerMessage(bytes), sender: addressToBytes(mallory.wallet.address) })
      const stolen = resign(headerBytes, ciphertext, mallory)
      // Mallory's real bundle names his own key: the header's key is not his.
      await expect(openMessage(stolen, as(bob))).rejects.toThrow(PeerKeyMismatchError)
      // Even with a bundle that copies Alice's public key, the sender address is bound into the key and AAD.
      const copycat = createKeyBundle(mallory.wallet, { x25519PublicKey: alice.keys.publicKey, createdAt: CREATED_AT })
      const lookupBundle = async (): Promise<typeof copycat> => copycat
      await expect(openMessage(stolen, as(bob, lookupBundle))).rejects.toThrow(EnvelopeDecryptError)
    })
  })

  describe('peer keys', () => {
    it('refuses to open a message whose sender has no known bundle', async () => {
      await expect(openMessage(await aliceToBob(), as(bob, lookupOf(bob)))).rejects.toThrow(UnknownPeerKeyError)
    })

    it('refuses a message sealed with a key the sender did not publish', async () => {
      const newAliceBundle = createKeyBundle(alice.wallet, { x25519PublicKey: carol.keys.publicKey, createdAt: CREATED_AT + 1 })
      await expect(openMessage(await aliceToBob(), as(bob, async () => newAliceBundle))).rejects.toThrow(PeerKeyMismatchError)
    })

    it('refuses a lookup that answers with another address\'s bundle', async () => {
      await expect(openMessage(await aliceToBob(), as(bob, async () => carol.bundle))).rejects.toThrow(KeyBundleOwnerMismatchError)
    })
  })

  describe('versions and malformed input', () => {
    it('rejects an unknown version before anything else', async () => {
      const bytes = await aliceToBob()
      const { ciphertext } = parseEnvelope(bytes)
      const headerBytes = EnvelopeHeaderMessage.encode({ ...headerMessage(bytes), version: 2, sender: new Uint8Array(1) })
      const future = resign(headerBytes, ciphertext, alice)
      await expect(openMessage(future, as(bob))).rejects.toThrow(UnsupportedEnvelopeError)
      await expect(openMessage(future, as(bob))).rejects.toThrow(UnsupportedVersionError)
    })

    it('rejects an unknown algorithm', async () => {
      const bytes = await aliceToBob()
      const headerBytes = EnvelopeHeaderMessage.encode({ ...headerMessage(bytes), alg: 'x25519-hkdf-sha256-chacha20-poly1305' })
      await expect(openMessage(resign(headerBytes, parseEnvelope(bytes).ciphertext, alice), as(bob))).rejects.toThrow(UnsupportedEnvelopeError)
    })

    it.each([
      ['a short message id', { messageId: new Uint8Array(15) }],
      ['a short nonce', { nonce: new Uint8Array(11) }],
      ['a short sender key', { senderKey: new Uint8Array(31) }],
      ['a long recipient address', { recipient: new Uint8Array(21) }]
    ])('rejects a signed header with %s as malformed', async (_, overrides) => {
      const bytes = await aliceToBob()
      const headerBytes = EnvelopeHeaderMessage.encode({ ...headerMessage(bytes), ...overrides })
      await expect(openMessage(resign(headerBytes, parseEnvelope(bytes).ciphertext, alice), as(bob))).rejects.toThrow(MalformedMessageError)
    })

    it('rejects a header with an unknown field appended (not canonical)', async () => {
      const bytes = await aliceToBob()
      const { headerBytes, ciphertext } = parseEnvelope(bytes)
      const extended = new Uint8Array([...headerBytes, 0x50, 0x01])
      await expect(openMessage(resign(extended, ciphertext, alice), as(bob))).rejects.toThrow(/canonical/)
    })

    it('rejects oversize envelopes before decoding, and oversize messages before sealing', async () => {
      await expect(openMessage(new Uint8Array(MAX_ENVELOPE_BYTES + 1), as(bob))).rejects.toThrow(OversizeMessageError)
      const tooLong = 'x'.repeat(MAX_PAYLOAD_BYTES)
      await expect(sealMessage({ sender: alice.wallet, senderKeys: alice.keys, recipientBundle: bob.bundle, content: { text: tooLong }, sentAt: SENT_AT })).rejects.toThrow(OversizeMessageError)
    })

    it('seals and opens the largest message that fits', async () => {
      const text = 'x'.repeat(MAX_PAYLOAD_BYTES - 4)
      const sealed = await sealMessage({ sender: alice.wallet, senderKeys: alice.keys, recipientBundle: bob.bundle, content: { text }, sentAt: SENT_AT })
      expect(sealed.bytes.length).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES)
      expect((await openMessage(sealed.bytes, as(bob))).content.text).toBe(text)
    })

    it('refuses bad input when sealing', async () => {
      const base = { sender: alice.wallet, senderKeys: alice.keys, recipientBundle: bob.bundle, content: { text: 'x' }, sentAt: SENT_AT }
      await expect(sealMessage({ ...base, messageId: 'not hex' })).rejects.toThrow(MalformedMessageError)
      await expect(sealMessage({ ...base, sentAt: -1 })).rejects.toThrow(MalformedMessageError)
      await expect(sealMessage({ ...base, content: { text: 'x', replyTo: 'abc' } })).rejects.toThrow(MalformedMessageError)
      await expect(sealMessage({ ...base, content: { kind: -1 } })).rejects.toThrow(MalformedMessageError)
      await expect(sealMessage({ ...base, random: () => new Uint8Array(3) })).rejects.toThrow(RangeError)
    })

    it('answers every truncation and seeded garbage with a typed error, never a crash', async () => {
      const bytes = await aliceToBob()
      for (let length = 0; length < bytes.length; length++) {
        await expect(openMessage(bytes.subarray(0, length), as(bob))).rejects.toThrow(ZenTalkError)
      }
      const random = mulberry32(7)
      for (let round = 0; round < 300; round++) {
        await expect(openMessage(randomBytes(random, 1 + (round % 400)), as(bob))).rejects.toThrow(ZenTalkError)
      }
    })

    it('answers every single-byte corruption with a typed error', async () => {
      const bytes = await aliceToBob('short')
      for (let index = 0; index < bytes.length; index++) {
        const corrupt = Uint8Array.from(bytes)
        corrupt[index] ^= 0x04
        await expect(openMessage(corrupt, as(bob))).rejects.toThrow(ZenTalkError)
      }
    })
  })
})
