/**
 * Sealing and opening chat messages (envelope v1, algorithm 'x25519-hkdf-sha256-aes-256-gcm').
 *
 * Key: the X25519 agreement between the sender's and the recipient's chat keys is static-static, so both ends
 * compute the same secret: the recipient opens the message, and the sender opens its own history copy of the
 * very same bytes. A per-message AES-256-GCM key comes from
 *
 *   HKDF-SHA256(ikm = X25519 secret, salt = message id (16 bytes),
 *               info = hashWithNamespace('zentalk/envelope-key/v1', u32be(version), alg, sender (20),
 *                                        recipient (20), senderKey (32), recipientKey (32)), 32 bytes)
 *
 * and a random 12-byte nonce. Associated data = the encoded header, which carries version, algorithm, both
 * addresses, both X25519 keys, the message id, sentAt and the nonce. The sender then signs
 * u32be(len(header)) ‖ header ‖ ciphertext with the wallet key in namespace 'zentalk/envelope/v1'.
 *
 * Opening verifies the signature BEFORE decrypting: an envelope not signed by its sender costs no key agreement
 * and no decryption, and is reported as a signature failure (a flipped ciphertext bit included). AES-GCM is
 * the second line: it rejects a ciphertext the sender signed but which does not match the header's keys.
 *
 * Not hidden: who talks to whom, when, and the approximate message length (the header is cleartext).
 * Not provided: forward secrecy (a leaked chat key opens past messages) — the price of static keys that let
 * history be re-read from a wallet backup alone.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesEqual, hashWithNamespace, toHex } from '../crypto/index.ts'
import { addressToBytes, parseAddress, type Signer, type WalletAddress } from '../identity/index.ts'
import { AES_256_GCM_KEY_BYTES, AES_GCM_NONCE_BYTES, AeadAuthenticationError, aesGcmDecrypt, aesGcmEncrypt } from '../crypto/index.ts'
import type { ChatKeyPair } from './chat-keys.ts'
import {
  ENVELOPE_ALG,
  ENVELOPE_VERSION,
  encodeEnvelopeHeader,
  encodeSignedEnvelope,
  envelopeSigningMessage,
  parseEnvelope,
  type EnvelopeHeader,
  type ParsedEnvelope
} from './envelope-format.ts'
import {
  EnvelopeDecryptError,
  EnvelopeSignatureError,
  KeyBundleOwnerMismatchError,
  NotRecipientError,
  PeerKeyMismatchError,
  UnknownPeerKeyError
} from './errors.ts'
import type { KeyBundle } from './key-bundle.ts'
import { MESSAGE_ID_BYTES, messageIdToBytes } from './message-id.ts'
import { NS_ENVELOPE, NS_ENVELOPE_KEY } from './namespaces.ts'
import { decodePayload, encodePayload, type MessageContent, type OpenedContent } from './payload.ts'
import { drawRandom, systemRandom, type RandomSource } from '../crypto/index.ts'
import { assertRecordSignature, expectSafeInteger } from './signed-record.ts'

export interface SealMessageInput {
  /** Signs as the sender; its address becomes the envelope's sender. */
  readonly sender: Signer
  /** The sender's chat keys (the ones its published bundle names). */
  readonly senderKeys: ChatKeyPair
  /** The recipient's verified key bundle (`verifyKeyBundle`). May be the sender's own, for notes to self. */
  readonly recipientBundle: KeyBundle
  readonly content: MessageContent
  /** Milliseconds since the Unix epoch. */
  readonly sentAt: number
  /** 32 hex digits; by default 16 bytes from `random`. */
  readonly messageId?: string
  /** Source of the message id (if not given) and then of the nonce; the platform CSPRNG by default. Tests only. */
  readonly random?: RandomSource
}

export interface SealedMessage {
  /** The envelope to store and deliver; the same bytes serve as the sender's history copy. */
  readonly bytes: Uint8Array
  readonly header: EnvelopeHeader
}

/** Resolves an address to its verified key bundle, e.g. from a cache filled by `verifyKeyBundle`. */
export type KeyBundleLookup = (address: WalletAddress) => KeyBundle | undefined | Promise<KeyBundle | undefined>

export interface OpenMessageOptions {
  /** The identity opening the message: it must be the envelope's sender or recipient. */
  readonly me: WalletAddress | string
  /** My chat keys; the envelope must have been sealed to (or by) their public key. */
  readonly myKeys: ChatKeyPair
  /** Used to check that the other party's X25519 key in the header is the one that party published. */
  readonly lookupBundle: KeyBundleLookup
}

export interface OpenedMessage {
  readonly header: EnvelopeHeader
  readonly content: OpenedContent
  /** 'outgoing' for my own history copy (I am the sender), 'incoming' otherwise. */
  readonly direction: 'incoming' | 'outgoing'
  /** The other party; myself for a note to self. */
  readonly peer: WalletAddress
}

/**
 * Encrypts `content` from `sender` to the owner of `recipientBundle` and signs the result.
 * @throws {MalformedMessageError} | {OversizeMessageError} for unusable content, message id or time
 */
export async function sealMessage (input: SealMessageInput): Promise<SealedMessage> {
  const random = input.random ?? systemRandom
  const payload = encodePayload(input.content)
  const messageId = input.messageId ?? toHex(drawRandom(random, MESSAGE_ID_BYTES))
  messageIdToBytes(messageId)
  const header: EnvelopeHeader = {
    version: ENVELOPE_VERSION,
    alg: ENVELOPE_ALG,
    sender: input.sender.address,
    recipient: input.recipientBundle.owner,
    senderKey: Uint8Array.from(input.senderKeys.publicKey),
    recipientKey: Uint8Array.from(input.recipientBundle.x25519PublicKey),
    messageId,
    sentAt: expectSafeInteger('message', 'sentAt', input.sentAt),
    nonce: drawRandom(random, AES_GCM_NONCE_BYTES)
  }
  const headerBytes = encodeEnvelopeHeader(header)
  const key = messageKey(input.senderKeys.agree(header.recipientKey), header)
  const ciphertext = await aesGcmEncrypt(key, header.nonce, payload, headerBytes)
  key.fill(0)
  const signature = input.sender.sign(NS_ENVELOPE, envelopeSigningMessage(headerBytes, ciphertext))
  const bytes = encodeSignedEnvelope({ headerBytes, ciphertext, signature })
  // Read back as a recipient would, so a signer whose key does not match its address fails here, not remotely.
  const parsed = parseEnvelope(bytes)
  assertSignedBySender(parsed)
  return { bytes, header: parsed.header }
}

/**
 * Verifies and decrypts an envelope addressed to or sent by `options.me`. Checks, in order:
 * size and structure (`OversizeMessageError`, `MalformedMessageError`), version and algorithm
 * (`UnsupportedEnvelopeError`), that I am sender or recipient with the key used (`NotRecipientError`), the
 * sender's signature (`EnvelopeSignatureError`), the other party's published key (`UnknownPeerKeyError`,
 * `PeerKeyMismatchError`), decryption (`EnvelopeDecryptError`), the payload (`MalformedMessageError`).
 * Nothing is returned unless every check passed.
 */
export async function openMessage (bytes: Uint8Array, options: OpenMessageOptions): Promise<OpenedMessage> {
  const me = parseAddress(options.me)
  const parsed = parseEnvelope(bytes)
  const { header } = parsed
  const outgoing = header.sender === me
  if (!outgoing && header.recipient !== me) {
    throw new NotRecipientError(`message ${header.messageId} is from ${header.sender} to ${header.recipient}; ${me} is neither`)
  }
  const myKey = outgoing ? header.senderKey : header.recipientKey
  if (!bytesEqual(myKey, options.myKeys.publicKey)) {
    throw new NotRecipientError(`message ${header.messageId} was sealed with X25519 key ${toHex(myKey)}, not with this identity's key ${toHex(options.myKeys.publicKey)}`)
  }
  assertSignedBySender(parsed)
  const peer = outgoing ? header.recipient : header.sender
  const peerKey = outgoing ? header.recipientKey : header.senderKey
  if (peer === me) {
    // A note to self: both keys must be mine.
    if (!bytesEqual(peerKey, options.myKeys.publicKey)) {
      throw new PeerKeyMismatchError(`note to self ${header.messageId} names an X25519 key that is not this identity's`)
    }
  } else {
    await checkPeerKey(peer, peerKey, options.lookupBundle)
  }
  const key = messageKey(options.myKeys.agree(peerKey), header)
  let plaintext: Uint8Array
  try {
    plaintext = await aesGcmDecrypt(key, header.nonce, parsed.ciphertext, parsed.headerBytes)
  } catch (cause) {
    if (cause instanceof AeadAuthenticationError) {
      throw new EnvelopeDecryptError(`message ${header.messageId} from ${header.sender} does not decrypt: the ciphertext was altered or sealed with other keys`, { cause })
    }
    throw cause
  } finally {
    key.fill(0)
  }
  return { header, content: decodePayload(plaintext), direction: outgoing ? 'outgoing' : 'incoming', peer }
}

/**
 * Structure and sender signature only, without keys or decryption: what a storage node or the delivery
 * protocol can check of an envelope it carries (it is well formed and really from its sender).
 * @throws as `openMessage` up to and including `EnvelopeSignatureError`
 */
export function inspectEnvelope (bytes: Uint8Array): EnvelopeHeader {
  const parsed = parseEnvelope(bytes)
  assertSignedBySender(parsed)
  return parsed.header
}

/** The per-message AES-256-GCM key (see the module comment for the layout). */
export function messageKey (sharedSecret: Uint8Array, header: EnvelopeHeader): Uint8Array {
  const version = new Uint8Array(4)
  new DataView(version.buffer).setUint32(0, header.version, false)
  const info = hashWithNamespace(
    NS_ENVELOPE_KEY,
    version,
    new TextEncoder().encode(header.alg),
    addressToBytes(header.sender),
    addressToBytes(header.recipient),
    header.senderKey,
    header.recipientKey
  )
  return hkdf(sha256, sharedSecret, messageIdToBytes(header.messageId), info, AES_256_GCM_KEY_BYTES)
}

function assertSignedBySender (parsed: ParsedEnvelope): void {
  assertRecordSignature('envelope', EnvelopeSignatureError, parsed.header.sender, NS_ENVELOPE, envelopeSigningMessage(parsed.headerBytes, parsed.ciphertext), parsed.signature)
}

async function checkPeerKey (peer: WalletAddress, peerKey: Uint8Array, lookupBundle: KeyBundleLookup): Promise<void> {
  const bundle = await lookupBundle(peer)
  if (bundle === undefined) {
    throw new UnknownPeerKeyError(`no key bundle is known for ${peer}; fetch and verify it before opening their messages`)
  }
  if (bundle.owner !== peer) {
    throw new KeyBundleOwnerMismatchError(`key bundle lookup for ${peer} returned the bundle of ${bundle.owner}`)
  }
  if (!bytesEqual(bundle.x25519PublicKey, peerKey)) {
    throw new PeerKeyMismatchError(`the envelope uses X25519 key ${toHex(peerKey)} for ${peer}, but their key bundle names ${toHex(bundle.x25519PublicKey)}`)
  }
}
