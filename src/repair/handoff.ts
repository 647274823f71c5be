/**
 * Steps a holder takes on its own shards only: hand a shard off to the node that should hold it, or delete a copy
 * another expected holder keeps. Local deletes go straight to this node's own store (no owner-signed DELETE is
 * needed for one's own store), and only after the other side is proven to hold the shard: its copy, fetched back
 * and verified against the manifest, for a hand-off (after the STORE) as for a drop. A receipt alone proves nothing:
 * a node may acknowledge a STORE and keep nothing. So neither step can lose the last copy. A node that fails that
 * challenge is distrusted (`ctx.distrust`): it leaves the repairer's rings, so it is offered no further shard.
 */
import type { ShardIndex } from '../types/index.ts'
import { verifyShard, type SignedManifest } from '../wire/index.ts'
import type { RepairContext } from './context.ts'
import { KeeperMissingShardError, NoShardTargetError } from './errors.ts'
import type { RepairTask } from './report.ts'

/**
 * Sends this node's shard `index` to `to` as its only shard of the object (a target that took another one
 * meanwhile refuses), reads it back from `to`, then deletes it here. Returns false when the local shard failed
 * verification.
 * @throws {KeeperMissingShardError} when `to` acknowledged the STORE but sends no valid copy back (this node keeps its own)
 */
export async function handOffShard (ctx: RepairContext, manifest: SignedManifest, manifestBytes: Uint8Array, index: number,
  to: string, task: RepairTask): Promise<boolean> {
  const record = await ctx.store.get(manifest.objectId, index as ShardIndex)
  if (record === undefined) return true // gone meanwhile (deleted by its owner): nothing to hand off
  if (!verifyShard(manifest, index, record.data, record.shardProof)) return false
  task.bytesRead += record.data.length
  task.from.push(ctx.selfId)
  if (ctx.isDead(to)) throw new NoShardTargetError(`hand-off target ${to} of shard ${index} of ${manifest.objectId} is dead`)
  await ctx.exchange.store(to, { manifest, manifestBytes, shardIndex: index, shard: record.data, shardProof: record.shardProof, sole: true }, { signal: ctx.signal, coalesce: true })
  task.bytesWritten += record.data.length
  await confirmHeld(ctx, manifest, index, to, task, 'acknowledged')
  task.to.push(to)
  task.placements.push({ shardIndex: index, peer: to })
  await ctx.store.delete(manifest.objectId, index as ShardIndex)
  return true
}

/** Deletes this node's copy of shard `index` once `keeper` is shown to hold a valid copy of it. */
export async function dropDuplicate (ctx: RepairContext, manifest: SignedManifest, index: number, keeper: string,
  task: RepairTask): Promise<void> {
  await confirmHeld(ctx, manifest, index, keeper, task, 'should keep')
  await ctx.store.delete(manifest.objectId, index as ShardIndex)
}

/** Fetches `keeper`'s copy of shard `index` and verifies it; throws KeeperMissingShardError unless it is valid, and distrusts the keeper. */
async function confirmHeld (ctx: RepairContext, manifest: SignedManifest, index: number, keeper: string, task: RepairTask,
  why: 'acknowledged' | 'should keep'): Promise<void> {
  const shards = await ctx.exchange.fetch(keeper, { objectId: manifest.objectId }, {
    signal: ctx.signal, checkedManifests: ctx.checkedManifests, onRejected: () => { task.rejectedShards++ }
  })
  for (const shard of shards) task.bytesFetched += shard.shard.length
  task.from.push(keeper)
  const kept = shards.some(shard => shard.shardIndex === index && shard.manifest.objectId === manifest.objectId &&
    verifyShard(manifest, index, shard.shard, shard.shardProof))
  if (!kept) {
    ctx.distrust?.(keeper, `${why} shard ${index} of ${manifest.objectId} but sent no valid copy`)
    throw new KeeperMissingShardError(`${keeper} ${why} shard ${index} of ${manifest.objectId} but sent no valid copy; this node keeps its own`)
  }
}
