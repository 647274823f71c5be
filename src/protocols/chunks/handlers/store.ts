import { InvalidSignatureError } from '../../../identity/index.ts'
import { QuotaExceededError } from '../../../store/index.ts'
import type { ShardIndex } from '../../../types/index.ts'
import { storeAckDigest, objectIdToBytes, type StoreBatchCommand, type StoreCommand, type StoreResultMessage } from '../../../wire/index.ts'
import { MalformedMessageError, OversizeMessageError, ShardHashMismatchError, UnsupportedVersionError } from '../../../wire/index.ts'
import { decodeSignedManifest, type SignedManifest } from '../../../wire/index.ts'
import { assertShardMatches } from '../../../wire/index.ts'
import { PlacementKeyMismatchError, UnsupportedNamespaceError, UnsupportedStripeError } from '../errors.ts'
import { assertPlacementAllowed, assertStripeAllowed, inboxRecipientOf } from '../../../placement/index.ts'
import type { InboxLimits } from '../inbox-limits.ts'
import { contactPassProblem } from '../inbox-budget.ts'
import { shardRecordFor } from '../shard-record.ts'
import { errorText } from '../../../errors/index.ts'
import { ChunkStatus, refuse, type HandlerContext, type Reply } from './context.ts'
import { deletedRefusal } from './delete.ts'

/**
 * STORE: checks run cheapest first and nothing is written unless all pass: shard size limit, manifest
 * (structure, version, owner signature), stripe (only the mesh's k + m, so one shard cannot make repairers build
 * hundreds), namespace and placement key (an owner writes only under their own
 * key; a sender only under the inbox key of the recipient its manifest names), the inbox object size limit,
 * shard index, shard size and hash against the manifest (version 2: the shard's proof up to the signed root); the object's tombstone (its owner deleted it: DELETED);
 * then, for a new inbox object, the sender's append rate into that inbox and the inbox's budget (inbox-budget.ts:
 * objects with the recipient's contact pass up to `maxHeldObjects`, strangers' only below `maxStrangerHeldObjects`
 * and at most `maxStrangerObjectsPerWindow` per window from all of them), and the store's quota. Storing the same
 * shard again is idempotent and re-acknowledged. A `sole` STORE (the sender places one shard per node) is refused
 * with HOLDS_OTHER_SHARD when this holder keeps another shard of the object: two nodes acting on different views
 * cannot put two shards on one node.
 */
export async function handleStore (context: HandlerContext, command: StoreCommand): Promise<Reply> {
  if (command.shard.length > context.maxShardBytes) {
    return refuse(ChunkStatus.OVERSIZE, `shard is ${command.shard.length} bytes; this holder accepts at most ${context.maxShardBytes}`)
  }
  let manifest: SignedManifest
  try {
    manifest = decodeSignedManifest(command.manifest)
  } catch (error) {
    return refuseManifest(error)
  }
  try {
    assertStripeAllowed(manifest, context.allowedStripes)
  } catch (error) {
    if (error instanceof UnsupportedStripeError) return refuse(ChunkStatus.UNSUPPORTED_STRIPE, error.message)
    throw error
  }
  try {
    assertPlacementAllowed(manifest, context.placementRules)
  } catch (error) {
    if (error instanceof UnsupportedNamespaceError) return refuse(ChunkStatus.UNSUPPORTED_NAMESPACE, error.message)
    if (error instanceof PlacementKeyMismatchError) return refuse(ChunkStatus.NOT_OWNER, error.message)
    throw error
  }
  const recipient = inboxRecipientOf(manifest.namespace)
  if (recipient !== undefined) {
    const tooBig = inboxSizeProblem(manifest, context.inboxLimits)
    if (tooBig !== undefined) return refuse(ChunkStatus.OVERSIZE, tooBig)
  }
  const { shardIndex, shard, shardProof } = command
  if (shardIndex >= manifest.k + manifest.m) {
    return refuse(ChunkStatus.MALFORMED, `shard index ${shardIndex} is outside the manifest's ${manifest.k + manifest.m} shards`)
  }
  let shardHash: Uint8Array
  try {
    // Version 1: against the listed hash; version 2: the proof from the shard's hash to the signed root.
    shardHash = assertShardMatches(manifest, shardIndex, shard, shardProof)
  } catch (error) {
    if (error instanceof ShardHashMismatchError) return refuse(ChunkStatus.HASH_MISMATCH, error.message)
    throw error
  }

  // Always right to refuse: the object ID hashes the signed manifest body, so content stored anew after a delete
  // is a new object with a new ID; only a saved copy of the deleted one can carry this ID.
  const deleted = await deletedRefusal(context.store, manifest.objectId, context.now(), context.tombstoneRetentionMs)
  if (deleted !== undefined) return refuse(ChunkStatus.DELETED, deleted)
  // The object's shards held here, read once when they matter (a sole STORE, an inbox append); else just this one.
  const held = command.sole === true || recipient !== undefined ? await context.store.listObjectShards(manifest.objectId) : undefined
  const existing = held !== undefined
    ? held.find(record => record.shardIndex === shardIndex)
    : await context.store.get(manifest.objectId, shardIndex as ShardIndex)
  let storedAt: number
  if (existing !== undefined) {
    // The object ID commits to the signed body, hence to its owner and shard commitments: a record under the same
    // key can only be this very shard. Checked anyway, since the store may hold records from elsewhere.
    if (existing.owner !== manifest.owner) {
      return refuse(ChunkStatus.NOT_OWNER, `shard ${shardIndex} of ${manifest.objectId} is held for ${existing.owner}, not ${manifest.owner}`)
    }
    storedAt = existing.storedAt
  } else {
    storedAt = context.now()
    const others = held ?? []
    if (command.sole === true && others.length > 0) {
      return refuse(ChunkStatus.HOLDS_OTHER_SHARD, `this holder keeps shard ${others.map(r => r.shardIndex).join(',')} of ` +
        `${manifest.objectId} already; the sender asked for shard ${shardIndex} to be its only one`)
    }
    let counted: (() => void) | undefined
    let inStore: (() => void) | undefined
    if (recipient !== undefined && others.length === 0) {
      // A new inbox object (further shards of one already held never count): the sender's rate applies, then the
      // inbox's budget, by lane (inbox-budget.ts).
      const admission = context.inboxAppends.admit(manifest.owner, recipient, manifest.objectId, storedAt, manifest.createdAt)
      if (!admission.admitted) {
        return refuse(ChunkStatus.QUOTA_EXCEEDED, `${manifest.owner} has put ${admission.count} objects into the inbox of ${recipient} ` +
          `on this holder within ${context.inboxLimits.windowMs} ms, its limit; send again later`)
      }
      const contact = command.inboxPass !== undefined && contactPassProblem(command.inboxPass, manifest, recipient) === undefined
      const stranger = contact ? undefined : context.strangerAppends.admit(STRANGERS, recipient, manifest.objectId, storedAt, manifest.createdAt)
      if (stranger !== undefined && !stranger.admitted) {
        admission.release()
        return refuse(ChunkStatus.QUOTA_EXCEEDED, `senders ${recipient} has not written to have put ${stranger.count} objects into their inbox ` +
          `on this holder within ${context.inboxLimits.windowMs} ms, the most it takes from them; send again later`)
      }
      const budget = await context.inboxLedger.admit(recipient, manifest.placementKey, contact)
      if (!budget.admitted) {
        admission.release()
        if (stranger?.admitted === true) stranger.release()
        return refuse(ChunkStatus.QUOTA_EXCEEDED, budget.reason)
      }
      counted = () => {
        admission.release()
        if (stranger?.admitted === true) stranger.release()
        budget.release()
      }
      inStore = budget.stored
    }
    try {
      await context.store.put(shardRecordFor({ manifest, manifestBytes: command.manifest, shardIndex, shard, shardHash, shardProof }, storedAt))
    } catch (error) {
      counted?.() // nothing was stored, so nothing counts
      if (error instanceof QuotaExceededError) return refuse(ChunkStatus.QUOTA_EXCEEDED, error.message)
      throw error
    }
    inStore?.()
    // A DELETE of the object that ran while this STORE waited on the store wrote its tombstone before deleting:
    // a shard put after that delete is found here and taken out again.
    const deletedMeanwhile = await deletedRefusal(context.store, manifest.objectId, context.now(), context.tombstoneRetentionMs)
    if (deletedMeanwhile !== undefined) {
      await context.store.delete(manifest.objectId, shardIndex as ShardIndex)
      counted?.()
      return refuse(ChunkStatus.DELETED, deletedMeanwhile)
    }
  }

  const signature = await context.sign(storeAckDigest(manifest.objectId, shardIndex, shardHash))
  context.log('stored shard %d of %s for %s (%d bytes)', shardIndex, manifest.objectId, manifest.owner, shard.length)
  return {
    status: ChunkStatus.OK,
    ack: {
      objectId: Uint8Array.from(objectIdToBytes(manifest.objectId)),
      shardIndex,
      shardHash: Uint8Array.from(shardHash),
      signature: Uint8Array.from(signature),
      storedAt
    }
  }
}

/**
 * Forged manifests a batch may carry before the holder stops checking the rest of it: each costs a signature
 * recovery, and an honest sender never sends one, so a batch cannot make a holder do more of that work than a few
 * STOREs alone would.
 */
export const MAX_FORGED_PER_BATCH = 2

/**
 * A batch of STOREs: each handled as a STORE alone, one after the other, and answered in order. One that fails
 * here (a storage failure) is answered INTERNAL and the others go on. After MAX_FORGED_PER_BATCH manifests that
 * fail their owner's signature, the rest are refused unread (BAD_SIGNATURE). The response itself is OK.
 */
export async function handleStoreBatch (context: HandlerContext, command: StoreBatchCommand): Promise<Reply> {
  const results: StoreResultMessage[] = []
  let forged = 0
  for (const store of command.stores) {
    let reply: Reply
    if (forged >= MAX_FORGED_PER_BATCH) {
      reply = refuse(ChunkStatus.BAD_SIGNATURE, `not checked: this batch carried ${forged} manifests that are not signed by their owner`)
    } else {
      try {
        reply = await handleStore(context, store)
      } catch (error) {
        context.log('a STORE of a batch failed: %s', errorText(error))
        reply = refuse(ChunkStatus.INTERNAL, 'the holder failed to store this shard; try again or use another holder')
      }
      if (reply.status === ChunkStatus.BAD_SIGNATURE) forged++
    }
    results.push({ status: reply.status, message: reply.message ?? '', ...(reply.ack !== undefined ? { ack: reply.ack } : {}) })
  }
  return { status: ChunkStatus.OK, results }
}

function refuseManifest (error: unknown): Reply {
  const message = `manifest refused: ${error instanceof Error ? error.message : String(error)}`
  if (error instanceof InvalidSignatureError) return refuse(ChunkStatus.BAD_SIGNATURE, message)
  if (error instanceof UnsupportedVersionError) return refuse(ChunkStatus.UNSUPPORTED_VERSION, message)
  if (error instanceof OversizeMessageError) return refuse(ChunkStatus.OVERSIZE, message)
  if (error instanceof MalformedMessageError) return refuse(ChunkStatus.MALFORMED, message)
  throw error
}

/** Why an inbox object is over the size limit, or undefined. Its k shards are bounded too, not only its length. */
function inboxSizeProblem (manifest: SignedManifest, limits: InboxLimits): string | undefined {
  const maxShardSize = Math.max(1, Math.ceil(limits.maxObjectBytes / manifest.k))
  if (manifest.originalLength > limits.maxObjectBytes || manifest.shardSize > maxShardSize) {
    return `inbox object ${manifest.objectId} is ${manifest.originalLength} bytes in ${manifest.k} shards of ${manifest.shardSize}; ` +
      `inboxes take objects of at most ${limits.maxObjectBytes} bytes`
  }
  return undefined
}

/** The one key under which strangers' new objects are counted per inbox (InboxAppendLimiter's sender). */
const STRANGERS = 'strangers'

export type InboxAdmission = { admitted: true, release: () => void } | { admitted: false, count: number }

/**
 * Counts the new objects each sender puts into each inbox on this holder, in a sliding window, and refuses past
 * `maxObjectsPerWindow`. Memory only: a restarted holder forgets, which costs a flood at most one more window.
 * Bounded: past `maxKeys` (sender, recipient) pairs, expired ones are dropped, then the oldest.
 */
export class InboxAppendLimiter {
  private readonly appends = new Map<string, Array<{ objectId: string, at: number }>>()

  constructor (private readonly limits: Pick<InboxLimits, 'maxObjectsPerWindow' | 'windowMs' | 'maxBackdatedPerWindow'>, private readonly maxKeys = 10_000) {}

  /**
   * Counts `objectId` for (sender, recipient) unless counted already within the window. An object created
   * (`createdAt`, signed by the sender) before the window counts against the backdated allowance instead.
   */
  admit (sender: string, recipient: string, objectId: string, now: number, createdAt: number = now): InboxAdmission {
    const backdated = createdAt < now - this.limits.windowMs
    const key = `${sender}>${recipient}${backdated ? '>old' : ''}`
    const limit = backdated ? this.limits.maxBackdatedPerWindow : this.limits.maxObjectsPerWindow
    const recent = this.recent(key, now)
    const entry = recent.find(candidate => candidate.objectId === objectId)
    if (entry === undefined && recent.length >= limit) {
      return { admitted: false, count: recent.length }
    }
    const counted = entry ?? { objectId, at: now }
    if (entry === undefined) recent.push(counted)
    this.appends.delete(key) // re-inserted last: Map order is then least recently used first
    this.appends.set(key, recent)
    this.bound(now)
    return {
      admitted: true,
      release: () => {
        const list = this.appends.get(key)
        const at = list?.indexOf(counted) ?? -1
        if (entry === undefined && at >= 0) list?.splice(at, 1)
      }
    }
  }

  private recent (key: string, now: number): Array<{ objectId: string, at: number }> {
    const list = this.appends.get(key) ?? []
    return list.filter(entry => now - entry.at < this.limits.windowMs)
  }

  private bound (now: number): void {
    if (this.appends.size <= this.maxKeys) return
    for (const [key] of this.appends) {
      const recent = this.recent(key, now)
      if (recent.length === 0) this.appends.delete(key)
      else this.appends.set(key, recent)
    }
    for (const key of this.appends.keys()) {
      if (this.appends.size <= this.maxKeys) break
      this.appends.delete(key)
    }
  }
}
