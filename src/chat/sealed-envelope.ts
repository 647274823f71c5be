/**
 * Envelopes sealed once more for their recipient alone: what a contact inbox holds (derived-identities.ts). An
 * envelope's header names both parties in the clear (it is signed and bound into the message key), so anyone who
 * gathers 10 shards of an inbox object reads who wrote to whom. In a contact inbox that would undo the
 * pseudonyms, so the sender seals the envelope to the recipient's chat key with a key pair made for it alone
 * (format in pb/envelope.proto, `SealedEnvelope`):
 *
 *   shared     = X25519(ephemeral private key, recipient chat public key)
 *   key        = HKDF-SHA256(ikm = shared, salt = ephemeral public ‖ recipient public, info = 'zentalk/sealed-envelope/v1', 32)
 *   ciphertext = AES-256-GCM(key, nonce (random, 12 bytes), envelope, associated data = u32be(version) ‖ ephemeral public) ‖ tag
 *
 * Only the recipient opens it, with its chat key; the envelope inside is verified like any copy (its sender's
 * signature, and that this identity is its recipient), so the outer layer needs no signature of its own.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { AES_256_GCM_KEY_BYTES, AES_GCM_NONCE_BYTES, AeadAuthenticationError, aesGcmDecrypt, aesGcmEncrypt, drawRandom, systemRandom, type RandomSource } from '../crypto/index.ts'
import { SealedEnvelope, readLeadingVersion } from '../wire/index.ts'
import { ChatKeyPair, X25519_KEY_BYTES, checkChatPublicKey } from './chat-keys.ts'
import { MAX_ENVELOPE_BYTES } from './envelope-format.ts'
import { EnvelopeDecryptError, UnsupportedEnvelopeError } from './errors.ts'
import { SEALED_ENVELOPE_KEY_INFO } from './namespaces.ts'
import { checkVersion, checkedCopy, decodeCanonical, expectLength } from './signed-record.ts'

export const SEALED_ENVELOPE_VERSION = 1
/** Framing around the envelope: version, key, nonce, lengths and the GCM tag (about 70 bytes). */
const SEALED_FRAMING_BYTES = 128
export const MAX_SEALED_ENVELOPE_BYTES = MAX_ENVELOPE_BYTES + SEALED_FRAMING_BYTES
/** The first byte of a sealed envelope: field 1 (version) as a varint. An envelope starts with 0x0a. */
const SEALED_FIRST_BYTE = 0x08

const utf8 = new TextEncoder()

/** True when `bytes` is laid out as a sealed envelope rather than an envelope. Says nothing about whether it opens. */
export function isSealedEnvelope (bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === SEALED_FIRST_BYTE
}

/**
 * Seals an encoded envelope for the holder of the chat key `recipientPublicKey`.
 * @throws {InvalidChatKeyError} for an unusable recipient key; {RangeError} for an envelope over the limit
 */
export async function sealForRecipient (envelope: Uint8Array, recipientPublicKey: Uint8Array, random: RandomSource = systemRandom): Promise<Uint8Array> {
  if (envelope.length > MAX_ENVELOPE_BYTES) throw new RangeError(`an envelope is at most ${MAX_ENVELOPE_BYTES} bytes, got ${envelope.length}`)
  checkChatPublicKey(recipientPublicKey)
  const ephemeral = ChatKeyPair.fromPrivateKey(drawRandom(random, X25519_KEY_BYTES))
  const key = sealingKey(ephemeral.agree(recipientPublicKey), ephemeral.publicKey, recipientPublicKey)
  const nonce = drawRandom(random, AES_GCM_NONCE_BYTES)
  const ciphertext = await aesGcmEncrypt(key, nonce, envelope, associatedData(SEALED_ENVELOPE_VERSION, ephemeral.publicKey))
  key.fill(0)
  return SealedEnvelope.encode({ version: SEALED_ENVELOPE_VERSION, ephemeralKey: Uint8Array.from(ephemeral.publicKey), nonce, ciphertext })
}

/**
 * Opens a sealed envelope with this identity's chat keys; returns the envelope inside (unverified).
 * @throws {OversizeMessageError} | {MalformedMessageError} | {UnsupportedEnvelopeError} | {EnvelopeDecryptError}
 *   (sealed for someone else, or altered)
 */
export async function openSealed (bytes: Uint8Array, keys: ChatKeyPair): Promise<Uint8Array> {
  const what = 'sealed envelope'
  const own = checkedCopy(what, bytes, MAX_SEALED_ENVELOPE_BYTES)
  checkVersion(what, readLeadingVersion(what, own), SEALED_ENVELOPE_VERSION, UnsupportedEnvelopeError)
  const sealed = decodeCanonical(what, SealedEnvelope, own)
  expectLength(what, 'ephemeralKey', sealed.ephemeralKey, X25519_KEY_BYTES)
  expectLength(what, 'nonce', sealed.nonce, AES_GCM_NONCE_BYTES)
  let shared: Uint8Array
  try {
    shared = keys.agree(sealed.ephemeralKey)
  } catch (cause) {
    throw new EnvelopeDecryptError('sealed envelope names an unusable ephemeral key', { cause })
  }
  const key = sealingKey(shared, sealed.ephemeralKey, keys.publicKey)
  try {
    return await aesGcmDecrypt(key, sealed.nonce, sealed.ciphertext, associatedData(sealed.version, sealed.ephemeralKey))
  } catch (error) {
    if (!(error instanceof AeadAuthenticationError)) throw error
    throw new EnvelopeDecryptError('sealed envelope does not open with this identity\'s chat key: sealed for someone else, or altered', { cause: error })
  } finally {
    key.fill(0)
  }
}

function sealingKey (shared: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  try {
    return hkdf(sha256, shared, concatBytes(ephemeralPublicKey, recipientPublicKey), utf8.encode(SEALED_ENVELOPE_KEY_INFO), AES_256_GCM_KEY_BYTES)
  } finally {
    shared.fill(0)
  }
}

function associatedData (version: number, ephemeralPublicKey: Uint8Array): Uint8Array {
  const versionBytes = new Uint8Array(4)
  new DataView(versionBytes.buffer).setUint32(0, version)
  return concatBytes(versionBytes, ephemeralPublicKey)
}
