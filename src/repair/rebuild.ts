/**
 * Rebuilding an object's missing shards: gather k verified shards (this node's own first, then from the nearest
 * holders, exactly as many requests as shards still needed, so a repair reads the floor of k shards unless a holder
 * fails), reconstruct with the erasure module, check the rebuilt codeword against the owner-signed manifest (a
 * version-2 manifest's shard tree, recomputed, also gives each rebuilt shard its proof) and store each shard on its
 * planned node, falling back to the next node holding nothing of the object.
 */
import { reconstructShards } from '../erasure/index.ts'
import { RemoteBusyError, type FetchedShard } from '../protocols/index.ts'
import { checkCodeword, verifyShard, type SignedManifest } from '../wire/index.ts'
import type { RepairContext } from './context.ts'
import type { KeyShardPool } from './key-pool.ts'
import { NoShardTargetError, RebuiltShardMismatchError, RepairShortOfShardsError } from './errors.ts'
import type { ShardRebuild } from './plan.ts'
import { sleep } from '../async/index.ts'
import { errorText } from '../errors/index.ts'
import type { RepairTask } from './report.ts'

export interface RebuildInput {
  manifest: SignedManifest
  manifestBytes: Uint8Array
  /** Missing indices and the node each goes to. */
  rebuilds: readonly ShardRebuild[]
  /** Other nodes holding shards of the object, nearest first: where shards are read from. */
  sources: readonly string[]
  /** Nodes holding nothing of the object, nearest first: where a shard goes when its planned node refuses it. */
  spares: readonly string[]
  task: RepairTask
  /** Told about each of this node's own shards that fails verification (it is never used). */
  onCorruptLocal: (shardIndex: number) => void
  /** The key's shards read once for all its rebuilds this round (key-pool.ts); read before asking `sources`. */
  pool?: KeyShardPool
}

/**
 * Rebuilds and stores every shard in `input.rebuilds`; fills in the task's from/to and byte counts as it goes.
 * @throws {RepairShortOfShardsError} | {RebuiltShardMismatchError} | {NoShardTargetError} (after storing what it could)
 */
export async function rebuildShards (ctx: RepairContext, input: RebuildInput): Promise<void> {
  const { manifest, task } = input
  const started = Date.now()
  const slots = await gatherShards(ctx, input)
  task.readMs = Date.now() - started
  let rebuilt: Uint8Array[]
  try {
    rebuilt = await reconstructShards(slots, manifest.k, manifest.m)
  } catch (error) {
    // Every input shard was verified against the manifest, so a failure here is the library's (ENVIRONMENT.md:
    // its reconstruct is unreliable across patterns); the codec restarts its instance, so try once more.
    ctx.log(`repair: reconstructing ${manifest.objectId} failed once (${errorText(error)}); retrying`)
    rebuilt = await reconstructShards(slots, manifest.k, manifest.m)
  }
  // The whole rebuilt codeword against the manifest: version 1 lists each shard's hash; version 2 signs the root
  // of all k + m, and the tree recomputed here gives each rebuilt shard the proof its new holder needs.
  const { mismatched, proofs } = checkCodeword(manifest, rebuilt)
  const wrong = input.rebuilds.filter(({ index }) => mismatched.includes(index)).map(({ index }) => index)
  if (wrong.length > 0) {
    throw new RebuiltShardMismatchError(`rebuilt shards ${wrong.join(', ')} of ${manifest.objectId} do not match their manifest ` +
      `(${manifest.version === 1 ? 'shard hashes' : 'shard root'}); nothing was stored`)
  }
  const writing = Date.now()
  await storeRebuilt(ctx, input, rebuilt, proofs)
  task.writeMs = Date.now() - writing
  if (task.to.length < input.rebuilds.length) {
    throw new NoShardTargetError(`stored ${task.to.length} of the ${input.rebuilds.length} rebuilt shards of ${manifest.objectId}: no other live node accepted the rest`)
  }
}

/** Before asking busy holders again. */
const BUSY_RETRY_PAUSE_MS = 300

async function gatherShards (ctx: RepairContext, input: RebuildInput): Promise<Array<Uint8Array | null>> {
  const { manifest, task } = input
  const slots = new Array<Uint8Array | null>(manifest.k + manifest.m).fill(null)
  let present = 0
  const add = (index: number, shard: Uint8Array): boolean => {
    if (slots[index] !== null) return false
    slots[index] = shard
    present++
    return true
  }

  const local = await ctx.exchange.fetch(ctx.selfId, { objectId: manifest.objectId }, { onRejected: rejected => { input.onCorruptLocal(rejected.shardIndex) } })
  for (const shard of local) {
    if (add(shard.shardIndex, shard.shard)) task.bytesRead += shard.shard.length
  }
  if (local.length > 0) task.from.push(ctx.selfId)

  /** Shards `peer` sent for this object. */
  const take = (peer: string, shards: readonly FetchedShard[]): void => {
    let used = false
    for (const shard of shards) {
      task.bytesFetched += shard.shard.length
      task.bytesRead += shard.shard.length
      // fetchShards verified it against the manifest it came with; that manifest must be this object's, and
      // the shard must match the copy of the manifest this node holds.
      if (shard.manifest.objectId !== manifest.objectId || !verifyShard(manifest, shard.shardIndex, shard.shard, shard.shardProof)) {
        task.rejectedShards++
        continue
      }
      if (add(shard.shardIndex, shard.shard)) used = true
    }
    if (used && !task.from.includes(peer)) task.from.push(peer)
  }

  // The pool, when it read this object (it reads the objects this node meant to rebuild when the round began).
  const pool = input.pool?.covers(manifest.objectId) === true ? input.pool : undefined
  if (pool !== undefined) {
    const byPeer = new Map<string, FetchedShard[]>()
    for (const { peer, shard } of await pool.shardsOf(manifest.objectId)) byPeer.set(peer, [...(byPeer.get(peer) ?? []), shard])
    for (const [peer, shards] of byPeer) take(peer, shards)
  }
  // Holders that answered the key's FETCH already gave everything they hold of this object.
  const queue = input.sources.filter(peer => pool?.answered.has(peer) !== true)
  const failures: string[] = []
  const askedAgain = new Set<string>()
  while (present < manifest.k && queue.length > 0) {
    // One request per shard still needed: holders normally keep one shard each, so this reads exactly k.
    const wave = queue.splice(0, manifest.k - present)
    await Promise.all(wave.map(async peer => {
      try {
        // Every holder sends the same manifest bytes: its owner signature is checked once per round, not per holder.
        take(peer, await ctx.exchange.fetch(peer, { objectId: manifest.objectId }, {
          signal: ctx.signal, checkedManifests: ctx.checkedManifests, onRejected: () => { task.rejectedShards++ }
        }))
      } catch (error) {
        // A busy holder (serving as many requests from this node as it takes at once) is asked once more later.
        if (error instanceof RemoteBusyError && !askedAgain.has(peer)) {
          askedAgain.add(peer)
          queue.push(peer)
          return
        }
        failures.push(`${peer}: ${errorText(error)}`)
      }
    }))
    ctx.signal.throwIfAborted()
    if (present < manifest.k && queue.some(peer => askedAgain.has(peer))) await sleep(BUSY_RETRY_PAUSE_MS, ctx.signal)
  }
  if (present < manifest.k) {
    const why = [`${failures.length} holders failed`, `${task.rejectedShards} shards failed verification`]
    if (failures.length > 0) why.push(`first: ${failures[0]}`)
    throw new RepairShortOfShardsError(manifest.objectId, present, manifest.k, why.join(', '))
  }
  return slots
}

async function storeRebuilt (ctx: RepairContext, input: RebuildInput, rebuilt: Uint8Array[],
  proofs: ReadonlyArray<Uint8Array | undefined>): Promise<void> {
  const { manifest, manifestBytes, task } = input
  const spares = input.spares.filter(peer => !input.rebuilds.some(r => r.to === peer))
  const nextSpare = (): string | undefined => {
    // Claimed at once, so two failing stores never fall back onto the same node.
    while (spares.length > 0) {
      const peer = spares.shift() as string
      if (!ctx.isDead(peer)) return peer
    }
    return undefined
  }
  await Promise.all(input.rebuilds.map(async ({ index, to, sole }) => {
    await storeOneRebuilt(ctx, manifest, manifestBytes, task, index, { to, sole }, { shard: rebuilt[index], shardProof: proofs[index] }, nextSpare)
  }))
  ctx.log(`repair: rebuilt ${task.placements.length} of ${input.rebuilds.length} lost shards of ${manifest.objectId} ` +
    `(${task.placements.map(p => `${p.shardIndex}→${p.peer}`).join(', ')})`)
}

/**
 * Stores rebuilt shard `index` on its planned holder, or on the next live spare when that fails. A spare holds
 * nothing of the object, so it is asked to keep this shard as its only one, as is a planned holder with `sole`.
 */
async function storeOneRebuilt (ctx: RepairContext, manifest: SignedManifest, manifestBytes: Uint8Array, task: RepairTask,
  index: number, planned: { to: string, sole: boolean }, rebuilt: { shard: Uint8Array, shardProof?: Uint8Array },
  nextSpare: () => string | undefined): Promise<void> {
  const shard = Uint8Array.from(rebuilt.shard)
  const { shardProof } = rebuilt
  let sole = planned.sole
  for (let target: string | undefined = planned.to; target !== undefined; target = nextSpare(), sole = true) {
    if (ctx.isDead(target)) continue
    try {
      await ctx.exchange.store(target, { manifest, manifestBytes, shardIndex: index, shard, shardProof, sole }, { signal: ctx.signal, coalesce: true })
      task.bytesWritten += shard.length
      // A receipt proves nothing by itself (a node may acknowledge a STORE and keep nothing), but it is signed: the
      // repairer's next survey of the key holds the target to it (acknowledged-shards.ts). Checking it there rather
      // than reading every rebuilt shard back here keeps a rebuild to one request per shard placed.
      ctx.acknowledged?.(target, manifest.placementKey, manifest.objectId, index)
      task.to.push(target)
      task.placements.push({ shardIndex: index, peer: target })
      return
    } catch (error) {
      ctx.signal.throwIfAborted()
      ctx.log(`repair: storing rebuilt shard ${index} of ${manifest.objectId} on ${target} failed: ${errorText(error)}`)
    }
  }
}
