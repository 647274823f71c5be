import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import type { ObjectId } from '../types/index.ts'
import { AttachmentRefMessage, MalformedMessageError, MessagePayload } from '../wire/index.ts'
import { mulberry32, randomBytes as seededBytes, randomInt } from '../testing/seeded-random.ts'
import {
  ATTACHMENT_ALG,
  MAX_ATTACHMENT_BYTES,
  MAX_THUMBNAIL_BYTES,
  decodeAttachmentRef,
  encodeAttachmentRef,
  formatBytes,
  openAttachmentChunk,
  sealAttachment,
  verifyAttachment,
  type AttachmentRef
} from './attachment.ts'
import { deriveChatKeyPair } from './chat-keys.ts'
import { openMessage, sealMessage } from './envelope.ts'
import { AttachmentIntegrityError, AttachmentTooLargeError, InvalidAttachmentError, UnsupportedAttachmentError } from './errors.ts'
import { createKeyBundle } from './key-bundle.ts'
import { MessageKind, decodePayload, encodePayload } from './payload.ts'
import { toChatMessage } from './service/chat-message.ts'

const CHUNK = 64 * 1024
const OWNER = '0x' + '11'.repeat(20)

function randomBytes (length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += 65_536) globalThis.crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65_536)))
  return bytes
}

/** Seals `bytes` and "stores" each chunk under a made-up object id; returns the reference and the stored ciphertexts. */
async function sealed (bytes: Uint8Array, thumbnail?: { type: string, bytes: Uint8Array }): Promise<{ ref: AttachmentRef, chunks: Uint8Array[] }> {
  const sealing = await sealAttachment({ name: 'dir/photo.jpg', type: 'image/jpeg', bytes, thumbnail }, { chunkBytes: CHUNK })
  const chunks: Uint8Array[] = []
  for (let index = 0; index < sealing.chunkCount; index++) chunks.push((await sealing.sealChunk(index)).ciphertext)
  const objectIds = chunks.map((_, index) => index.toString(16).padStart(64, '0') as ObjectId)
  return { ref: { owner: OWNER, objectIds, ...sealing.draft }, chunks }
}

async function openAll (ref: AttachmentRef, chunks: Uint8Array[]): Promise<Uint8Array> {
  const parts = await Promise.all(chunks.map(async (chunk, index) => await openAttachmentChunk(ref, index, chunk)))
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) { bytes.set(part, offset); offset += part.length }
  await verifyAttachment(ref, bytes)
  return bytes
}

describe('attachments', () => {
  it('encrypt in chunks under a fresh key and open byte-identical; the plaintext is nowhere in the ciphertext', async () => {
    const bytes = randomBytes(3 * CHUNK + 123)
    const { ref, chunks } = await sealed(bytes)
    expect(chunks).toHaveLength(4)
    expect(ref).toMatchObject({ size: bytes.length, chunkBytes: CHUNK, name: 'photo.jpg', type: 'image/jpeg' })
    expect(ref.sha256).toBe(toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes))))
    expect(toHex(chunks[0]).includes(toHex(bytes.subarray(0, 32)))).toBe(false)
    expect(await openAll(ref, chunks)).toEqual(bytes)
    // Two sends of one file use two keys: equal files are not linkable by their stored chunks.
    const again = await sealed(bytes)
    expect(again.ref.key).not.toBe(ref.key)
    expect(toHex(again.chunks[0])).not.toBe(toHex(chunks[0]))
  })

  it('refuse an empty file and one over the limit before anything is encrypted', async () => {
    await expect(sealAttachment({ name: 'big.bin', bytes: new Uint8Array(MAX_ATTACHMENT_BYTES + 1) })).rejects.toThrow(AttachmentTooLargeError)
    await expect(sealAttachment({ name: 'big.bin', bytes: new Uint8Array(MAX_ATTACHMENT_BYTES + 1) })).rejects.toThrow(/limited to 26 MB/)
    await expect(sealAttachment({ name: 'empty', bytes: new Uint8Array() })).rejects.toThrow(AttachmentTooLargeError)
    await expect(sealAttachment({ name: 'x', bytes: new Uint8Array(10), thumbnail: { type: 'image/jpeg', bytes: new Uint8Array(MAX_THUMBNAIL_BYTES + 1) } })).rejects.toThrow(InvalidAttachmentError)
  })

  it('refuse a tampered chunk, chunks swapped or dropped, and bytes whose hash differs, with AttachmentIntegrityError', async () => {
    const bytes = randomBytes(2 * CHUNK + 5)
    const { ref, chunks } = await sealed(bytes)
    const flipped = Uint8Array.from(chunks[1])
    flipped[100] ^= 1
    await expect(openAttachmentChunk(ref, 1, flipped)).rejects.toThrow(AttachmentIntegrityError)
    await expect(openAttachmentChunk(ref, 0, chunks[1])).rejects.toThrow(AttachmentIntegrityError)
    // A reference that names fewer chunks (a truncated file) no longer opens any of them: the count is bound.
    const truncated = { ...ref, objectIds: ref.objectIds.slice(0, 2), size: 2 * CHUNK }
    await expect(openAttachmentChunk(truncated, 0, chunks[0])).rejects.toThrow(AttachmentIntegrityError)
    const otherKey = { ...ref, key: 'ab'.repeat(32) }
    await expect(openAttachmentChunk(otherKey, 0, chunks[0])).rejects.toThrow(AttachmentIntegrityError)
    // Right chunks, wrong promised hash (or a different file under the same key): refused as a whole.
    await expect(openAll({ ...ref, sha256: '00'.repeat(32) }, chunks)).rejects.toThrow(AttachmentIntegrityError)
    const changed = Uint8Array.from(bytes)
    changed[0] ^= 1
    await expect(verifyAttachment(ref, changed)).rejects.toThrow(AttachmentIntegrityError)
    await expect(verifyAttachment(ref, bytes.subarray(1))).rejects.toThrow(AttachmentIntegrityError)
  })

  it('reference round-trips through its wire format and refuses other versions and inconsistent shapes', async () => {
    const thumbnail = { type: 'image/webp', bytes: Uint8Array.of(1, 2, 3) }
    const { ref } = await sealed(randomBytes(CHUNK + 1), thumbnail)
    const data = encodeAttachmentRef(ref)
    expect(decodeAttachmentRef(data, OWNER)).toEqual({ ...ref, thumbnail })
    const message = AttachmentRefMessage.decode(data)
    expect(message.alg).toBe(ATTACHMENT_ALG)
    expect(() => decodeAttachmentRef(AttachmentRefMessage.encode({ ...message, version: 2 }), OWNER)).toThrow(UnsupportedAttachmentError)
    expect(() => decodeAttachmentRef(AttachmentRefMessage.encode({ ...message, alg: 'rot13' }), OWNER)).toThrow(UnsupportedAttachmentError)
    expect(() => decodeAttachmentRef(AttachmentRefMessage.encode({ ...message, objectIds: message.objectIds.slice(1) }), OWNER)).toThrow(InvalidAttachmentError)
    expect(() => decodeAttachmentRef(AttachmentRefMessage.encode({ ...message, size: MAX_ATTACHMENT_BYTES + 1 }), OWNER)).toThrow(InvalidAttachmentError)
    expect(() => decodeAttachmentRef(AttachmentRefMessage.encode({ ...message, contentKey: fromHex('00') }), OWNER)).toThrow(InvalidAttachmentError)
    expect(() => decodeAttachmentRef(Uint8Array.of(0x1a, 0xff), OWNER)).toThrow(/cannot be decoded/)
  })

  it('decode any bytes a sender can put in a message to a reference or a typed error (seeded fuzz)', async () => {
    const random = mulberry32(17)
    const { ref } = await sealed(randomBytes(2 * CHUNK), { type: 'image/jpeg', bytes: Uint8Array.of(1, 2) })
    const valid = encodeAttachmentRef(ref)
    const typed = [MalformedMessageError, InvalidAttachmentError, UnsupportedAttachmentError]
    let decoded = 0
    for (let i = 0; i < 3_000; i++) {
      let bytes: Uint8Array
      if (i % 3 === 0) bytes = seededBytes(random, randomInt(random, 200))
      else {
        bytes = Uint8Array.from(valid)
        for (let flips = 1 + randomInt(random, 4); flips > 0; flips--) bytes[randomInt(random, bytes.length)] = randomInt(random, 256)
        if (i % 3 === 2) bytes = bytes.subarray(0, randomInt(random, bytes.length))
      }
      try {
        const out = decodeAttachmentRef(bytes, OWNER)
        decoded++
        expect(out.objectIds.length).toBe(Math.ceil(out.size / out.chunkBytes))
        expect(out.key).toMatch(/^[0-9a-f]{64}$/)
      } catch (error) {
        expect(typed.some(ErrorClass => error instanceof ErrorClass), String(error)).toBe(true)
      }
    }
    expect(decoded).toBeGreaterThan(0)
  })

  it('formats sizes for people', () => {
    expect([999, 1500, 25 * 1024 * 1024, 123_456].map(formatBytes)).toEqual(['999 B', '1.5 kB', '26 MB', '123 kB'])
  })
})

describe('attachment messages in envelopes', () => {
  const alice = WalletIdentity.generate()
  const bob = WalletIdentity.generate()
  const aliceKeys = deriveChatKeyPair(alice)
  const bobKeys = deriveChatKeyPair(bob)
  const bundleOf = (wallet: WalletIdentity, keys: typeof aliceKeys) => createKeyBundle(wallet, { x25519PublicKey: keys.publicKey, createdAt: 1 })

  async function roundTrip (content: Parameters<typeof encodePayload>[0]) {
    const { bytes } = await sealMessage({ sender: alice, senderKeys: aliceKeys, recipientBundle: bundleOf(bob, bobKeys), content, sentAt: 1_700_000_000_000 })
    const opened = await openMessage(bytes, { me: bob.address, myKeys: bobKeys, lookupBundle: async () => bundleOf(alice, aliceKeys) })
    return toChatMessage(opened)
  }

  it('carry the reference end to end; the recipient gets it with the sender as owner', async () => {
    const { ref } = await sealed(randomBytes(CHUNK + 7))
    const message = await roundTrip({ kind: MessageKind.ATTACHMENT, text: '📎 photo.jpg', data: encodeAttachmentRef(ref) })
    expect(message.kind).toBe(MessageKind.ATTACHMENT)
    expect(message.text).toBe('📎 photo.jpg')
    expect(message.attachment).toEqual({ ...ref, owner: alice.address })
  })

  it('text messages (the old format) have no attachment; an unreadable reference keeps the text and names the problem', async () => {
    const old = MessagePayload.encode({ kind: 0, text: 'hi', data: new Uint8Array() })
    expect(decodePayload(old)).toEqual({ kind: 0, text: 'hi', data: new Uint8Array() })
    const text = await roundTrip({ text: 'hello' })
    expect(text.attachment).toBeUndefined()
    expect(text.attachmentProblem).toBeUndefined()
    const bad = await roundTrip({ kind: MessageKind.ATTACHMENT, text: '📎 newer.bin', data: AttachmentRefMessage.encode({ version: 9, alg: 'x', objectIds: [], size: 1, chunkBytes: 1, mimeType: '', name: '', sha256: new Uint8Array(), contentKey: new Uint8Array(), thumbnail: new Uint8Array(), thumbnailType: '' }) })
    expect(bad.text).toBe('📎 newer.bin')
    expect(bad.attachment).toBeUndefined()
    expect(bad.attachmentProblem).toMatch(/^UnsupportedAttachmentError/)
  })
})
