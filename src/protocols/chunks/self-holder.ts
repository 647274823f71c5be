/**
 * This node as a holder of its own objects' shards. libp2p cannot dial itself, so when placement picks this
 * node the shard goes straight into its own store, after the checks a remote holder's chunk service runs
 * (placement rule, shard index, size and hash), and reads verify what the store returns as the chunk client
 * verifies what a remote holder sends.
 */
import { bytesEqual, toHex } from '../../crypto/index.ts'
import type { ChunkStore, ShardRecord } from '../../store/index.ts'
import type { ObjectId, PeerIdString, ShardIndex } from '../../types/index.ts'
import { ChunkStatus, storeAckDigest } from '../../wire/index.ts'
import { MalformedMessageError } from '../../wire/index.ts'
import { decodeSignedManifest, type SignedManifest } from '../../wire/index.ts'
import { assertShardMatches } from '../../wire/index.ts'
import type { FetchedShard, RejectedShard, StoreReceipt, StoreShardInput } from './client.ts'
import { InvalidChunkResponseError, RemoteHoldsOtherShardError, RemoteNotOwnerError, RemoteObjectDeletedError } from './errors.ts'
import { DEFAULT_TOMBSTONE_RETENTION_MS } from './constants.ts'
import { deletedRefusal } from './handlers/delete.ts'
import { assertPlacementAllowed, type PlacementRules } from '../../placement/index.ts'
import { shardRecordFor } from './shard-record.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface SelfHolder {
  peerId: string
  store: ChunkStore
  placementRules: PlacementRules
  /** Signs receipts for shards kept here, as a remote holder signs its own; without it they carry no signature. */
  nodeKey?: PrivateKey
  now: () => number
  /** How long a tombstone in `store` bars its object (default DEFAULT_TOMBSTONE_RETENTION_MS, as holders use). */
  tombstoneRetentionMs?: number
}

/**
 * Keeps shard `shardIndex` of a manifest in this node's own store and returns a receipt like a remote holder's.
 * Storing the same shard again is idempotent. An object whose tombstone this node keeps (its owner deleted it
 * through this node's chunk service) is refused, as a remote holder refuses it.
 * @throws the same errors a remote holder's refusal maps to (PlacementKeyMismatchError, ShardHashMismatchError,
 *   RemoteObjectDeletedError, QuotaExceededError...)
 */
export async function storeOnSelf (self: SelfHolder, input: StoreShardInput): Promise<StoreReceipt> {
  const { manifest, shardIndex, shard, shardProof, sole = false } = input
  assertPlacementAllowed(manifest, self.placementRules)
  if (!Number.isInteger(shardIndex) || shardIndex < 0 || shardIndex >= manifest.k + manifest.m) {
    throw new MalformedMessageError(`shard index ${shardIndex} is outside the manifest's ${manifest.k + manifest.m} shards`)
  }
  const shardHash = assertShardMatches(manifest, shardIndex, shard, shardProof)
  const retentionMs = self.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS
  const deleted = async (): Promise<RemoteObjectDeletedError | undefined> => {
    const refusal = await deletedRefusal(self.store, manifest.objectId, self.now(), retentionMs)
    return refusal === undefined ? undefined : new RemoteObjectDeletedError(ChunkStatus.DELETED, self.peerId, refusal)
  }
  const refused = await deleted()
  if (refused !== undefined) throw refused
  const existing = await self.store.get(manifest.objectId, shardIndex as ShardIndex)
  let storedAt: number
  if (existing !== undefined) {
    if (existing.owner !== manifest.owner) {
      throw new RemoteNotOwnerError(ChunkStatus.NOT_OWNER, self.peerId, `shard ${shardIndex} of ${manifest.objectId} is held for ${existing.owner}`)
    }
    storedAt = existing.storedAt
  } else {
    // The holder's rule for a `sole` STORE (handlers/store.ts), applied to this node's own store.
    const others = sole ? await self.store.listObjectShards(manifest.objectId) : []
    if (others.length > 0) {
      throw new RemoteHoldsOtherShardError(ChunkStatus.HOLDS_OTHER_SHARD, self.peerId,
        `this node keeps shard ${others.map(r => r.shardIndex).join(',')} of ${manifest.objectId} already`)
    }
    storedAt = Math.floor(self.now())
    await self.store.put(shardRecordFor({ manifest, manifestBytes: input.manifestBytes, shardIndex, shard, shardHash, shardProof }, storedAt))
    // The chunk service may have applied a DELETE of the object meanwhile (handlers/store.ts checks the same way).
    const refusedLate = await deleted()
    if (refusedLate !== undefined) {
      await self.store.delete(manifest.objectId, shardIndex as ShardIndex)
      throw refusedLate
    }
  }
  const signature = self.nodeKey === undefined
    ? new Uint8Array(0)
    : await self.nodeKey.sign(storeAckDigest(manifest.objectId, shardIndex, shardHash))
  return {
    holder: self.peerId as PeerIdString,
    objectId: manifest.objectId,
    shardIndex,
    shardHash: Uint8Array.from(shardHash),
    signature: Uint8Array.from(signature),
    storedAt
  }
}

/**
 * The shards this node's own store holds for a placement key or one object, each verified as the chunk client
 * verifies a remote holder's (manifest signature, requested key or object, placement rule, size and hash).
 * Records failing a check are skipped and passed to `onRejected`.
 */
export async function readFromSelf (self: SelfHolder, target: Uint8Array | { objectId: ObjectId },
  onRejected: (rejected: RejectedShard) => void, manifests = new Map<string, SignedManifest | Error>()): Promise<FetchedShard[]> {
  const records = target instanceof Uint8Array
    ? await self.store.listByPlacementKey(target)
    : await self.store.listObjectShards(target.objectId)
  const result: FetchedShard[] = []
  for (const record of records) {
    const checked = checkRecord(record, target, self.placementRules, manifests)
    if (checked instanceof Error) {
      onRejected({ peer: self.peerId, shardIndex: record.shardIndex, objectId: record.objectId, reason: checked })
      continue
    }
    result.push({
      manifest: checked.manifest,
      manifestBytes: record.manifest,
      shardIndex: record.shardIndex,
      shard: record.data,
      ...(record.shardProof === undefined ? {} : { shardProof: record.shardProof }),
      shardHash: checked.shardHash
    })
  }
  return result
}

/** The record's verified manifest and shard hash, or why the record cannot be trusted. */
function checkRecord (record: ShardRecord, target: Uint8Array | { objectId: ObjectId }, rules: PlacementRules,
  manifests: Map<string, SignedManifest | Error>): { manifest: SignedManifest, shardHash: Uint8Array } | Error {
  const key = toHex(record.manifest)
  let manifest = manifests.get(key)
  if (manifest === undefined) {
    try {
      manifest = decodeSignedManifest(record.manifest)
    } catch (error) {
      manifest = error instanceof Error ? error : new Error(String(error))
    }
    manifests.set(key, manifest)
  }
  if (manifest instanceof Error) return manifest
  if (manifest.objectId !== record.objectId) {
    return new InvalidChunkResponseError(`stored shard ${record.shardIndex} is filed under ${record.objectId} but its manifest is ${manifest.objectId}`)
  }
  if (target instanceof Uint8Array ? !bytesEqual(manifest.placementKey, target) : manifest.objectId !== target.objectId) {
    return new InvalidChunkResponseError(`stored shard ${record.shardIndex} of ${manifest.objectId} does not belong to the requested ${target instanceof Uint8Array ? 'placement key' : 'object'}`)
  }
  try {
    assertPlacementAllowed(manifest, rules)
    return { manifest, shardHash: assertShardMatches(manifest, record.shardIndex, record.data, record.shardProof) }
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}
