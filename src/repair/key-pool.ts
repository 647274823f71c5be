/**
 * The shards the nearest holders of one placement key keep, read once for all of that key's rebuilds in a round.
 *
 * Every object of a key is placed on the same closest nodes, so a dead holder leaves every object of the key one
 * shard short, and the repairer rebuilds them all. Per object that is k FETCHes; for the key it is the same k
 * holders each time. One FETCH by placement key to each of those holders, naming the objects this node rebuilds,
 * reads the same shards (the floor of k per object) in k requests instead of k per object. Shards a holder returns are verified by `fetchShards`, and
 * again by the rebuild against this node's own copy of each manifest before use.
 */
import type { FetchedShard, HeldShard } from '../protocols/index.ts'
import { MAX_FETCH_OBJECT_IDS } from '../wire/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { RepairContext } from './context.ts'

/** A pool is only used when one holder's shards of the objects rebuilt are at most this many bytes: k - 1 holders' worth sit in memory. */
export const KEY_POOL_MAX_BYTES_PER_HOLDER = 4 * 1024 * 1024

/**
 * A holder still reading once half of the pool's holders have answered gets this many times as long as they took
 * (and at least POOL_STRAGGLER_MIN_MS) before its read is given up; the per-object reads of the rebuild then ask it
 * again, on a new request. A pool waits for every holder it reads, and after 5 of 15 holders die it needs every one
 * of the 10 left: in the heal suite a busy tab left one FETCH unanswered for the whole request deadline (15 s) while
 * the other holders had answered within 2 s, and asked again it answered in 4.
 */
export const POOL_STRAGGLER_FACTOR = 3
export const POOL_STRAGGLER_MIN_MS = 3_000

/** Why a pool gave up a holder's read: it was far slower than the others (see POOL_STRAGGLER_FACTOR). */
export class PoolStragglerError extends Error {
  override name = 'PoolStragglerError'
}

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

  /** The objects read: those this node rebuilds this round (a holder sends only their shards). */
  private readonly covered: ReadonlySet<ObjectId>

  constructor (ctx: RepairContext, placementKey: Uint8Array, sources: readonly string[], objectIds: readonly ObjectId[]) {
    this.ctx = ctx
    this.placementKey = placementKey
    this.sources = sources
    this.covered = new Set(objectIds)
  }

  /** Whether the pool reads `objectId` (an object this node rebuilds); the shards of others are not in it. */
  covers (objectId: ObjectId): boolean {
    return this.covered.has(objectId)
  }

  /** The pooled shards of `objectId` (the key's FETCHes run on the first call; a failing holder is left out). */
  async shardsOf (objectId: ObjectId): Promise<PooledShard[]> {
    this.loading ??= this.load()
    await this.loading
    return this.byObject.get(objectId) ?? []
  }

  private async load (): Promise<void> {
    const { ctx } = this
    const started = Date.now()
    let shardCount = 0
    let slowest = { peer: '', ms: -1 }
    let settled = 0
    let straggling: ReturnType<typeof setTimeout> | undefined
    const reading = new Map<string, AbortController>()
    // Once half the holders have answered, the rest get POOL_STRAGGLER_FACTOR times as long as that took.
    const cutStragglers = (): void => {
      if (straggling !== undefined || settled < Math.ceil(this.sources.length / 2) || reading.size === 0) return
      const elapsed = Date.now() - started
      straggling = setTimeout(() => {
        for (const [peer, reader] of reading) {
          reader.abort(new PoolStragglerError(`${peer} had not answered the key's FETCH ${Date.now() - started} ms in, ` +
            `when half of the holders had answered within ${elapsed} ms`))
        }
      }, Math.max(POOL_STRAGGLER_MIN_MS, POOL_STRAGGLER_FACTOR * elapsed) - elapsed)
    }
    try {
      await Promise.all(this.sources.map(async peer => {
        const asked = Date.now()
        const reader = new AbortController()
        reading.set(peer, reader)
        try {
          const shards = await ctx.exchange.fetch(peer, this.placementKey, {
            signal: AbortSignal.any([ctx.signal, reader.signal]),
            checkedManifests: ctx.checkedManifests,
            onRejected: () => { this.rejectedShards++ },
            objectIds: [...this.covered]
          })
          shardCount += shards.length
          for (const shard of shards) {
            const list = this.byObject.get(shard.manifest.objectId) ?? []
            list.push({ peer, shard })
            this.byObject.set(shard.manifest.objectId, list)
          }
          this.answered.add(peer)
        } catch {
          // The per-object reads of the rebuild ask the remaining holders instead.
          if (reader.signal.aborted && !ctx.signal.aborted) ctx.log(`repair: ${(reader.signal.reason as Error).message}`)
        } finally {
          reading.delete(peer)
          settled++
          if (Date.now() - asked > slowest.ms) slowest = { peer, ms: Date.now() - asked }
          cutStragglers()
        }
      }))
    } finally {
      clearTimeout(straggling)
    }
    ctx.log(`repair: read ${shardCount} shards of ${this.covered.size} objects of the key from ${this.answered.size} of ${this.sources.length} holders ` +
      `in ${Date.now() - started} ms (slowest: ${slowest.peer}, ${slowest.ms} ms)`)
  }
}

/**
 * What one request costs beyond the bytes it carries, counted in bytes: opening a stream, negotiating the protocol,
 * a round trip and the holder's signature checks. On loopback a chunk request costs about as much as moving 16 KiB.
 */
export const REQUEST_COST_BYTES = 16 * 1024

/**
 * Whether reading the key once from k - 1 holders is cheaper than k - 1 reads per object rebuilt: the pool moves
 * the shards those holders keep of the objects rebuilt (a holder keeps one per object) in k - 1 requests; the
 * per-object reads move only the shards needed, in `rebuilding` × (k - 1) requests. With the rebuilds of a key
 * spread over its three nearest holders, each rebuilds a third of the objects, and for small objects the requests
 * dominate: the pool wins.
 */
export function poolIsCheaper (options: { rebuilding: number, k: number, poolBytes: number, bytesPerObjectRead: number }): boolean {
  const reads = Math.max(1, options.k - 1)
  const pooled = reads * REQUEST_COST_BYTES + options.poolBytes
  const perObject = options.rebuilding * reads * (REQUEST_COST_BYTES + options.bytesPerObjectRead)
  return options.rebuilding >= 2 && pooled < perObject
}

/**
 * The pool for one key's rebuilds this round, or undefined when per-object reads are cheaper (poolIsCheaper) or a
 * holder keeps too many bytes of the key to hold in memory. `holders`: peers (this node excluded) that hold shards
 * under the key, nearest first, with what they hold; `rebuildingIds`: the objects this node rebuilds.
 */
export function keyPoolFor (ctx: RepairContext, placementKey: Uint8Array, options: {
  rebuildingIds: ReadonlySet<ObjectId>
  k: number
  holders: ReadonlyArray<[string, readonly HeldShard[]]>
}): KeyShardPool | undefined {
  // k shards per object: a node only examines objects it holds a shard of, so k - 1 come from other holders.
  const sources = options.holders.slice(0, options.k - 1)
  // What the pool moves and keeps: the holders' shards of the objects rebuilt (a FETCH names them).
  const bytesOf = (held: readonly HeldShard[]): number => held.reduce((sum, shard) => sum + (options.rebuildingIds.has(shard.objectId) ? shard.size : 0), 0)
  if (sources.some(([, held]) => bytesOf(held) > KEY_POOL_MAX_BYTES_PER_HOLDER)) return undefined
  // The shard size of the objects rebuilt, as the holders report it (one shard read per holder per object).
  const rebuiltShards = options.holders.flatMap(([, held]) => held.filter(shard => options.rebuildingIds.has(shard.objectId)))
  const bytesPerObjectRead = rebuiltShards.length === 0 ? 0 : bytesOf(rebuiltShards) / rebuiltShards.length
  const cheaper = poolIsCheaper({
    rebuilding: options.rebuildingIds.size,
    k: options.k,
    poolBytes: sources.reduce((sum, [, held]) => sum + bytesOf(held), 0),
    bytesPerObjectRead
  })
  return cheaper ? new KeyShardPool(ctx, placementKey, sources.map(([peer]) => peer), [...options.rebuildingIds].slice(0, MAX_FETCH_OBJECT_IDS)) : undefined
}
