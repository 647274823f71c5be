/**
 * Moves attachment chunks between this node and the mesh: each encrypted chunk is one object in the sender's
 * attachment namespace (NS_ATTACHMENT_OBJECTS, placed under the sender's own key like the history, so only the
 * sender writes or deletes there), stored and fetched through the ObjectStore like any other object. At most
 * `ATTACHMENT_CHUNKS_IN_FLIGHT` chunks are encrypted, stored or fetched at once, which bounds memory whatever the
 * file's size. Progress is reported in plaintext bytes.
 */
import { forEachLimit } from '../../async/index.ts'
import type { ObjectStore } from '../../objects/index.ts'
import { NS_ATTACHMENT_OBJECTS } from '../../placement/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { openAttachmentChunk, sealAttachment, verifyAttachment, type AttachmentInput, type AttachmentRef } from '../attachment.ts'

/** Chunks stored or fetched at once: two keep the holders busy while the next chunk is encrypted or decoded. */
export const ATTACHMENT_CHUNKS_IN_FLIGHT = 2

/** Progress of one transfer, in plaintext bytes. */
export interface TransferProgress {
  readonly doneBytes: number
  readonly totalBytes: number
}

export interface AttachmentTransferInit {
  objects: ObjectStore
  /** Plaintext bytes per chunk (default ATTACHMENT_CHUNK_BYTES; tests use smaller ones). */
  chunkBytes?: number
  /** Largest file accepted (default MAX_ATTACHMENT_BYTES). */
  maxBytes?: number
}

export class AttachmentTransfer {
  private readonly init: AttachmentTransferInit

  constructor (init: AttachmentTransferInit) {
    this.init = init
  }

  /**
   * Encrypts `input` with a fresh key and stores its chunks; resolves with the reference a message carries. On
   * failure the chunks already stored are deleted (best effort) and nothing is referenced.
   * @throws {AttachmentTooLargeError} before anything is stored | {InvalidAttachmentError} | {StoreFailedError} | {NoHoldersReachableError}
   */
  async upload (input: AttachmentInput, options: { signal?: AbortSignal, onProgress?: (progress: TransferProgress) => void } = {}): Promise<AttachmentRef> {
    const { objects } = this.init
    const sealed = await sealAttachment(input, { chunkBytes: this.init.chunkBytes, maxBytes: this.init.maxBytes })
    const totalBytes = sealed.draft.size
    const objectIds: Array<ObjectId | undefined> = new Array(sealed.chunkCount).fill(undefined)
    /** Placed shards per chunk as a fraction, so progress moves within a chunk too. */
    const placedFraction = new Array<number>(sealed.chunkCount).fill(0)
    const chunkSize = (index: number): number => Math.min(sealed.draft.chunkBytes, totalBytes - index * sealed.draft.chunkBytes)
    const report = (): void => {
      const doneBytes = Math.floor(placedFraction.reduce((sum, fraction, index) => sum + fraction * chunkSize(index), 0))
      options.onProgress?.({ doneBytes: Math.min(doneBytes, totalBytes), totalBytes })
    }
    report()
    try {
      await inOrderUntilFailure(Array.from({ length: sealed.chunkCount }, (_, index) => index), async index => {
        options.signal?.throwIfAborted()
        const { ciphertext } = await sealed.sealChunk(index)
        const stored = await objects.storeObject(ciphertext, {
          namespace: NS_ATTACHMENT_OBJECTS,
          signal: options.signal,
          onShardPlaced: (placed, total) => {
            placedFraction[index] = placed / total
            report()
          }
        })
        objectIds[index] = stored.objectId
        placedFraction[index] = 1
        report()
      })
    } catch (error) {
      await this.remove(objectIds.filter((id): id is ObjectId => id !== undefined))
      throw error
    }
    return { owner: objects.owner, objectIds: objectIds as ObjectId[], ...sealed.draft }
  }

  /**
   * Fetches, decrypts and verifies an attachment; resolves with its bytes only when their size and SHA-256 are
   * what the reference says.
   * @throws {AttachmentIntegrityError} for a chunk or a whole that does not check out | {NotEnoughShardsError} |
   *   {ObjectNotFoundError} | {NoHoldersReachableError} | {ReadDeadlineError} | {InconsistentObjectError}
   */
  async download (ref: AttachmentRef, options: { signal?: AbortSignal, onProgress?: (progress: TransferProgress) => void } = {}): Promise<Uint8Array> {
    const bytes = new Uint8Array(ref.size)
    let doneBytes = 0
    options.onProgress?.({ doneBytes, totalBytes: ref.size })
    await inOrderUntilFailure(ref.objectIds.map((objectId, index) => ({ objectId, index })), async ({ objectId, index }) => {
      options.signal?.throwIfAborted()
      const object = await this.init.objects.fetchObject(objectId, { owner: ref.owner, namespace: NS_ATTACHMENT_OBJECTS, signal: options.signal })
      const plain = await openAttachmentChunk(ref, index, object.bytes)
      bytes.set(plain, index * ref.chunkBytes)
      doneBytes += plain.length
      options.onProgress?.({ doneBytes, totalBytes: ref.size })
    })
    await verifyAttachment(ref, bytes)
    return bytes
  }

  /** Deletes stored chunks of this owner (signed DELETE); best effort, returns the shards deleted. */
  async remove (objectIds: readonly ObjectId[]): Promise<number> {
    let deleted = 0
    await forEachLimit(objectIds, ATTACHMENT_CHUNKS_IN_FLIGHT, async objectId => {
      deleted += await this.init.objects.deleteObject(objectId, { namespace: NS_ATTACHMENT_OBJECTS }).catch(() => 0)
    })
    return deleted
  }
}

/** `task` over `items`, ATTACHMENT_CHUNKS_IN_FLIGHT at once; after a failure no new item starts, and the first failure is thrown. */
async function inOrderUntilFailure<T> (items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  let failed = false
  await forEachLimit(items, ATTACHMENT_CHUNKS_IN_FLIGHT, async item => {
    if (failed) return
    try {
      await task(item)
    } catch (error) {
      failed = true
      throw error
    }
  })
}
