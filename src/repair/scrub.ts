/**
 * Checking this node's own shards against their owner-signed manifests. A shard whose bytes changed in the store
 * (disk or IndexedDB corruption, a bug) is deleted: then the survey shows its index as missing and the object's
 * repairer rebuilds it. Deleting is what makes it visible: a STORE of the good shard onto a node that still holds
 * a record under the same key changes nothing (the chunk service treats it as a repeat), and other nodes cannot
 * tell a corrupt record from a good one by its LIST summary.
 *
 * The checks are those `readFromSelf` runs (src/mesh/object-self-holder.ts), except that a manifest's signature
 * is verified once per object and remembered (`ManifestCache`): scrubbing runs every round, and recovering a
 * secp256k1 signature per shard per round was most of a round's CPU time.
 */
import { UnsupportedNamespaceError, assertPlacementAllowed, type PlacementRules } from '../placement/index.ts'
import type { ShardRecord, ShardSummary } from '../store/index.ts'
import type { ObjectId, ShardIndex } from '../types/index.ts'
import { assertShardMatches } from '../wire/index.ts'
import type { RepairContext } from './context.ts'
import type { ManifestCache } from './manifest-cache.ts'
import { errorText } from '../errors/index.ts'

export interface CorruptShard { objectId: ObjectId, placementKey: Uint8Array, shardIndex: number, reason: string }

/**
 * Verifies up to `budgetBytes` of shards, starting after `cursor` (an `objectId/index` position) and wrapping
 * around, so a large store is covered over several rounds. Deletes each shard that fails and reports it.
 * Returns the position to resume after next time.
 */
export async function scrubShards (ctx: RepairContext, manifests: ManifestCache, summaries: readonly ShardSummary[],
  cursor: string | undefined, budgetBytes: number, onCorrupt: (shard: CorruptShard) => void): Promise<string | undefined> {
  const position = (summary: ShardSummary): string => `${summary.objectId}/${String(summary.shardIndex).padStart(3, '0')}`
  const sorted = [...summaries].sort((a, b) => position(a) < position(b) ? -1 : 1)
  const start = cursor === undefined ? 0 : sorted.findIndex(summary => position(summary) > cursor)
  const order = start <= 0 ? sorted : [...sorted.slice(start), ...sorted.slice(0, start)]
  let spent = 0
  let last = cursor
  for (const summary of order) {
    if (spent > 0 && spent + summary.size > budgetBytes) break
    ctx.signal.throwIfAborted()
    spent += summary.size
    last = position(summary)
    const record = await ctx.store.get(summary.objectId, summary.shardIndex)
    if (record === undefined) continue // deleted meanwhile
    const problem = recordProblem(record, manifests, ctx.placementRules)
    if (problem === undefined) continue
    await ctx.store.delete(record.objectId, record.shardIndex as ShardIndex)
    onCorrupt({ objectId: record.objectId, placementKey: record.placementKey, shardIndex: record.shardIndex, reason: problem })
  }
  return last
}

/** Why a stored record cannot be trusted, or undefined when it can. */
function recordProblem (record: ShardRecord, manifests: ManifestCache, rules: PlacementRules): string | undefined {
  const manifest = manifests.verified(record.objectId, record.manifest)
  if (manifest instanceof Error) return `its manifest does not verify: ${errorText(manifest)}`
  try {
    assertPlacementAllowed(manifest, rules)
  } catch (error) {
    // A namespace this build does not know is not corruption: a newer node may have accepted it.
    if (error instanceof UnsupportedNamespaceError) return undefined
    return errorText(error)
  }
  try {
    assertShardMatches(manifest, record.shardIndex, record.data, record.shardProof)
  } catch (error) {
    return errorText(error)
  }
  return undefined
}
