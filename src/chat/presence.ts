/**
 * Signed presence record (pb/presence.proto): "address A is reachable at libp2p peer P (at these multiaddrs)
 * until T", with a sequence number so a newer record replaces an older one. Meant to be stored in the DHT
 * under the address; anyone can check it, nobody but A can make one.
 *
 * It is the owner's claim only: it does not prove P agrees, so a deliverer must still check, once connected,
 * that the peer holds A's keys (e.g. by the delivery protocol's handshake) before handing over anything.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { ADDRESS_BYTES, addressFromBytes, addressToBytes, parseAddress, type Signer, type WalletAddress } from '../identity/index.ts'
import type { PeerIdString } from '../types/index.ts'
import { MalformedMessageError } from '../wire/index.ts'
import { PresenceExpiredError, PresenceNotYetValidError, PresenceOwnerMismatchError, PresenceSignatureError } from './errors.ts'
import { NS_PRESENCE } from './namespaces.ts'
import { PresenceBody, SignedPresence } from '../wire/index.ts'
import { assertRecordSignature, expectLength, expectSafeInteger, parseSignedRecord, type SignedRecordFormat } from './signed-record.ts'

/** The only presence format version this build reads and writes. */
export const PRESENCE_VERSION = 1
export const MAX_PRESENCE_MULTIADDRS = 16
/** Long enough for a relayed WebRTC address with two peer IDs and a DNS name; far shorter than any frame limit. */
export const MAX_MULTIADDR_CHARS = 256
/** Peer IDs in their string form: 46 to 59 characters for Ed25519/secp256k1 keys, longer for RSA. */
const MAX_PEER_ID_CHARS = 128
/** A presence record lasts at most a day: the owner republishes while online, stale routes age out. */
export const MAX_PRESENCE_LIFETIME_MS = 24 * 60 * 60 * 1000
/** How far ahead of the verifier's clock `issuedAt` may be before the record is refused as not yet valid. */
export const PRESENCE_CLOCK_SKEW_MS = 5 * 60 * 1000
/** 16 maximal (256-character) multiaddrs plus a peer ID and maximal integers encode to about 4.3 KiB; 8 KiB leaves margin. */
export const MAX_SIGNED_PRESENCE_BYTES = 8 * 1024

const FORMAT: SignedRecordFormat<PresenceBody> = {
  what: 'presence record',
  maxBytes: MAX_SIGNED_PRESENCE_BYTES,
  version: PRESENCE_VERSION,
  outer: SignedPresence,
  body: PresenceBody
}

export interface PresenceInput {
  /** libp2p peer ID string, e.g. `libp2p.peerId.toString()`. */
  readonly peerId: string
  /** Canonical multiaddr strings, e.g. `libp2p.getMultiaddrs().map(String)`; may be empty. */
  readonly multiaddrs?: readonly string[]
  /** Higher than every earlier record of this owner, e.g. `issuedAt`. */
  readonly sequence: number
  /** Milliseconds since the Unix epoch. */
  readonly issuedAt: number
  /** Milliseconds since the Unix epoch; after `issuedAt`, at most MAX_PRESENCE_LIFETIME_MS later. */
  readonly validUntil: number
}

/** A presence record whose owner signature has been verified. */
export interface PresenceRecord extends Required<PresenceInput> {
  readonly version: typeof PRESENCE_VERSION
  readonly owner: WalletAddress
  readonly peerId: PeerIdString
  readonly bodyBytes: Uint8Array
  readonly signature: Uint8Array
}

/**
 * Encodes and signs a presence record as `signer`; returns it as verifiers will decode it.
 * @throws {MalformedMessageError} for an invalid peer ID, multiaddr, sequence or time
 */
export function createPresence (signer: Signer, input: PresenceInput): PresenceRecord {
  const body: PresenceBody = {
    version: PRESENCE_VERSION,
    owner: addressToBytes(signer.address),
    peerId: input.peerId,
    multiaddrs: [...(input.multiaddrs ?? [])],
    sequence: input.sequence,
    issuedAt: input.issuedAt,
    validUntil: input.validUntil
  }
  checkPresenceBody(body)
  const bodyBytes = PresenceBody.encode(body)
  const signature = Uint8Array.from(signer.sign(NS_PRESENCE, bodyBytes))
  return decodePresence(SignedPresence.encode({ body: bodyBytes, signature }))
}

export function encodePresence (record: Pick<PresenceRecord, 'bodyBytes' | 'signature'>): Uint8Array {
  return SignedPresence.encode({ body: Uint8Array.from(record.bodyBytes), signature: Uint8Array.from(record.signature) })
}

/**
 * Decodes a record and checks it is signed by the address it names; not whether it is current (see
 * `verifyPresence`). Errors: `OversizeMessageError`, `MalformedMessageError`, `UnsupportedVersionError`,
 * `PresenceSignatureError`.
 */
export function decodePresence (bytes: Uint8Array): PresenceRecord {
  const { record, signature } = parsePresence(bytes)
  assertRecordSignature('presence record', PresenceSignatureError, record.owner, NS_PRESENCE, record.bodyBytes, signature)
  return record
}

/**
 * Accepts a record looked up for `expectedAddress` only if it names that address, is signed by it, and is
 * valid at `now`. Errors as `decodePresence`, plus `PresenceOwnerMismatchError`, `PresenceExpiredError`,
 * `PresenceNotYetValidError`.
 */
export function verifyPresence (bytes: Uint8Array, expectedAddress: WalletAddress | string, options: { now?: number } = {}): PresenceRecord {
  const expected = parseAddress(expectedAddress)
  const now = options.now ?? Date.now()
  const { record, signature } = parsePresence(bytes)
  if (record.owner !== expected) {
    throw new PresenceOwnerMismatchError(`presence record is for ${record.owner}, not for ${expected}`)
  }
  assertRecordSignature('presence record', PresenceSignatureError, record.owner, NS_PRESENCE, record.bodyBytes, signature)
  if (now >= record.validUntil) {
    throw new PresenceExpiredError(`presence record of ${record.owner} expired at ${new Date(record.validUntil).toISOString()}`)
  }
  if (record.issuedAt > now + PRESENCE_CLOCK_SKEW_MS) {
    throw new PresenceNotYetValidError(`presence record of ${record.owner} is issued at ${new Date(record.issuedAt).toISOString()}, ahead of this clock; check the system time`)
  }
  return record
}

/**
 * Index of the record to keep among valid records of one owner (e.g. a DHT selector): the highest sequence,
 * then the latest validUntil, then the first. -1 for an empty list.
 */
export function selectPresence (records: readonly PresenceRecord[]): number {
  let best = -1
  records.forEach((record, index) => {
    const current = records[best]
    if (current === undefined || record.sequence > current.sequence ||
      (record.sequence === current.sequence && record.validUntil > current.validUntil)) {
      best = index
    }
  })
  return best
}

function parsePresence (bytes: Uint8Array): { record: PresenceRecord, signature: Uint8Array } {
  const { body, bodyBytes, signature } = parseSignedRecord(FORMAT, bytes)
  checkPresenceBody(body)
  const record: PresenceRecord = {
    version: PRESENCE_VERSION,
    owner: addressFromBytes(body.owner),
    peerId: body.peerId as PeerIdString,
    multiaddrs: body.multiaddrs,
    sequence: body.sequence,
    issuedAt: body.issuedAt,
    validUntil: body.validUntil,
    bodyBytes,
    signature
  }
  return { record, signature }
}

/** Field rules shared by encoding and decoding; protons would silently encode out-of-range values. */
function checkPresenceBody (body: PresenceBody): void {
  expectLength('presence record', 'owner', body.owner, ADDRESS_BYTES)
  checkPeerId(body.peerId)
  if (body.multiaddrs.length > MAX_PRESENCE_MULTIADDRS) {
    throw new MalformedMessageError(`presence record lists ${body.multiaddrs.length} multiaddrs; at most ${MAX_PRESENCE_MULTIADDRS} are allowed`)
  }
  body.multiaddrs.forEach(address => checkMultiaddr(address, body.peerId))
  expectSafeInteger('presence record', 'sequence', body.sequence)
  expectSafeInteger('presence record', 'issuedAt', body.issuedAt)
  expectSafeInteger('presence record', 'validUntil', body.validUntil)
  if (body.validUntil <= body.issuedAt || body.validUntil - body.issuedAt > MAX_PRESENCE_LIFETIME_MS) {
    throw new MalformedMessageError(`presence record validUntil must be after issuedAt and at most ${MAX_PRESENCE_LIFETIME_MS} ms later`)
  }
}

function checkPeerId (peerId: string): void {
  let canonical: string | undefined
  if (typeof peerId === 'string' && peerId.length <= MAX_PEER_ID_CHARS) {
    try {
      const parsed = peerIdFromString(peerId)
      canonical = parsed.type === 'url' ? undefined : parsed.toString()
    } catch {
      canonical = undefined
    }
  }
  if (canonical !== peerId) {
    throw new MalformedMessageError(`presence record peerId "${String(peerId).slice(0, 64)}" is not a libp2p peer ID in canonical string form`)
  }
}

/** A multiaddr must be canonical, and a /p2p/ component in it must end with the record's own peer. */
function checkMultiaddr (address: string, peerId: string): void {
  if (typeof address !== 'string' || address.length > MAX_MULTIADDR_CHARS) {
    throw new MalformedMessageError(`presence record multiaddrs are strings of at most ${MAX_MULTIADDR_CHARS} characters`)
  }
  let parsed
  try {
    parsed = multiaddr(address)
  } catch (cause) {
    throw new MalformedMessageError(`presence record multiaddr "${address.slice(0, 64)}" cannot be parsed`, { cause })
  }
  if (parsed.toString() !== address) {
    throw new MalformedMessageError(`presence record multiaddr "${address.slice(0, 64)}" is not in canonical form`)
  }
  const peers = parsed.getComponents().filter(component => component.name === 'p2p')
  const last = peers[peers.length - 1]
  if (last !== undefined && last.value !== peerId) {
    throw new MalformedMessageError(`presence record multiaddr "${address.slice(0, 64)}" ends at another peer than ${peerId}`)
  }
}
