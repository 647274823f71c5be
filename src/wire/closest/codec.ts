/**
 * The closest-peers protocol's frames, checked: a request names a key of 1 to MAX_CLOSEST_KEY_BYTES bytes and a
 * count of 1 to MAX_CLOSEST_COUNT; an answer lists at most MAX_CLOSEST_COUNT peers with at most MAX_CLOSEST_ADDRS
 * addresses each. Anything else is a MalformedMessageError (or UnsupportedVersionError for another version).
 */
import { decodeOrThrow, readLeadingVersion } from '../decode-helpers.ts'
import { MalformedMessageError, UnsupportedVersionError } from '../errors.ts'
import { ClosestRequest, ClosestResponse } from './closest.ts'

export const CLOSEST_VERSION = 1
export const MAX_CLOSEST_COUNT = 32
export const MAX_CLOSEST_KEY_BYTES = 64
export const MAX_CLOSEST_ADDRS = 4
/** A peer ID as text (an Ed25519 peer ID is 52 characters, its CID form 62). */
export const MAX_PEER_ID_CHARS = 128
export const MAX_CLOSEST_ADDR_BYTES = 512
/** The largest request and answer frames: nothing valid comes near them. */
export const MAX_CLOSEST_REQUEST_BYTES = 128
export const MAX_CLOSEST_RESPONSE_BYTES = MAX_CLOSEST_COUNT * (MAX_PEER_ID_CHARS + MAX_CLOSEST_ADDRS * (MAX_CLOSEST_ADDR_BYTES + 4) + 8) + 16

export interface ClosestQuery { key: Uint8Array, count: number }
export interface ClosestAnswerPeer { id: string, addrs: Uint8Array[] }

export function encodeClosestRequest (query: ClosestQuery): Uint8Array {
  return ClosestRequest.encode({ version: CLOSEST_VERSION, key: own(query.key), count: query.count })
}

export function decodeClosestRequest (bytes: Uint8Array): ClosestQuery {
  checkVersion('closest request', bytes)
  const request = decodeOrThrow('closest request', () => ClosestRequest.decode(bytes))
  if (request.key.length < 1 || request.key.length > MAX_CLOSEST_KEY_BYTES) {
    throw new MalformedMessageError(`closest request key must be 1 to ${MAX_CLOSEST_KEY_BYTES} bytes, got ${request.key.length}`)
  }
  if (request.count < 1 || request.count > MAX_CLOSEST_COUNT) {
    throw new MalformedMessageError(`closest request count must be 1 to ${MAX_CLOSEST_COUNT}, got ${request.count}`)
  }
  return { key: request.key, count: request.count }
}

export function encodeClosestResponse (peers: ClosestAnswerPeer[]): Uint8Array {
  return ClosestResponse.encode({ version: CLOSEST_VERSION, peers: peers.slice(0, MAX_CLOSEST_COUNT).map(p => ({ id: p.id, addrs: p.addrs.slice(0, MAX_CLOSEST_ADDRS).map(own) })) })
}

export function decodeClosestResponse (bytes: Uint8Array): ClosestAnswerPeer[] {
  checkVersion('closest response', bytes)
  const response = decodeOrThrow('closest response', () => ClosestResponse.decode(bytes, {
    limits: { peers: MAX_CLOSEST_COUNT, peers$: { addrs: MAX_CLOSEST_ADDRS } }
  }))
  for (const peer of response.peers) {
    if (peer.id.length < 1 || peer.id.length > MAX_PEER_ID_CHARS) throw new MalformedMessageError(`closest response peer ID must be 1 to ${MAX_PEER_ID_CHARS} characters, got ${peer.id.length}`)
    if (peer.addrs.some(a => a.length > MAX_CLOSEST_ADDR_BYTES)) throw new MalformedMessageError(`closest response address over ${MAX_CLOSEST_ADDR_BYTES} bytes`)
  }
  return response.peers.map(p => ({ id: p.id, addrs: p.addrs }))
}

function checkVersion (what: string, bytes: Uint8Array): void {
  const version = readLeadingVersion(what, bytes)
  if (version !== CLOSEST_VERSION) throw new UnsupportedVersionError(`${what} version ${version} is not supported (this build speaks ${CLOSEST_VERSION})`)
}

/** protons types its bytes fields as Uint8Array<ArrayBuffer>; a caller's view may sit on a SharedArrayBuffer. */
function own (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? bytes as Uint8Array<ArrayBuffer> : new Uint8Array(bytes)
}
