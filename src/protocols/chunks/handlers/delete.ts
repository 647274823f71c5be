import { NS_DELETE, sha256, toHex } from '../../../crypto/index.ts'
import { InvalidSignatureError, recoverAddress, type WalletAddress } from '../../../identity/index.ts'
import type { ObjectId, ShardIndex } from '../../../types/index.ts'
import type { ChunkStore, ShardRecord, Tombstone } from '../../../store/index.ts'
import { deleteAuthorization, type DeleteCommand } from '../../../wire/index.ts'
import { decodeSignedManifest } from '../../../wire/index.ts'
import { deleteAuthorityOf } from '../../../placement/index.ts'
import { ChunkStatus, refuse, type HandlerContext, type Reply } from './context.ts'

/**
 * DELETE: only the shards' delete authority may remove them: the owner recorded with them, except for inbox
 * objects, which only their recipient (named in the manifest) may remove, and their sender only within
 * `inboxLimits.senderUndoMs` of the holder storing them (a failed send taking back what it placed). In order: the
 * timestamp is inside the window (not older than `deleteMaxAgeMs`, not more than `deleteMaxSkewMs` ahead), the
 * signature recovers to the named signer, the authorisation was not used before (replay), the shards exist and
 * the signer is the authority of all of them. Nothing changes on any refusal. A replayed authorisation is
 * answered OK with nothing deleted, so a client that lost the first answer can retry. A delete of the whole object
 * leaves a tombstone (the signed authorisation, with the placement key the shards were held under) that bars the
 * object from being stored here again for `tombstoneRetentionMs`; expired tombstones are purged then.
 *
 * A whole-object delete older than `deleteMaxAgeMs` is a tombstone passed on by another holder (src/repair/
 * tombstone-relay.ts: this holder missed the owner's delete, offline or unreachable then, and kept its shards). It is
 * applied like the owner's own, with the same signature check, while it is within `tombstoneRetentionMs` of its
 * signed timestamp, on two further conditions: this holder keeps shards of the object (looked up before any
 * signature work, so junk costs a store read), and the signer is the object's delete authority. The clock window is
 * there so that an authorisation cannot be replayed long after it was signed; a whole-object delete replayed
 * within the retention can only remove shards of that one object (its ID commits to the signed manifest), which its
 * authority asked to remove, and which no holder that applied the delete takes back meanwhile anyway. Past the
 * retention, when those holders have forgotten the delete too, it is EXPIRED as before. Excluded: a single-shard
 * delete (it leaves no tombstone, and the shard may legitimately be stored again), and an inbox sender's undo right,
 * whose window runs from when this holder stored the shard and so cannot be judged from a signature dated by the
 * sender itself.
 */
export async function handleDelete (context: HandlerContext, command: DeleteCommand): Promise<Reply> {
  const now = context.now()
  const { objectId, shardIndex, owner, timestamp, signature } = command
  const passedOn = now - timestamp > context.deleteMaxAgeMs
  if (passedOn && (shardIndex !== undefined || now - timestamp > context.tombstoneRetentionMs)) {
    const further = shardIndex === undefined ? ` (or, passed on by another holder, ${context.tombstoneRetentionMs} ms)` : ''
    return refuse(ChunkStatus.EXPIRED, `delete authorisation is ${now - timestamp} ms old; holders accept at most ${context.deleteMaxAgeMs} ms${further} ` +
      '(check the device clock and sign again)')
  }
  if (timestamp - now > context.deleteMaxSkewMs) {
    return refuse(ChunkStatus.EXPIRED, `delete authorisation is dated ${timestamp - now} ms ahead of this holder's clock; at most ${context.deleteMaxSkewMs} ms is accepted`)
  }
  let targets: ShardRecord[] | undefined
  if (passedOn) {
    targets = await context.store.listObjectShards(objectId)
    if (targets.length === 0) return refuse(ChunkStatus.NOT_FOUND, `no shard of ${objectId} is held here`)
  }
  let signer: string
  try {
    signer = recoverAddress(NS_DELETE, deleteAuthorization(objectId, shardIndex, timestamp), signature)
  } catch (error) {
    if (error instanceof InvalidSignatureError) return refuse(ChunkStatus.BAD_SIGNATURE, `delete authorisation: ${error.message}`)
    throw error
  }
  if (signer !== owner) {
    return refuse(ChunkStatus.BAD_SIGNATURE, `delete authorisation is signed by ${signer}, not by the owner it names (${owner})`)
  }
  const replayKey = toHex(sha256(signature))
  if (context.replayGuard.has(replayKey, now)) {
    return { status: ChunkStatus.OK, message: 'this delete authorisation was already applied', deleted: 0 }
  }

  targets ??= shardIndex === undefined
    ? await context.store.listObjectShards(objectId)
    : [await context.store.get(objectId, shardIndex as ShardIndex)].filter(record => record !== undefined)
  if (targets.length === 0) {
    return refuse(ChunkStatus.NOT_FOUND, `no shard${shardIndex === undefined ? '' : ` ${shardIndex}`} of ${objectId} is held here`)
  }
  const authorities = new Map<string, string>() // manifest hash → authority: the shards of one object share it
  const authority = (record: ShardRecord): string => {
    const key = toHex(sha256(record.manifest))
    let known = authorities.get(key)
    if (known === undefined) authorities.set(key, known = authorityOf(record))
    return known
  }
  // The sender of an inbox object may take it back for a short while after it was stored here (a failed send
  // cleaning up: no orphan shards); then only the recipient may.
  const undoing = (record: ShardRecord): boolean => !passedOn && record.owner === owner && authority(record) !== owner &&
    now - record.storedAt < context.inboxLimits.senderUndoMs
  const foreign = targets.find(record => authority(record) !== owner && !undoing(record))
  if (foreign !== undefined) {
    const sender = foreign.owner !== owner ? '' : passedOn
      ? ' (its sender\'s undo is not passed on between holders)'
      : ` (its sender may, within ${context.inboxLimits.senderUndoMs} ms of its storing)`
    return refuse(ChunkStatus.NOT_OWNER, `shard ${foreign.shardIndex} of ${objectId} may be deleted only by ${authority(foreign)}${sender}, not by ${owner}`)
  }
  if (shardIndex === undefined) {
    // Tombstones need no quota: only the delete authority of shards held here can leave one, one per object, and
    // only for an object of which this holder kept at least one shard until now. Written before the shards go, so
    // a STORE racing this delete either puts its shard before the delete removes it or finds the tombstone after.
    await context.store.putTombstone({ objectId, owner, deletedAt: timestamp, signature, placementKey: targets[0].placementKey })
    await context.store.purgeTombstones(now - context.tombstoneRetentionMs)
  }
  const deleted = await context.store.delete(objectId, shardIndex as ShardIndex | undefined)
  // An inbox's held count is read again before its next refusal (the recipient removed what it had read).
  const recipient = authority(targets[0])
  if (deleted > 0 && recipient !== targets[0].owner) context.inboxLedger.removed(recipient as WalletAddress)
  // Remember it until no holder would accept it anyway: the timestamp may be up to the skew ahead of `now`.
  context.replayGuard.add(replayKey, now + context.deleteMaxAgeMs + context.deleteMaxSkewMs, now)
  context.log('deleted %d shard(s) of %s for %s%s', deleted, objectId, owner, passedOn ? ' (a delete passed on by another holder)' : '')
  return { status: ChunkStatus.OK, deleted }
}

/**
 * Why `store` refuses `objectId` at `now`: a refusal text when it keeps a tombstone of it younger than
 * `retentionMs`, else undefined. An older tombstone bars nothing: it is purged, with every other expired one.
 */
export async function deletedRefusal (store: ChunkStore, objectId: ObjectId, now: number, retentionMs: number): Promise<string | undefined> {
  const tombstone = await store.getTombstone(objectId)
  if (tombstone === undefined) return undefined
  if (tombstone.deletedAt < now - retentionMs) {
    await store.purgeTombstones(now - retentionMs)
    return undefined
  }
  const days = Math.floor(retentionMs / 86_400_000)
  return `object ${tombstone.objectId} was deleted by its owner ${tombstone.owner} (signed delete dated ` +
    `${tombstone.deletedAt} ms since the epoch); this holder refuses it for ${days >= 1 ? `${days} days` : `${retentionMs} ms`} ` +
    'after the delete: store the content as a new object if it is wanted again'
}

/** True when the tombstone's signature is its owner's authorisation to delete the whole object at `deletedAt`. */
export function isValidTombstone (tombstone: Tombstone): boolean {
  try {
    return recoverAddress(NS_DELETE, deleteAuthorization(tombstone.objectId, undefined, tombstone.deletedAt), tombstone.signature) === tombstone.owner
  } catch {
    return false
  }
}

/**
 * Who may delete a held shard, from the manifest stored with it (verified when it was stored; decoded again
 * because records keep the owner but not the namespace). A record whose manifest no longer decodes falls back
 * to its recorded owner.
 */
function authorityOf (record: ShardRecord): string {
  try {
    return deleteAuthorityOf(decodeSignedManifest(record.manifest))
  } catch {
    return record.owner
  }
}
