/**
 * The shards the nearest holders of one placement key keep, read once for all of that key's rebuilds in a round.
 *
 * Every object of a key is placed on the same closest nodes, so a dead holder leaves every object of the key one
 * shard short, and the repairer rebuilds them all. Per object that is k FETCHes; for the key it is the same k
 * holders each time. One FETCH by placement key to each of those holders reads the same shards (the floor of k
 * per object) in k requests instead of k per object. Shards a holder returns are verified by `fetchShards`, and
 * again by the rebuild against this node's own copy of each manifest before use.
 */
import type { FetchedShard, HeldShard } from '../protocols/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { RepairContext } from './context.ts'

/** A pool is only used when one holder's shards of the key are at most this many bytes: k - 1 holders' worth sit in memory. */
export const KEY_POOL_MAX_BYTES_PER_HOLDER = 4 * 1024 * 1024

export interface PooledShard { peer: string, shard: FetchedShard }

export class KeyShardPool {
  private readonly ctx: RepairContext
  private readonly placementKey: Uint8Array
  /** Holders read from, nearest first. */
  readonly sources: readonly string[]
  private loading?: Promise<void>
  private readonly byObject = new Map<ObjectId, PooledShard[]>()
  /** Holders that answered the key's FETCH (what they hold of any object of the key is in the pool). */
  readonly answered = new Set<string>()
  /** Shards that failed `fetchShards`' checks. */
  rejectedShards = 0

  constructor (ctx: RepairContext, placementKey: Uint8Array, sources: readonly string[]) {
    this.ctx = ctx
    this.placementKey = placementKey
    this.sources = sources
  }

  /** The pooled shards of `objectId` (the key's FETCHes run on the first call; a failing holder is left out). */
  async shardsOf (objectId: ObjectId): Promise<PooledShard[]> {
    this.loading ??= this.load()
    await this.loading
    return this.byObject.get(objectId) ?? []
  }

  private async load (): Promise<void> {
    const { ctx } = this
    await Promise.all(this.sources.map(async peer => {
      try {
        const shards = await ctx.exchange.fetch(peer, this.placementKey, {
          signal: ctx.signal, checkedManifests: ctx.checkedManifests, onRejected: () => { this.rejectedShards++ }
        })
        for (const shard of shards) {
          const list = this.byObject.get(shard.manifest.objectId) ?? []
          list.push({ peer, shard })
          this.byObject.set(shard.manifest.objectId, list)
        }
        this.answered.add(peer)
      } catch {
        // The per-object reads of the rebuild ask the remaining holders instead.
      }
    }))
  }
}

/**
 * The pool for one key's rebuilds this round, or undefined when per-object reads are cheaper: fewer than two
 * objects (or under half of those held) to rebuild, or too many bytes per holder to keep in memory.
 * `holders`: peers (this node excluded) that hold shards under the key, nearest first, with what they hold.
 */
export function keyPoolFor (ctx: RepairContext, placementKey: Uint8Array, options: {
  rebuilding: number
  objects: number
  k: number
  holders: ReadonlyArray<[string, readonly HeldShard[]]>
}): KeyShardPool | undefined {
  if (options.rebuilding < 2 || options.rebuilding * 2 < options.objects) return undefined
  // k shards per object: a node only examines objects it holds a shard of, so k - 1 come from other holders.
  const sources = options.holders.slice(0, options.k - 1)
  if (sources.some(([, held]) => held.reduce((sum, shard) => sum + shard.size, 0) > KEY_POOL_MAX_BYTES_PER_HOLDER)) return undefined
  return new KeyShardPool(ctx, placementKey, sources.map(([peer]) => peer))
}
