/**
 * Attachments (photos, files) as objects of their own: the file is cut into chunks of ATTACHMENT_CHUNK_BYTES,
 * each encrypted with AES-256-GCM (WebCrypto) under a fresh random key and stored as one object in the sender's
 * attachment namespace; the message that shares it carries an `AttachmentRef` (wire/chat/attachment.proto) with
 * the object IDs, the key, the size, the type, the name, the SHA-256 of the plaintext and an optional thumbnail.
 * The reference travels only inside the end-to-end-encrypted envelope, so holders see ciphertext and sizes only.
 *
 * Pure: no storage, no network (service/attachments.ts moves the chunks).
 */
import { AES_256_GCM_KEY_BYTES, AES_GCM_NONCE_BYTES, AeadAuthenticationError, SHA256_BYTES, aesGcmDecrypt, aesGcmEncrypt, drawRandom, hashWithNamespace, systemRandom, toHex, type RandomSource } from '../crypto/index.ts'
import { AttachmentRefMessage, decodeOrThrow, objectIdFromBytes, objectIdToBytes } from '../wire/index.ts'
import type { ObjectId } from '../types/index.ts'
import { AttachmentIntegrityError, AttachmentTooLargeError, InvalidAttachmentError, UnsupportedAttachmentError } from './errors.ts'

export const ATTACHMENT_VERSION = 1
export const ATTACHMENT_ALG = 'aes-256-gcm-chunked'
/** Largest file a message can carry: 25 MiB (a phone photo or a document; 37.5 MiB of shards in the mesh). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
/**
 * Plaintext per chunk object: 4 MiB, so a shard is about 410 KiB (a tenth, under the 4 MiB shard limit) and one
 * chunk in flight costs a sender or reader about 10 MiB of memory, whatever the file's size.
 */
export const ATTACHMENT_CHUNK_BYTES = 4 * 1024 * 1024
/** Chunks a reference may name (a 25 MiB file in chunks of 64 KiB, the smallest a sender may pick). */
export const MAX_ATTACHMENT_CHUNKS = 400
const MIN_CHUNK_BYTES = 64 * 1024
/** A thumbnail's bytes (a 160 px JPEG is typically 5-10 KiB); the whole message payload is limited to 64 KiB. */
export const MAX_THUMBNAIL_BYTES = 32 * 1024
export const MAX_ATTACHMENT_NAME_CHARS = 255
const MAX_MIME_TYPE_CHARS = 255
/** Associated data of every chunk's AES-GCM layer: hashWithNamespace(NS_ATTACHMENT_CHUNK, version, alg, index, count, size). */
export const NS_ATTACHMENT_CHUNK = 'zentalk/attachment-chunk/v1'

/** A reference to an attachment, as a message carries it (plain data: it crosses the automation API as it is). */
export interface AttachmentRef {
  /** The sender: the owner whose attachment namespace holds the chunks. */
  readonly owner: string
  /** Chunk object IDs in order. */
  readonly objectIds: readonly ObjectId[]
  readonly size: number
  readonly chunkBytes: number
  /** MIME type as the sender named it ('' when unknown); not verified. */
  readonly type: string
  readonly name: string
  /** SHA-256 of the plaintext, 64 hex digits. */
  readonly sha256: string
  /** The AES-256-GCM key of the chunks, 64 hex digits. Secret: it never leaves the envelope or this device. */
  readonly key: string
  readonly thumbnail?: { readonly type: string, readonly bytes: Uint8Array }
}

/** The fields of a reference that are known before the chunks are stored. */
export type AttachmentDraft = Omit<AttachmentRef, 'owner' | 'objectIds'>

/** A file to attach: its bytes and what the sender's device says about it. */
export interface AttachmentInput {
  readonly name: string
  readonly type?: string
  readonly bytes: Uint8Array
  readonly thumbnail?: { readonly type: string, readonly bytes: Uint8Array }
}

/** Where the encrypted chunks of a draft come from, one at a time (the caller stores each before asking for the next). */
export interface SealedAttachment {
  readonly draft: AttachmentDraft
  readonly chunkCount: number
  /** Chunk `index` encrypted (ciphertext followed by the 16-byte tag), and its plaintext length. */
  sealChunk(index: number): Promise<{ ciphertext: Uint8Array, plainBytes: number }>
}

/**
 * Checks the file and prepares its encryption: a fresh key, the plaintext's SHA-256, the chunking.
 * @throws {AttachmentTooLargeError} for an empty file or one above `maxBytes`; {InvalidAttachmentError} for a bad name, type or thumbnail
 */
export async function sealAttachment (input: AttachmentInput, options: { chunkBytes?: number, maxBytes?: number, random?: RandomSource } = {}): Promise<SealedAttachment> {
  const maxBytes = options.maxBytes ?? MAX_ATTACHMENT_BYTES
  const chunkBytes = options.chunkBytes ?? ATTACHMENT_CHUNK_BYTES
  const { bytes } = input
  checkAttachmentSize(bytes.length, maxBytes)
  if (!Number.isInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > ATTACHMENT_CHUNK_BYTES) {
    throw new RangeError(`attachment chunks are ${MIN_CHUNK_BYTES} to ${ATTACHMENT_CHUNK_BYTES} bytes, got ${chunkBytes}`)
  }
  const draft: AttachmentDraft = {
    size: bytes.length,
    chunkBytes,
    type: checkText('MIME type', input.type ?? '', MAX_MIME_TYPE_CHARS),
    name: checkText('file name', attachmentName(input.name), MAX_ATTACHMENT_NAME_CHARS),
    sha256: toHex(await digest(bytes)),
    key: toHex(drawRandom(options.random ?? systemRandom, AES_256_GCM_KEY_BYTES)),
    ...(input.thumbnail === undefined ? {} : { thumbnail: checkThumbnail(input.thumbnail) })
  }
  const chunkCount = Math.ceil(bytes.length / chunkBytes)
  const key = fromHexKey(draft.key)
  return {
    draft,
    chunkCount,
    sealChunk: async index => {
      if (!Number.isInteger(index) || index < 0 || index >= chunkCount) throw new RangeError(`chunk ${index} of ${chunkCount}`)
      const plain = bytes.subarray(index * chunkBytes, Math.min(bytes.length, (index + 1) * chunkBytes))
      const ciphertext = await aesGcmEncrypt(key, chunkNonce(index), plain, chunkAssociatedData(index, chunkCount, bytes.length))
      return { ciphertext, plainBytes: plain.length }
    }
  }
}

/**
 * Refuses an empty file and one above `maxBytes` (default MAX_ATTACHMENT_BYTES).
 * @throws {AttachmentTooLargeError}
 */
export function checkAttachmentSize (size: number, maxBytes = MAX_ATTACHMENT_BYTES): void {
  if (size === 0) throw new AttachmentTooLargeError('the file is empty; there is nothing to send')
  if (size > maxBytes) throw new AttachmentTooLargeError(`the file is ${formatBytes(size)}; attachments are limited to ${formatBytes(maxBytes)}`)
}

/** A file name without any path: what a reference names (a browser gives a bare name, a tool might pass a path). */
export function attachmentName (name: string): string {
  const base = String(name).split(/[/\\]/).at(-1) ?? ''
  return base === '' ? 'file' : base
}

/**
 * Decrypts chunk `index` of `ref` (its stored object's bytes) and checks its length.
 * @throws {AttachmentIntegrityError} when AES-GCM refuses it (altered, another chunk, another attachment) or its length is wrong
 */
export async function openAttachmentChunk (ref: AttachmentRef, index: number, ciphertext: Uint8Array): Promise<Uint8Array> {
  const count = ref.objectIds.length
  let plain: Uint8Array
  try {
    plain = await aesGcmDecrypt(fromHexKey(ref.key), chunkNonce(index), ciphertext, chunkAssociatedData(index, count, ref.size))
  } catch (error) {
    if (!(error instanceof AeadAuthenticationError)) throw error
    throw new AttachmentIntegrityError(`chunk ${index + 1} of ${count} of "${ref.name}" (object ${ref.objectIds[index]}) does not decrypt with the message's key: it was altered or is not this file's`, { cause: error })
  }
  const expected = Math.min(ref.chunkBytes, ref.size - index * ref.chunkBytes)
  if (plain.length !== expected) {
    throw new AttachmentIntegrityError(`chunk ${index + 1} of ${count} of "${ref.name}" is ${plain.length} bytes; ${expected} were expected`)
  }
  return plain
}

/**
 * Checks the whole plaintext against the reference's size and SHA-256.
 * @throws {AttachmentIntegrityError}
 */
export async function verifyAttachment (ref: AttachmentRef, bytes: Uint8Array): Promise<void> {
  if (bytes.length !== ref.size) throw new AttachmentIntegrityError(`"${ref.name}" came back as ${bytes.length} bytes; the message says ${ref.size}`)
  const hash = toHex(await digest(bytes))
  if (hash !== ref.sha256) throw new AttachmentIntegrityError(`"${ref.name}" hashes to ${hash}; the message says ${ref.sha256}: it is not the file that was sent`)
}

/** The reference as `MessagePayload.data` of an ATTACHMENT message (the owner is the envelope's sender, not repeated). */
export function encodeAttachmentRef (ref: AttachmentRef): Uint8Array<ArrayBuffer> {
  return AttachmentRefMessage.encode({
    version: ATTACHMENT_VERSION,
    alg: ATTACHMENT_ALG,
    objectIds: ref.objectIds.map(id => Uint8Array.from(objectIdToBytes(id))),
    size: ref.size,
    chunkBytes: ref.chunkBytes,
    mimeType: ref.type,
    name: ref.name,
    sha256: fromHexBytes(ref.sha256, SHA256_BYTES, 'sha256'),
    contentKey: fromHexKey(ref.key),
    thumbnail: Uint8Array.from(ref.thumbnail?.bytes ?? []),
    thumbnailType: ref.thumbnail?.type ?? ''
  })
}

/**
 * The reference an ATTACHMENT message carries, sent by `owner`.
 * @throws {UnsupportedAttachmentError} for another version or algorithm; {InvalidAttachmentError} | {MalformedMessageError}
 */
export function decodeAttachmentRef (data: Uint8Array, owner: string): AttachmentRef {
  const message = decodeOrThrow('attachment reference', () => AttachmentRefMessage.decode(data, { limits: { objectIds: MAX_ATTACHMENT_CHUNKS } }))
  if (message.version !== ATTACHMENT_VERSION) throw new UnsupportedAttachmentError(`attachment version ${message.version} is not supported (this build reads ${ATTACHMENT_VERSION})`)
  if (message.alg !== ATTACHMENT_ALG) throw new UnsupportedAttachmentError(`attachment algorithm "${message.alg.slice(0, 64)}" is not supported (version 1 uses ${ATTACHMENT_ALG})`)
  const { size, chunkBytes } = message
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_ATTACHMENT_BYTES) throw new InvalidAttachmentError(`attachment size ${size} is outside 1 to ${MAX_ATTACHMENT_BYTES}`)
  if (!Number.isInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > ATTACHMENT_CHUNK_BYTES) throw new InvalidAttachmentError(`attachment chunks of ${chunkBytes} bytes are not allowed`)
  if (message.objectIds.length !== Math.ceil(size / chunkBytes)) {
    throw new InvalidAttachmentError(`an attachment of ${size} bytes in chunks of ${chunkBytes} has ${Math.ceil(size / chunkBytes)} chunks; the reference names ${message.objectIds.length}`)
  }
  if (message.sha256.length !== SHA256_BYTES) throw new InvalidAttachmentError('an attachment hash is 32 bytes')
  if (message.contentKey.length !== AES_256_GCM_KEY_BYTES) throw new InvalidAttachmentError('an attachment key is 32 bytes')
  const thumbnail = message.thumbnail.length === 0 ? undefined : { type: message.thumbnailType, bytes: message.thumbnail }
  if (thumbnail !== undefined) checkThumbnail(thumbnail, InvalidAttachmentError)
  return {
    owner,
    objectIds: message.objectIds.map(id => objectIdFromBytes(id)),
    size,
    chunkBytes,
    type: message.mimeType.slice(0, MAX_MIME_TYPE_CHARS),
    name: message.name.slice(0, MAX_ATTACHMENT_NAME_CHARS),
    sha256: toHex(message.sha256),
    key: toHex(message.contentKey),
    ...(thumbnail === undefined ? {} : { thumbnail })
  }
}

/** True when two references name the same stored file (same chunks and the same promised content). */
export function sameAttachment (a: AttachmentRef, b: AttachmentRef): boolean {
  return a.owner === b.owner && a.sha256 === b.sha256 && a.objectIds.length === b.objectIds.length && a.objectIds.every((id, i) => id === b.objectIds[i])
}

/** `1.2 MB`-style size for messages and the UI (decimal units, as file managers show them). */
export function formatBytes (bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/** Nonce of chunk `index`: 4 zero bytes, then the index as u64be. Unique per chunk, and each attachment has its own key. */
function chunkNonce (index: number): Uint8Array {
  const nonce = new Uint8Array(AES_GCM_NONCE_BYTES)
  new DataView(nonce.buffer).setBigUint64(4, BigInt(index))
  return nonce
}

/** Binds a chunk to its place and to the file's shape, so chunks cannot be swapped, dropped or moved between files of one key. */
function chunkAssociatedData (index: number, count: number, size: number): Uint8Array {
  const fields = new Uint8Array(4 + 4 + 4 + 8)
  const view = new DataView(fields.buffer)
  view.setUint32(0, ATTACHMENT_VERSION)
  view.setUint32(4, index)
  view.setUint32(8, count)
  view.setBigUint64(12, BigInt(size))
  return hashWithNamespace(NS_ATTACHMENT_CHUNK, new TextEncoder().encode(ATTACHMENT_ALG), fields)
}

async function digest (bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}

function fromHexKey (hex: string): Uint8Array<ArrayBuffer> {
  return fromHexBytes(hex, AES_256_GCM_KEY_BYTES, 'key')
}

function fromHexBytes (hex: string, length: number, what: string): Uint8Array<ArrayBuffer> {
  if (typeof hex !== 'string' || !new RegExp(`^[0-9a-f]{${length * 2}}$`).test(hex)) throw new InvalidAttachmentError(`an attachment ${what} is ${length * 2} lowercase hex digits`)
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

function checkText (what: string, value: string, maxChars: number): string {
  if (typeof value !== 'string' || value.length > maxChars) throw new InvalidAttachmentError(`an attachment's ${what} is text of at most ${maxChars} characters`)
  return value
}

function checkThumbnail (thumbnail: { type: string, bytes: Uint8Array }, ErrorClass: typeof InvalidAttachmentError = InvalidAttachmentError): { type: string, bytes: Uint8Array } {
  if (!(thumbnail.bytes instanceof Uint8Array) || thumbnail.bytes.length > MAX_THUMBNAIL_BYTES) {
    throw new ErrorClass(`a thumbnail is at most ${MAX_THUMBNAIL_BYTES} bytes`)
  }
  if (!/^image\/[a-z0-9.+-]{1,64}$/.test(thumbnail.type)) throw new ErrorClass(`a thumbnail's type is an image MIME type, got "${String(thumbnail.type).slice(0, 64)}"`)
  return { type: thumbnail.type, bytes: Uint8Array.from(thumbnail.bytes) }
}
