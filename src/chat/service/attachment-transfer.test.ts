/** AttachmentTransfer over a stand-in object store: chunk order, bounded parallelism, and cleanup after a failed upload. */
import { describe, expect, it } from 'vitest'
import { StoreFailedError, type ObjectStore } from '../../objects/index.ts'
import { NS_ATTACHMENT_OBJECTS } from '../../placement/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { AttachmentIntegrityError } from '../errors.ts'
import { ATTACHMENT_CHUNKS_IN_FLIGHT, AttachmentTransfer } from './attachments.ts'

const CHUNK = 64 * 1024
const OWNER = '0x' + '22'.repeat(20)

/** Objects in memory; `failOnStore` makes that store call (1-based) fail. */
function fakeObjects (options: { failOnStore?: number } = {}) {
  const objects = new Map<string, Uint8Array>()
  const deleted: string[] = []
  let stores = 0
  let inFlight = 0
  let maxInFlight = 0
  const store = {
    owner: OWNER,
    storeObject: async (bytes: Uint8Array, opts: { namespace?: string, onShardPlaced?: (placed: number, total: number) => void }) => {
      expect(opts.namespace).toBe(NS_ATTACHMENT_OBJECTS)
      const call = ++stores
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      await new Promise(resolve => setTimeout(resolve, 5))
      inFlight--
      if (call === options.failOnStore) throw new StoreFailedError(3, 15, 'holders went away')
      const objectId = call.toString(16).padStart(64, '0') as ObjectId
      objects.set(objectId, Uint8Array.from(bytes))
      for (let placed = 1; placed <= 15; placed++) opts.onShardPlaced?.(placed, 15)
      return { objectId }
    },
    fetchObject: async (objectId: ObjectId, opts: { owner?: string, namespace?: string }) => {
      expect(opts).toMatchObject({ owner: OWNER, namespace: NS_ATTACHMENT_OBJECTS })
      const bytes = objects.get(objectId)
      if (bytes === undefined) throw new Error(`no object ${objectId}`)
      return { objectId, bytes, createdAt: 0, namespace: NS_ATTACHMENT_OBJECTS }
    },
    deleteObject: async (objectId: ObjectId) => {
      deleted.push(objectId)
      objects.delete(objectId)
      return 15
    }
  }
  return { store: store as unknown as ObjectStore, objects, deleted, maxInFlight: () => maxInFlight }
}

function randomBytes (length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += 65_536) globalThis.crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65_536)))
  return bytes
}

describe('AttachmentTransfer', () => {
  it('stores chunks a few at a time with monotonic progress, and reads them back in order', async () => {
    const fake = fakeObjects()
    const transfer = new AttachmentTransfer({ objects: fake.store, chunkBytes: CHUNK })
    const file = randomBytes(7 * CHUNK + 3)
    const progress: number[] = []
    const ref = await transfer.upload({ name: 'f.bin', bytes: file }, { onProgress: p => progress.push(p.doneBytes) })
    expect(ref.objectIds).toHaveLength(8)
    expect(fake.maxInFlight()).toBeLessThanOrEqual(ATTACHMENT_CHUNKS_IN_FLIGHT)
    expect(progress[0]).toBe(0)
    expect(progress.at(-1)).toBe(file.length)
    expect(progress.every((bytes, i) => i === 0 || bytes >= progress[i - 1])).toBe(true)
    expect(Buffer.from(await transfer.download(ref)).equals(Buffer.from(file))).toBe(true)
    // A stored chunk replaced by another (same length, other bytes) is refused.
    fake.objects.set(ref.objectIds[3], fake.objects.get(ref.objectIds[4])!)
    await expect(transfer.download(ref)).rejects.toThrow(AttachmentIntegrityError)
  })

  it('deletes the chunks it stored when a later chunk cannot be stored, and starts no more', async () => {
    const fake = fakeObjects({ failOnStore: 3 })
    const transfer = new AttachmentTransfer({ objects: fake.store, chunkBytes: CHUNK })
    await expect(transfer.upload({ name: 'f.bin', bytes: randomBytes(8 * CHUNK) })).rejects.toThrow(StoreFailedError)
    expect(fake.objects.size).toBe(0)
    // Chunks 1 and 2 (and at most the one in flight beside the failure) were stored, then deleted; the other 4+ never started.
    expect(fake.deleted.length).toBeGreaterThanOrEqual(2)
    expect(fake.deleted.length).toBeLessThanOrEqual(3)
  })
})
