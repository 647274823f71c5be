import { describe, expect, it } from 'vitest'
import { ZenTalkError } from '../errors/index.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import { addressToBytes } from '../identity/index.ts'
import { MalformedMessageError, OversizeMessageError, PresenceBody, SignedPresence, UnsupportedVersionError } from '../wire/index.ts'
import {
  PresenceExpiredError,
  PresenceNotYetValidError,
  PresenceOwnerMismatchError,
  PresenceSignatureError
} from './errors.ts'
import { NS_PRESENCE } from './namespaces.ts'
import {
  MAX_PRESENCE_LIFETIME_MS,
  MAX_PRESENCE_MULTIADDRS,
  MAX_SIGNED_PRESENCE_BYTES,
  PRESENCE_CLOCK_SKEW_MS,
  createPresence,
  decodePresence,
  encodePresence,
  selectPresence,
  verifyPresence,
  type PresenceInput
} from './presence.ts'
import { alice, mallory } from '../testing/chat-parties.ts'

const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const RELAY = '12D3KooWCuo3MdXfMgaqpLC5Houi1TRoFqgK9aoxok4NK5udMu8m'
const ISSUED_AT = 1_767_225_600_000
const HOUR = 60 * 60 * 1000

function input (overrides: Partial<PresenceInput> = {}): PresenceInput {
  return {
    peerId: PEER,
    multiaddrs: [`/dns4/relay.example.com/tcp/443/wss/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${PEER}`, '/ip4/192.0.2.1/tcp/4001'],
    sequence: 1,
    issuedAt: ISSUED_AT,
    validUntil: ISSUED_AT + HOUR,
    ...overrides
  }
}

function signBody (body: PresenceBody, signer = alice.wallet): Uint8Array {
  const bodyBytes = PresenceBody.encode(body)
  return SignedPresence.encode({ body: bodyBytes, signature: Uint8Array.from(signer.sign(NS_PRESENCE, bodyBytes)) })
}

function body (overrides: Partial<PresenceBody> = {}): PresenceBody {
  return { version: 1, owner: addressToBytes(alice.wallet.address), peerId: PEER, multiaddrs: [], sequence: 1, issuedAt: ISSUED_AT, validUntil: ISSUED_AT + HOUR, ...overrides }
}

describe('presence records', () => {
  it('round-trips and verifies while valid', () => {
    const bytes = encodePresence(createPresence(alice.wallet, input()))
    const record = verifyPresence(bytes, alice.wallet.address, { now: ISSUED_AT + 1 })
    expect(record).toMatchObject({ owner: alice.wallet.address, peerId: PEER, sequence: 1, validUntil: ISSUED_AT + HOUR })
    expect(record.multiaddrs).toEqual(input().multiaddrs)
    expect(encodePresence(record)).toEqual(bytes)
  })

  it('expires at validUntil', () => {
    const bytes = encodePresence(createPresence(alice.wallet, input()))
    expect(() => verifyPresence(bytes, alice.wallet.address, { now: ISSUED_AT + HOUR - 1 })).not.toThrow()
    expect(() => verifyPresence(bytes, alice.wallet.address, { now: ISSUED_AT + HOUR })).toThrow(PresenceExpiredError)
  })

  it('refuses a record issued further ahead than clock skew explains', () => {
    const bytes = encodePresence(createPresence(alice.wallet, input()))
    expect(() => verifyPresence(bytes, alice.wallet.address, { now: ISSUED_AT - PRESENCE_CLOCK_SKEW_MS })).not.toThrow()
    expect(() => verifyPresence(bytes, alice.wallet.address, { now: ISSUED_AT - PRESENCE_CLOCK_SKEW_MS - 1 })).toThrow(PresenceNotYetValidError)
  })

  it('rejects a record naming Alice but signed by Mallory (he would redirect her messages to his peer)', () => {
    const forged = signBody(body(), mallory.wallet)
    expect(() => verifyPresence(forged, alice.wallet.address, { now: ISSUED_AT })).toThrow(PresenceSignatureError)
    expect(() => decodePresence(forged)).toThrow(PresenceSignatureError)
  })

  it('rejects a valid record of another address than the one looked up', () => {
    const mallorys = encodePresence(createPresence(mallory.wallet, input()))
    expect(() => verifyPresence(mallorys, alice.wallet.address, { now: ISSUED_AT })).toThrow(PresenceOwnerMismatchError)
  })

  it('rejects a changed peer after signing', () => {
    const signature = alice.wallet.sign(NS_PRESENCE, PresenceBody.encode(body()))
    const tampered = SignedPresence.encode({ body: PresenceBody.encode(body({ peerId: RELAY })), signature: Uint8Array.from(signature) })
    expect(() => decodePresence(tampered)).toThrow(PresenceSignatureError)
  })

  it.each([
    ['a peer ID that is not one', { peerId: 'not-a-peer' }],
    ['a peer ID in non-canonical (CID) form', { peerId: 'bafzaajaiaejcbntfthx7jx7vjwuwshbwzxgm3ndkblfwr7yg5tf2gk4bssfxd4id' }],
    ['a multiaddr that ends at another peer', { multiaddrs: [`/ip4/192.0.2.1/tcp/4001/p2p/${RELAY}`] }],
    ['a multiaddr that does not parse', { multiaddrs: ['/ip4/999.0.0.1/tcp/1'] }],
    ['a multiaddr not in canonical form', { multiaddrs: ['/ip4/192.0.2.1/tcp/4001/'] }],
    ['too many multiaddrs', { multiaddrs: Array.from({ length: MAX_PRESENCE_MULTIADDRS + 1 }, (_, i) => `/ip4/192.0.2.1/tcp/${4000 + i}`) }],
    ['validUntil not after issuedAt', { validUntil: ISSUED_AT }],
    ['a lifetime over a day', { validUntil: ISSUED_AT + MAX_PRESENCE_LIFETIME_MS + 1 }]
  ])('refuses to create or accept %s', (_, overrides) => {
    expect(() => createPresence(alice.wallet, input(overrides))).toThrow(MalformedMessageError)
    expect(() => decodePresence(signBody(body(overrides as Partial<PresenceBody>)))).toThrow(MalformedMessageError)
  })

  it('refuses a sequence beyond 2^53 - 1 (not a safe JS integer)', () => {
    expect(() => createPresence(alice.wallet, input({ sequence: 2 ** 53 }))).toThrow(MalformedMessageError)
    // protons cannot encode it, so the body is spliced by hand: field 5 (tag 0x28) = varint(2^53).
    const { issuedAt, validUntil, ...before } = body({ sequence: 0 })
    const bodyBytes = new Uint8Array([
      ...PresenceBody.encode(before), 0x28, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, ...PresenceBody.encode({ issuedAt, validUntil })
    ])
    const bytes = SignedPresence.encode({ body: bodyBytes, signature: Uint8Array.from(alice.wallet.sign(NS_PRESENCE, bodyBytes)) })
    expect(() => decodePresence(bytes)).toThrow(MalformedMessageError)
    expect(() => decodePresence(bytes)).toThrow(/body cannot be decoded/)
  })

  it('rejects an unknown version, oversize input, truncations and garbage with typed errors', () => {
    expect(() => decodePresence(signBody(body({ version: 3 })))).toThrow(UnsupportedVersionError)
    expect(() => decodePresence(new Uint8Array(MAX_SIGNED_PRESENCE_BYTES + 1))).toThrow(OversizeMessageError)
    const bytes = encodePresence(createPresence(alice.wallet, input()))
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodePresence(bytes.subarray(0, length))).toThrow(ZenTalkError)
    }
    const random = mulberry32(11)
    for (let round = 0; round < 200; round++) {
      expect(() => decodePresence(randomBytes(random, 1 + (round % 500)))).toThrow(ZenTalkError)
    }
  })

  it('keeps a record with the maximum number of long multiaddrs under the size limit', () => {
    const long = `/dns4/${'r'.repeat(60)}.example.com/tcp/443/wss/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${PEER}`
    const record = createPresence(alice.wallet, input({ multiaddrs: Array.from({ length: MAX_PRESENCE_MULTIADDRS }, () => long), sequence: Number.MAX_SAFE_INTEGER }))
    expect(encodePresence(record).length).toBeLessThanOrEqual(MAX_SIGNED_PRESENCE_BYTES)
  })

  it('selects the highest sequence, then the latest validUntil', () => {
    const older = createPresence(alice.wallet, input({ sequence: 1, validUntil: ISSUED_AT + 2 * HOUR }))
    const newer = createPresence(alice.wallet, input({ sequence: 2 }))
    const newerLonger = createPresence(alice.wallet, input({ sequence: 2, validUntil: ISSUED_AT + 3 * HOUR }))
    expect(selectPresence([older, newer])).toBe(1)
    expect(selectPresence([newerLonger, older, newer])).toBe(0)
    expect(selectPresence([])).toBe(-1)
  })
})
