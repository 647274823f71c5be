import { describe, expect, it } from 'vitest'
import { ZenTalkError } from '../errors/index.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import { InvalidSignatureError, addressToBytes } from '../identity/index.ts'
import { KeyBundleBody, MalformedMessageError, OversizeMessageError, SignedKeyBundle, UnsupportedVersionError } from '../wire/index.ts'
import { MAX_DISPLAY_NAME_BYTES } from './display-name.ts'
import {
  InvalidChatKeyError,
  InvalidDisplayNameError,
  KeyBundleOwnerMismatchError,
  KeyBundleSignatureError
} from './errors.ts'
import {
  MAX_SIGNED_KEY_BUNDLE_BYTES,
  createKeyBundle,
  decodeKeyBundle,
  encodeKeyBundle,
  verifyKeyBundle
} from './key-bundle.ts'
import { NS_KEY_BUNDLE } from './namespaces.ts'
import { CREATED_AT, alice, mallory } from '../testing/chat-parties.ts'

function body (overrides: Partial<KeyBundleBody> = {}): KeyBundleBody {
  return {
    version: 1,
    owner: addressToBytes(alice.wallet.address),
    x25519PublicKey: Uint8Array.from(alice.keys.publicKey),
    createdAt: CREATED_AT,
    displayName: 'Alice',
    ...overrides
  }
}

/** Signs arbitrary body bytes as `signer`, so each test breaks exactly one rule. */
function signBody (bodyBytes: Uint8Array, signer = alice.wallet): Uint8Array {
  return SignedKeyBundle.encode({ body: Uint8Array.from(bodyBytes), signature: Uint8Array.from(signer.sign(NS_KEY_BUNDLE, bodyBytes)) })
}

describe('key bundles', () => {
  it('round-trips through encode and verify', () => {
    const bytes = encodeKeyBundle(alice.bundle)
    const verified = verifyKeyBundle(bytes, alice.wallet.address)
    expect(verified).toMatchObject({ version: 1, owner: alice.wallet.address, createdAt: CREATED_AT, displayName: 'Alice' })
    expect(verified.x25519PublicKey).toEqual(alice.keys.publicKey)
    expect(encodeKeyBundle(verified)).toEqual(bytes)
  })

  it('leaves the display name out when none is set', () => {
    const bundle = createKeyBundle(alice.wallet, { x25519PublicKey: alice.keys.publicKey, createdAt: CREATED_AT })
    expect(bundle).not.toHaveProperty('displayName')
    expect(decodeKeyBundle(encodeKeyBundle(bundle))).not.toHaveProperty('displayName')
  })

  it('accepts the expected address in checksummed form', () => {
    expect(verifyKeyBundle(encodeKeyBundle(alice.bundle), '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23').owner).toBe(alice.wallet.address)
  })

  it('rejects a bundle naming Alice but signed by another key (Mallory substitutes his X25519 key)', () => {
    const forged = signBody(KeyBundleBody.encode(body({ x25519PublicKey: Uint8Array.from(mallory.keys.publicKey) })), mallory.wallet)
    expect(() => verifyKeyBundle(forged, alice.wallet.address)).toThrow(KeyBundleSignatureError)
    expect(() => verifyKeyBundle(forged, alice.wallet.address)).toThrow(/names 0x2c7536e3.* but was signed by/)
    expect(() => decodeKeyBundle(forged)).toThrow(KeyBundleSignatureError)
    // The specific class is also the general one, for callers that only care "bad signature".
    expect(() => decodeKeyBundle(forged)).toThrow(InvalidSignatureError)
  })

  it('rejects a valid bundle of another address than the one it was fetched for', () => {
    const mallorys = encodeKeyBundle(mallory.bundle)
    expect(() => decodeKeyBundle(mallorys)).not.toThrow()
    expect(() => verifyKeyBundle(mallorys, alice.wallet.address)).toThrow(KeyBundleOwnerMismatchError)
  })

  it('rejects any change after signing: key, time, name', () => {
    const signature = alice.wallet.sign(NS_KEY_BUNDLE, KeyBundleBody.encode(body()))
    const changedKey = Uint8Array.from(alice.keys.publicKey)
    changedKey[0] ^= 1
    for (const changed of [body({ x25519PublicKey: changedKey }), body({ createdAt: CREATED_AT + 1 }), body({ displayName: 'Alicf' })]) {
      const tampered = SignedKeyBundle.encode({ body: KeyBundleBody.encode(changed), signature: Uint8Array.from(signature) })
      expect(() => verifyKeyBundle(tampered, alice.wallet.address)).toThrow(KeyBundleSignatureError)
    }
  })

  it('rejects a malformed signature as a signature failure', () => {
    const bodyBytes = KeyBundleBody.encode(body())
    for (const signature of [new Uint8Array(0), new Uint8Array(64).fill(1), new Uint8Array(65).fill(1)]) {
      const bytes = SignedKeyBundle.encode({ body: bodyBytes, signature })
      expect(() => verifyKeyBundle(bytes, alice.wallet.address)).toThrow(KeyBundleSignatureError)
    }
  })

  it('rejects an unknown version before other checks', () => {
    const bytes = signBody(KeyBundleBody.encode(body({ version: 2, owner: new Uint8Array(3) })))
    expect(() => decodeKeyBundle(bytes)).toThrow(UnsupportedVersionError)
    expect(() => decodeKeyBundle(bytes)).toThrow(/version 2/)
  })

  it.each([
    ['a short owner', { owner: new Uint8Array(19) }],
    ['a short key', { x25519PublicKey: new Uint8Array(31) }],
    ['a low-order key', { x25519PublicKey: new Uint8Array(32) }],
    ['a display name with a right-to-left override', { displayName: 'Alice\u202e' }],
    ['a display name with a newline', { displayName: 'Ali\nce' }],
    ['a display name over 64 bytes', { displayName: 'a'.repeat(MAX_DISPLAY_NAME_BYTES + 1) }]
  ])('rejects a signed body with %s as malformed', (_, overrides) => {
    expect(() => decodeKeyBundle(signBody(KeyBundleBody.encode(body(overrides))))).toThrow(MalformedMessageError)
  })

  it('rejects non-canonical encodings (an unknown field appended to the signed body)', () => {
    const extended = new Uint8Array([...KeyBundleBody.encode(body()), 0x30, 0x01])
    expect(() => decodeKeyBundle(signBody(extended))).toThrow(/canonical/)
  })

  it('rejects oversize input before decoding it', () => {
    expect(() => decodeKeyBundle(new Uint8Array(MAX_SIGNED_KEY_BUNDLE_BYTES + 1))).toThrow(OversizeMessageError)
  })

  it('keeps the largest valid bundle under the size limit', () => {
    const bundle = createKeyBundle(alice.wallet, { x25519PublicKey: alice.keys.publicKey, createdAt: Number.MAX_SAFE_INTEGER, displayName: 'é'.repeat(MAX_DISPLAY_NAME_BYTES / 2) })
    expect(encodeKeyBundle(bundle).length).toBeLessThanOrEqual(MAX_SIGNED_KEY_BUNDLE_BYTES)
  })

  it('answers every truncation of a valid bundle and seeded garbage with a typed error, never a crash', () => {
    const bytes = encodeKeyBundle(alice.bundle)
    for (let length = 0; length < bytes.length; length++) {
      expect(() => verifyKeyBundle(bytes.subarray(0, length), alice.wallet.address)).toThrow(ZenTalkError)
    }
    const random = mulberry32(4)
    for (let round = 0; round < 200; round++) {
      expect(() => decodeKeyBundle(randomBytes(random, 1 + (round % 300)))).toThrow(ZenTalkError)
    }
    expect(() => decodeKeyBundle('not bytes' as unknown as Uint8Array)).toThrow(MalformedMessageError)
  })

  describe('creating', () => {
    it('refuses unusable keys and names instead of publishing them', () => {
      expect(() => createKeyBundle(alice.wallet, { x25519PublicKey: new Uint8Array(32), createdAt: 1 })).toThrow(InvalidChatKeyError)
      expect(() => createKeyBundle(alice.wallet, { x25519PublicKey: alice.keys.publicKey, createdAt: 1, displayName: ' Alice' })).toThrow(InvalidDisplayNameError)
      expect(() => createKeyBundle(alice.wallet, { x25519PublicKey: alice.keys.publicKey, createdAt: 1, displayName: 'Cafe\u0301' })).toThrow(/NFC/)
      expect(() => createKeyBundle(alice.wallet, { x25519PublicKey: alice.keys.publicKey, createdAt: -1 })).toThrow(MalformedMessageError)
    })

    it('accepts ordinary names, including emoji sequences with joiners', () => {
      for (const displayName of ['Alice', 'Zoë Müller', '李小龙', '👩‍💻 dev']) {
        expect(createKeyBundle(alice.wallet, { x25519PublicKey: alice.keys.publicKey, createdAt: 1, displayName }).displayName).toBe(displayName)
      }
    })

    it('catches a signer whose signatures do not match its address', () => {
      const liar = { address: alice.wallet.address, sign: mallory.wallet.sign.bind(mallory.wallet) }
      expect(() => createKeyBundle(liar, { x25519PublicKey: alice.keys.publicKey, createdAt: 1 })).toThrow(KeyBundleSignatureError)
    })
  })

  it('is not affected by the caller reusing the input buffer afterwards', () => {
    const bytes = encodeKeyBundle(alice.bundle)
    const bundle = decodeKeyBundle(bytes)
    bytes.fill(0)
    expect(bundle.x25519PublicKey).toEqual(alice.keys.publicKey)
  })
})
