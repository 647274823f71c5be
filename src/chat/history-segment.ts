/**
 * History segments: many sealed envelopes of one owner's history packed into one object that only the owner can
 * read (pb/history-segment.proto). A chat message is stored as its own object when it is sent; packing a few
 * hundred of them into one segment cuts what holders keep per message from about 357 bytes of manifest, proof and
 * shard per holder to a share of one, and a read to one object instead of hundreds.
 *
 *   segmentKey = HKDF-SHA256(ikm = wallet private key, salt = none, info = 'zentalk/history-segment/v1/aes-256-gcm-key', 32)
 *   associated data = hashWithNamespace('zentalk/history-segment/v1', u32be(version), alg, owner, nonce)
 *   ciphertext = AES-256-GCM(segmentKey, nonce (random, 12 bytes), HistorySegmentBody { envelopes }) ‖ tag
 *
 * The key is derived from the wallet key like the chat key (chat-keys.ts), with its own label, so the wallet key
 * alone (a backup) reads every segment, and the segment key says nothing about the chat key or the wallet key.
 * A random nonce per segment under one key is safe far beyond the number of segments one identity writes.
 * The envelopes inside are stored byte for byte as sent: each keeps its sender's signature and is verified like a
 * single-message copy when read. The segment's own AEAD only keeps the set private and whole.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  AES_256_GCM_KEY_BYTES, AES_GCM_NONCE_BYTES, AES_GCM_TAG_BYTES, AeadAuthenticationError, aesGcmDecrypt, aesGcmEncrypt,
  drawRandom, hashWithNamespace, systemRandom, type RandomSource
} from '../crypto/index.ts'
import { ADDRESS_BYTES, addressFromBytes, addressToBytes, type WalletAddress, type WalletIdentity } from '../identity/index.ts'
import type { ObjectId } from '../types/index.ts'
import { HistorySegmentBody, HistorySegmentMessage, MalformedMessageError, decodeOrThrow, objectIdFromBytes, objectIdToBytes, readLeadingVersion } from '../wire/index.ts'
import { MAX_ENVELOPE_BYTES } from './envelope-format.ts'
import { HistorySegmentDecryptError, UnsupportedHistorySegmentError } from './errors.ts'
import { HISTORY_SEGMENT_KEY_INFO, NS_HISTORY_SEGMENT } from './namespaces.ts'
import { checkVersion, checkedCopy, decodeCanonical, expectLength } from './signed-record.ts'

export const HISTORY_SEGMENT_VERSION = 1
export const HISTORY_SEGMENT_ALG = 'hkdf-sha256-aes-256-gcm'
/**
 * Envelope bytes a segment is filled up to: 64 KiB, about 200 short messages. Big enough that the fixed cost of
 * an object (15 manifests and proofs, about 5.7 KB) is a few percent of it, small enough that a segment is
 * rewritten cheaply when it is topped up, and one object stays far below the holders' shard limit.
 */
export const SEGMENT_TARGET_BYTES = 64 * 1024
/**
 * Envelopes larger than this stay objects of their own: their per-object cost is already small next to their size,
 * and packing them would only rewrite them.
 */
export const MAX_SEGMENT_ENTRY_BYTES = 4 * 1024
/** Envelopes per segment: 64 KiB of the smallest envelopes (about 250 bytes each) with room to spare. */
export const MAX_SEGMENT_ENVELOPES = 1024
/**
 * Object IDs a segment names as replaced: one per envelope, and as many again for objects of an earlier segment
 * whose delete some holder missed.
 */
export const MAX_SEGMENT_REPLACES = 2 * MAX_SEGMENT_ENVELOPES
/** Framing of the body and the outer record (tags, lengths, version, algorithm, owner, nonce, GCM tag). */
const SEGMENT_FRAMING_BYTES = MAX_SEGMENT_ENVELOPES * 4 + MAX_SEGMENT_REPLACES * 2 + 256
/** Limit on an encoded segment, checked before decoding. */
export const MAX_HISTORY_SEGMENT_BYTES = SEGMENT_TARGET_BYTES + MAX_SEGMENT_ENTRY_BYTES + MAX_SEGMENT_REPLACES * 32 + SEGMENT_FRAMING_BYTES + AES_GCM_TAG_BYTES

/** What a segment holds. */
export interface SegmentContents {
  /** Encoded envelopes, each at most MAX_SEGMENT_ENTRY_BYTES; unverified when opened. */
  readonly envelopes: readonly Uint8Array[]
  /** Objects whose every message is in this segment or in one written before it in the same run. */
  readonly replaces: readonly ObjectId[]
}
/** The first byte of every encoded segment: field 1 (version) as a varint. An envelope starts with 0x0a. */
const SEGMENT_FIRST_BYTE = 0x08

const utf8 = new TextEncoder()

/** The AES-256 key of `wallet`'s history segments. */
export function deriveSegmentKey (wallet: Pick<WalletIdentity, 'exportPrivateKey'>): Uint8Array {
  const walletKey = wallet.exportPrivateKey()
  try {
    return hkdf(sha256, walletKey, undefined, utf8.encode(HISTORY_SEGMENT_KEY_INFO), AES_256_GCM_KEY_BYTES)
  } finally {
    walletKey.fill(0)
  }
}

/**
 * True when `bytes` is laid out as a segment rather than an envelope (both live in the owner's history
 * namespace). Says nothing about whether it opens.
 */
export function isHistorySegment (bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === SEGMENT_FIRST_BYTE
}

/**
 * Encoded size of a segment holding one envelope of at most MAX_SEGMENT_ENTRY_BYTES, at most: what a sent
 * message's history copy is before compaction packs it with others (framing about 90 bytes; see the .proto).
 */
export const MAX_LONE_SEGMENT_BYTES = MAX_SEGMENT_ENTRY_BYTES + 128

/**
 * Seals envelopes (each at most MAX_SEGMENT_ENTRY_BYTES, or one envelope of any size up to MAX_ENVELOPE_BYTES) and the IDs of the objects they replace into one segment
 * of `owner`.
 * @throws {RangeError} for more than a segment holds (see `packSegments`)
 */
export async function sealHistorySegment (owner: WalletAddress, key: Uint8Array, contents: SegmentContents,
  random: RandomSource = systemRandom): Promise<Uint8Array> {
  const { envelopes, replaces } = contents
  if (envelopes.length === 0 || envelopes.length > MAX_SEGMENT_ENVELOPES) {
    throw new RangeError(`a history segment holds 1 to ${MAX_SEGMENT_ENVELOPES} envelopes, got ${envelopes.length}`)
  }
  if (replaces.length > MAX_SEGMENT_REPLACES) {
    throw new RangeError(`a history segment names at most ${MAX_SEGMENT_REPLACES} replaced objects, got ${replaces.length}`)
  }
  const total = envelopes.reduce((sum, envelope) => sum + envelope.length, 0)
  const largest = Math.max(...envelopes.map(envelope => envelope.length))
  if (envelopes.length === 1) {
    // A lone envelope (a message's history copy, sealed as it is sent) may be as large as any envelope.
    if (largest > MAX_ENVELOPE_BYTES) throw new RangeError(`an envelope is at most ${MAX_ENVELOPE_BYTES} bytes, got ${largest}`)
  } else if (largest > MAX_SEGMENT_ENTRY_BYTES || total > SEGMENT_TARGET_BYTES + MAX_SEGMENT_ENTRY_BYTES) {
    throw new RangeError(`a history segment holds envelopes of at most ${MAX_SEGMENT_ENTRY_BYTES} bytes, ${SEGMENT_TARGET_BYTES} bytes in all; got ${total} (largest ${largest})`)
  }
  const nonce = drawRandom(random, AES_GCM_NONCE_BYTES)
  const ownerBytes = addressToBytes(owner)
  const body = HistorySegmentBody.encode({ envelopes: envelopes.map(envelope => Uint8Array.from(envelope)), replaces: replaces.map(id => objectIdToBytes(id) as Uint8Array<ArrayBuffer>) })
  const ciphertext = await aesGcmEncrypt(key, nonce, body, associatedData(HISTORY_SEGMENT_VERSION, HISTORY_SEGMENT_ALG, ownerBytes, nonce))
  return HistorySegmentMessage.encode({ version: HISTORY_SEGMENT_VERSION, alg: HISTORY_SEGMENT_ALG, owner: ownerBytes, nonce, ciphertext })
}

/**
 * Opens a segment of `owner` (or of one of several owners: a user's history identity and, for segments written
 * before it existed, the user's own address) and returns its contents; the envelopes unverified (each is verified like any copy).
 * @throws {OversizeMessageError} | {MalformedMessageError} | {UnsupportedHistorySegmentError} |
 *   {HistorySegmentDecryptError} (altered, or another identity's)
 */
export async function openHistorySegment (owner: WalletAddress | readonly WalletAddress[], key: Uint8Array, bytes: Uint8Array): Promise<SegmentContents> {
  const what = 'history segment'
  const own = checkedCopy(what, bytes, MAX_HISTORY_SEGMENT_BYTES)
  checkVersion(what, readLeadingVersion(what, own), HISTORY_SEGMENT_VERSION, UnsupportedHistorySegmentError)
  const segment = decodeCanonical(what, HistorySegmentMessage, own)
  if (segment.alg !== HISTORY_SEGMENT_ALG) {
    throw new UnsupportedHistorySegmentError(`history segment algorithm '${segment.alg}' is not supported (this build reads '${HISTORY_SEGMENT_ALG}')`)
  }
  expectLength(what, 'owner', segment.owner, ADDRESS_BYTES)
  expectLength(what, 'nonce', segment.nonce, AES_GCM_NONCE_BYTES)
  const sealedBy = addressFromBytes(segment.owner)
  const owners: readonly WalletAddress[] = typeof owner === 'string' ? [owner] : owner
  if (!owners.includes(sealedBy)) {
    throw new HistorySegmentDecryptError(`this history segment was sealed by ${sealedBy}; only ${owners.join(' or ')}'s segments open here`)
  }
  let body: Uint8Array
  try {
    body = await aesGcmDecrypt(key, segment.nonce, segment.ciphertext, associatedData(segment.version, segment.alg, segment.owner, segment.nonce))
  } catch (error) {
    if (!(error instanceof AeadAuthenticationError)) throw error
    throw new HistorySegmentDecryptError(`history segment of ${sealedBy} does not open with this identity's key: it was altered or sealed with another key`, { cause: error })
  }
  const { envelopes, replaces } = decodeOrThrow(`${what} body`, () => HistorySegmentBody.decode(body, { limits: { envelopes: MAX_SEGMENT_ENVELOPES, replaces: MAX_SEGMENT_REPLACES } }))
  if (envelopes.length === 0) throw new MalformedMessageError('history segment holds no envelope')
  const oversize = envelopes.find(envelope => envelope.length > MAX_ENVELOPE_BYTES)
  if (oversize !== undefined) throw new MalformedMessageError(`history segment holds an envelope of ${oversize.length} bytes; the limit is ${MAX_ENVELOPE_BYTES}`)
  return { envelopes, replaces: replaces.map(id => objectIdFromBytes(id, 'history segment replaced object ID')) }
}

/**
 * Splits envelopes into segments' worth, in the order given: each segment filled up to SEGMENT_TARGET_BYTES and
 * MAX_SEGMENT_ENVELOPES. Only envelopes of at most MAX_SEGMENT_ENTRY_BYTES may be given.
 */
export function packSegments (envelopes: readonly Uint8Array[]): Uint8Array[][] {
  const segments: Uint8Array[][] = []
  let current: Uint8Array[] = []
  let bytes = 0
  for (const envelope of envelopes) {
    if (envelope.length > MAX_SEGMENT_ENTRY_BYTES) throw new RangeError(`an envelope of ${envelope.length} bytes stays an object of its own (limit ${MAX_SEGMENT_ENTRY_BYTES})`)
    if (current.length > 0 && (bytes + envelope.length > SEGMENT_TARGET_BYTES || current.length >= MAX_SEGMENT_ENVELOPES)) {
      segments.push(current)
      current = []
      bytes = 0
    }
    current.push(envelope)
    bytes += envelope.length
  }
  if (current.length > 0) segments.push(current)
  return segments
}

function associatedData (version: number, alg: string, owner: Uint8Array, nonce: Uint8Array): Uint8Array {
  const versionBytes = new Uint8Array(4)
  new DataView(versionBytes.buffer).setUint32(0, version)
  return hashWithNamespace(NS_HISTORY_SEGMENT, versionBytes, utf8.encode(alg), owner, nonce)
}
