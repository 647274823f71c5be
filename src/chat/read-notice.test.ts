import { describe, expect, it } from 'vitest'
import { WalletIdentity } from '../identity/index.ts'
import { InvalidSignatureError } from '../identity/index.ts'
import { MalformedMessageError, OversizeMessageError, ReadNotice, ReadNoticeBody } from '../wire/index.ts'
import { createReadNotice, MAX_READ_NOTICE_BYTES, MAX_READ_NOTICE_IDS, openReadNotice } from './read-notice.ts'
import { decodeDeliverRequest, decodeDeliverRequestParts, encodeDeliverRequest, encodeReadNoticeRequest } from './service/deliver-codec.ts'
import { DeliverRequest } from '../wire/index.ts'

const bob = WalletIdentity.generate()
const alice = WalletIdentity.generate()
const carol = WalletIdentity.generate()
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => i.toString(16).padStart(32, '0'))

describe('read notices', () => {
  it('says who read which messages of whom, and when', () => {
    const notice = createReadNotice(bob, { sender: alice.address, readAt: 1_700_000_000_000, messageIds: [...ids(3), ids(1)[0]] })
    expect(openReadNotice(notice, alice.address)).toEqual({ reader: bob.address, sender: alice.address, readAt: 1_700_000_000_000, messageIds: ids(3) })
    const most = createReadNotice(bob, { sender: alice.address, readAt: Number.MAX_SAFE_INTEGER, messageIds: ids(MAX_READ_NOTICE_IDS) })
    expect(most.length).toBeLessThanOrEqual(MAX_READ_NOTICE_BYTES)
    expect(openReadNotice(most, alice.address).messageIds).toHaveLength(MAX_READ_NOTICE_IDS)
  })

  it('is refused by anyone but the sender it names, and when its body or signer is not the reader\'s', () => {
    const notice = createReadNotice(bob, { sender: alice.address, readAt: 5, messageIds: ids(2) })
    expect(() => openReadNotice(notice, carol.address)).toThrow(MalformedMessageError)

    const { body, signature } = ReadNotice.decode(notice)
    const changed = ReadNoticeBody.encode({ ...ReadNoticeBody.decode(body), messageIds: ids(3).map(id => Uint8Array.from(Buffer.from(id, 'hex'))) })
    expect(() => openReadNotice(ReadNotice.encode({ body: changed, signature }), alice.address)).toThrow(InvalidSignatureError)

    // Carol signs a body naming Bob as the reader.
    const posing = createReadNotice({ address: bob.address, sign: (namespace, bytes) => carol.sign(namespace, bytes) }, { sender: alice.address, readAt: 5, messageIds: ids(1) })
    expect(() => openReadNotice(posing, alice.address)).toThrow(/signed by .* not by the reader/)
    expect(() => openReadNotice(ReadNotice.encode({ body, signature: signature.subarray(0, 64) }), alice.address)).toThrow(InvalidSignatureError)
  })

  it('refuses bad input with typed errors', () => {
    expect(() => createReadNotice(bob, { sender: alice.address, readAt: 5, messageIds: [] })).toThrow(MalformedMessageError)
    expect(() => createReadNotice(bob, { sender: alice.address, readAt: 5, messageIds: ids(MAX_READ_NOTICE_IDS + 1) })).toThrow(MalformedMessageError)
    expect(() => createReadNotice(bob, { sender: alice.address, readAt: 5, messageIds: ['not hex'] })).toThrow(MalformedMessageError)
    expect(() => createReadNotice(bob, { sender: alice.address, readAt: -1, messageIds: ids(1) })).toThrow(MalformedMessageError)
    expect(() => openReadNotice(new Uint8Array(MAX_READ_NOTICE_BYTES + 1), alice.address)).toThrow(OversizeMessageError)
    expect(() => openReadNotice(Uint8Array.of(0xff, 0xff), alice.address)).toThrow(MalformedMessageError)
    const short = ReadNoticeBody.encode({ reader: new Uint8Array(19), sender: new Uint8Array(20), readAt: 1, messageIds: [new Uint8Array(16)] })
    expect(() => openReadNotice(ReadNotice.encode({ body: short, signature: new Uint8Array(65) }), alice.address)).toThrow(MalformedMessageError)
    const shortId = ReadNoticeBody.encode({ reader: new Uint8Array(20), sender: new Uint8Array(20), readAt: 1, messageIds: [new Uint8Array(15)] })
    expect(() => openReadNotice(ReadNotice.encode({ body: shortId, signature: new Uint8Array(65) }), alice.address)).toThrow(MalformedMessageError)
  })

  it('travels in a delivery request instead of an envelope, never beside one', () => {
    const notice = createReadNotice(bob, { sender: alice.address, readAt: 5, messageIds: ids(1) })
    expect(decodeDeliverRequestParts(encodeReadNoticeRequest(notice))).toEqual({ readNotice: notice })
    expect(() => decodeDeliverRequest(encodeReadNoticeRequest(notice))).toThrow(MalformedMessageError)
    const both = DeliverRequest.encode({ version: 1, envelope: Uint8Array.of(1, 2, 3), senderKeyBundle: new Uint8Array(0), readNotice: Uint8Array.from(notice) })
    expect(() => decodeDeliverRequestParts(both)).toThrow(/not both/)
    expect(() => encodeReadNoticeRequest(new Uint8Array(MAX_READ_NOTICE_BYTES + 1))).toThrow(OversizeMessageError)
    // A request with an envelope is what it was before read notices existed.
    expect(decodeDeliverRequestParts(encodeDeliverRequest(Uint8Array.of(7)))).toEqual({ envelope: Uint8Array.of(7) })
  })
})
