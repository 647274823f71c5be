/**
 * Presence in the mesh: each user publishes a wallet-signed "address → peer ID" record (src/chat/presence.ts)
 * as an object in NS_PRESENCE_OBJECTS under their own placement key, republishes it before it expires, and
 * deletes the ones it replaced. Senders look it up to dial the recipient's node for live delivery.
 *
 * Stored like key bundles, for the same reasons (see key-bundles.ts): exact holders, owner-only writes, no
 * custom DHT validator. The record stays a claim of its owner: the delivery receipt, signed by the recipient's
 * wallet, is what proves the dialled peer really serves that user.
 */
import { parseAddress, type WalletAddress } from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { PresenceExpiredError, PresenceNotYetValidError } from '../errors.ts'
import { encodePresence, selectPresence, verifyPresence, type PresenceRecord } from '../presence.ts'
import { DEFAULT_PRESENCE_CACHE_MS, NS_PRESENCE_OBJECTS } from './constants.ts'
import type { DirectoryObjects, OnRejectedRecord } from './directory-deps.ts'

export interface PresenceDirectoryDeps {
  objects: DirectoryObjects
  now: () => number
  ttlMs?: number
  onRejected?: OnRejectedRecord
}

export class PresenceDirectory {
  private readonly deps: PresenceDirectoryDeps
  private readonly ttlMs: number
  private readonly known = new Map<WalletAddress, { record: PresenceRecord | undefined, at: number }>()
  private readonly pending = new Map<WalletAddress, Promise<PresenceRecord | undefined>>()

  constructor (deps: PresenceDirectoryDeps) {
    this.deps = deps
    this.ttlMs = deps.ttlMs ?? DEFAULT_PRESENCE_CACHE_MS
  }

  /** Stores the owner's own record in the mesh; returns its object ID. */
  async publish (record: PresenceRecord, options: { signal?: AbortSignal } = {}): Promise<ObjectId> {
    const { objectId } = await this.deps.objects.storeObject(encodePresence(record), { namespace: NS_PRESENCE_OBJECTS, signal: options.signal })
    return objectId
  }

  /**
   * Deletes the owner's presence objects other than `keep` (the ones a newer record replaced, also from earlier
   * sessions). Best effort; returns how many objects went.
   */
  async prune (keep: ObjectId): Promise<number> {
    const { objects } = await this.deps.objects.fetchObjects(this.deps.objects.owner, { namespace: NS_PRESENCE_OBJECTS })
    let deleted = 0
    for (const object of objects) {
      if (object.objectId === keep) continue
      if (await this.deps.objects.deleteObject(object.objectId, { namespace: NS_PRESENCE_OBJECTS }) > 0) deleted++
    }
    return deleted
  }

  /**
   * The current record of `address` (highest sequence among the valid ones), or undefined when none is valid
   * now: the user is offline. Reused within the cache time unless `fresh`. Records failing their signature or
   * owner check are reported to `onRejected`; expired ones are normal and skipped silently.
   */
  async lookup (address: WalletAddress | string, options: { fresh?: boolean } = {}): Promise<PresenceRecord | undefined> {
    const owner = parseAddress(address)
    const now = this.deps.now()
    const known = this.known.get(owner)
    if (options.fresh !== true && known !== undefined && now - known.at < this.ttlMs &&
      (known.record === undefined || known.record.validUntil > now)) {
      return known.record
    }
    let running = this.pending.get(owner)
    if (running === undefined) {
      running = this.fetch(owner).finally(() => this.pending.delete(owner))
      this.pending.set(owner, running)
    }
    return await running
  }

  /** Drops what is known about `address`, e.g. after a delivery to its peer failed. */
  forget (address: WalletAddress): void {
    this.known.delete(address)
  }

  private async fetch (owner: WalletAddress): Promise<PresenceRecord | undefined> {
    const { objects } = await this.deps.objects.fetchObjects(owner, { namespace: NS_PRESENCE_OBJECTS })
    const now = this.deps.now()
    const valid: PresenceRecord[] = []
    for (const object of objects) {
      try {
        valid.push(verifyPresence(object.bytes, owner, { now }))
      } catch (error) {
        if (error instanceof PresenceExpiredError || error instanceof PresenceNotYetValidError) continue
        this.deps.onRejected?.(owner, error instanceof Error ? error : new Error(String(error)))
      }
    }
    const record = valid[selectPresence(valid)]
    this.known.set(owner, { record, at: now })
    return record
  }
}
