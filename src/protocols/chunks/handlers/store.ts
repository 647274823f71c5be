import { InvalidSignatureError } from '../../../identity/index.ts'
import { QuotaExceededError } from '../../../store/index.ts'
import type { ShardIndex } from '../../../types/index.ts'
import { storeAckDigest, objectIdToBytes, type StoreCommand } from '../../../wire/chunks-codec.ts'
import { MalformedMessageError, OversizeMessageError, ShardHashMismatchError, UnsupportedVersionError } from '../../../wire/errors.ts'
import { decodeSignedManifest, type SignedManifest } from '../../../wire/manifest-codec.ts'
import { assertShardMatches } from '../../../wire/manifest-shards.ts'
import { PlacementKeyMismatchError, UnsupportedNamespaceError } from '../errors.ts'
import { assertPlacementAllowed } from '../placement-key.ts'
import { shardRecordFor } from '../shard-record.ts'
import { ChunkStatus, refuse, type HandlerContext, type Reply } from './context.ts'

/**
 * STORE: checks run cheapest first and nothing is written unless all pass: shard size limit, manifest
 * (structure, version, owner signature), namespace and placement key (an owner writes only under their own
 * key), shard index, shard size and hash against the manifest; then the store's quota. Storing the same shard
 * again is idempotent and re-acknowledged.
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
    assertPlacementAllowed(manifest, context.placementRules)
  } catch (error) {
    if (error instanceof UnsupportedNamespaceError) return refuse(ChunkStatus.UNSUPPORTED_NAMESPACE, error.message)
    if (error instanceof PlacementKeyMismatchError) return refuse(ChunkStatus.NOT_OWNER, error.message)
    throw error
  }
  const { shardIndex, shard } = command
  if (shardIndex >= manifest.k + manifest.m) {
    return refuse(ChunkStatus.MALFORMED, `shard index ${shardIndex} is outside the manifest's ${manifest.k + manifest.m} shards`)
  }
  try {
    assertShardMatches(manifest, shardIndex, shard)
  } catch (error) {
    if (error instanceof ShardHashMismatchError) return refuse(ChunkStatus.HASH_MISMATCH, error.message)
    throw error
  }

  const shardHash = manifest.shardHashes[shardIndex] // just checked equal to the shard's SHA-256
  const existing = await context.store.get(manifest.objectId, shardIndex as ShardIndex)
  let storedAt: number
  if (existing !== undefined) {
    // The object ID commits to the signed body, hence to its owner and shard hashes: a record under the same
    // key can only be this very shard. Checked anyway, since the store may hold records from elsewhere.
    if (existing.owner !== manifest.owner) {
      return refuse(ChunkStatus.NOT_OWNER, `shard ${shardIndex} of ${manifest.objectId} is held for ${existing.owner}, not ${manifest.owner}`)
    }
    storedAt = existing.storedAt
  } else {
    storedAt = context.now()
    try {
      await context.store.put(shardRecordFor(manifest, command.manifest, shardIndex, shard, storedAt))
    } catch (error) {
      if (error instanceof QuotaExceededError) return refuse(ChunkStatus.QUOTA_EXCEEDED, error.message)
      throw error
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

function refuseManifest (error: unknown): Reply {
  const message = `manifest refused: ${error instanceof Error ? error.message : String(error)}`
  if (error instanceof InvalidSignatureError) return refuse(ChunkStatus.BAD_SIGNATURE, message)
  if (error instanceof UnsupportedVersionError) return refuse(ChunkStatus.UNSUPPORTED_VERSION, message)
  if (error instanceof OversizeMessageError) return refuse(ChunkStatus.OVERSIZE, message)
  if (error instanceof MalformedMessageError) return refuse(ChunkStatus.MALFORMED, message)
  throw error
}
