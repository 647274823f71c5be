/**
 * This node's part of one object's plan: rebuild when it is the repairer whose turn has come, hand its own shards
 * off and drop its own surplus copies once the grace period is over. Every step is a task in the repair log; a
 * failed step is logged and retried next round, never thrown.
 */
import type { ObjectId, ShardIndex } from '../types/index.ts'
import type { RepairContext } from './context.ts'
import { LocalShardCorruptError } from './errors.ts'
import { dropDuplicate, handOffShard } from './handoff.ts'
import type { KeyShardPool } from './key-pool.ts'
import type { KnownManifest } from './manifest-cache.ts'
import type { ObjectPlan } from './plan.ts'
import { errorText } from '../errors/index.ts'
import { rebuildShards } from './rebuild.ts'
import type { RepairLog, RepairTask, RepairTaskKind } from './report.ts'
import { DEFAULT_MAX_REBUILD_BYTES_PER_OWNER, type RepairRound, type RepairSettings } from './repair-settings.ts'
import type { SignedManifest } from '../wire/index.ts'

type ObjectManifest = Pick<SignedManifest, 'k' | 'm' | 'shardSize' | 'owner'>

export interface ObjectStepsDeps {
  selfId: string
  settings: Pick<RepairSettings, 'handoffGraceMs' | 'fallbackDelayMs'> & Partial<Pick<RepairSettings, 'maxRebuildBytesPerOwner'>>
  tasks: RepairLog
  now: () => number
  emit: (message: string) => void
  /** The number of the round running now. */
  roundNumber: () => number
}

export class ObjectSteps {
  private readonly deps: ObjectStepsDeps
  /**
   * Per object: since when this node has seen shards of it missing in every round. A round without the shortage
   * restarts the clock; a change in which shards are missing does not: a repairer that stores some rebuilt shards and
   * not the others (a tab whose stores to some targets fail) must not keep putting off the next holder's turn.
   */
  private readonly deficits = new Map<ObjectId, { since: number, round: number }>()

  constructor (deps: ObjectStepsDeps) {
    this.deps = deps
  }

  /** Forgets the shortages of objects not in `held`. */
  retain (held: ReadonlySet<string>): void {
    for (const objectId of this.deficits.keys()) if (!held.has(objectId)) this.deficits.delete(objectId)
  }

  /** This node's part of the plan for one object. */
  async act (ctx: RepairContext, known: KnownManifest, keyHex: string, plan: ObjectPlan, held: Map<string, Set<number>>,
    unknown: ReadonlySet<string>, closestSince: ReadonlyMap<string, number>, round: RepairRound, pool?: KeyShardPool): Promise<void> {
    const { manifest, manifestBytes } = known
    const objectId = manifest.objectId
    const now = this.deps.now()
    const due = (at: number): boolean => {
      if (now >= at) return true
      round.waiting++
      round.nextDueAt = Math.min(round.nextDueAt ?? Infinity, at)
      return false
    }
    const graceOver = (peer: string): boolean => due((closestSince.get(peer) ?? now) + this.deps.settings.handoffGraceMs)

    if (plan.uncertain) {
      round.waiting++ // which shards are missing is unknown while an expected holder does not answer (see Repairer)
    } else if (plan.rebuilds.length === 0) {
      this.deficits.delete(objectId)
    } else {
      const previous = this.deficits.get(objectId)
      const continued = previous !== undefined && previous.round >= this.deps.roundNumber() - 1
      const firstSeen = continued ? previous.since : now
      this.deficits.set(objectId, { since: firstSeen, round: this.deps.roundNumber() })
      const position = plan.repairers.indexOf(this.deps.selfId)
      if (position >= 0 && due(firstSeen + position * this.deps.settings.fallbackDelayMs) && this.withinBudget(ctx, manifest, round)) {
        const sources = plan.repairers.filter(peer => peer !== this.deps.selfId && !unknown.has(peer) && (held.get(peer)?.size ?? 0) > 0)
        const corruptLocal: number[] = []
        const task = this.deps.tasks.begin('rebuild', objectId, keyHex, plan.rebuilds.map(r => r.index))
        try {
          await rebuildShards(ctx, {
            manifest, manifestBytes, rebuilds: plan.rebuilds, sources, spares: plan.spares, task, onCorruptLocal: index => corruptLocal.push(index), pool
          })
          this.finish(task)
          this.deficits.delete(objectId)
        } catch (error) {
          this.finish(task, errorText(error))
          if (ctx.signal.aborted) throw error
          round.failures++
        }
        round.rebuilt += task.to.length
        for (const index of corruptLocal) await this.scrubOne(ctx, objectId, keyHex, index, round)
      }
    }

    for (const move of plan.moves) {
      if (move.from !== this.deps.selfId || !graceOver(move.to)) continue
      await this.attempt(ctx, 'handoff', objectId, keyHex, [move.index], round, async task => {
        if (!await handOffShard(ctx, manifest, manifestBytes, move.index, move.to, task)) {
          await this.scrubOne(ctx, objectId, keyHex, move.index, round)
          throw new LocalShardCorruptError(`this node's shard ${move.index} of ${objectId} failed verification; it was deleted so it is rebuilt`)
        }
        round.handedOff++
      })
    }
    for (const drop of plan.drops) {
      if (drop.peer !== this.deps.selfId || !graceOver(drop.keeper)) continue
      await this.attempt(ctx, 'drop', objectId, keyHex, [drop.index], round, async task => {
        await dropDuplicate(ctx, manifest, drop.index, drop.keeper, task)
        round.dropped++
      })
    }
  }

  /**
   * Charges the object's codeword (what reconstructing it builds) to its owner's rebuild budget for this round;
   * false, and counted as over budget, when that budget is spent. The owner's first rebuild of a round always fits.
   */
  private withinBudget (ctx: RepairContext, manifest: ObjectManifest, round: RepairRound): boolean {
    const cost = (manifest.k + manifest.m) * manifest.shardSize
    const spent = ctx.rebuiltBytesByOwner.get(manifest.owner) ?? 0
    if (spent > 0 && spent + cost > (this.deps.settings.maxRebuildBytesPerOwner ?? DEFAULT_MAX_REBUILD_BYTES_PER_OWNER)) {
      round.overBudget++
      return false
    }
    ctx.rebuiltBytesByOwner.set(manifest.owner, spent + cost)
    return true
  }

  private async attempt (ctx: RepairContext, kind: RepairTaskKind, objectId: ObjectId, keyHex: string, indices: number[],
    round: RepairRound, work: (task: RepairTask) => Promise<void>): Promise<void> {
    const task = this.deps.tasks.begin(kind, objectId, keyHex, indices)
    try {
      await work(task)
      this.finish(task)
    } catch (error) {
      this.finish(task, errorText(error))
      if (ctx.signal.aborted) throw error
      round.failures++
    }
  }

  /** Ends a task in the log and tells the operator what it did. */
  private finish (task: RepairTask, error?: string): void {
    this.deps.tasks.end(task, error)
    const moved = task.placements.map(p => `${p.shardIndex}→${p.peer}`).join(' ')
    this.deps.emit(`repair: ${task.kind} of shard(s) ${task.shardIndices.join(',')} of ${task.objectId} ${error === undefined ? 'done' : 'FAILED'} ` +
      `in ${task.durationMs ?? 0} ms${task.readMs === undefined ? '' : ` (read ${task.readMs} ms, stored ${task.writeMs ?? '-'} ms)`}: ${moved === '' ? 'nothing placed' : moved}; read ${task.bytesRead} B ` +
      `(${task.bytesFetched} B fetched from ${task.from.length} nodes), wrote ${task.bytesWritten} B${error === undefined ? '' : `; ${error}`}`)
  }

  async scrubOne (ctx: RepairContext, objectId: ObjectId, keyHex: string, index: number, round: RepairRound): Promise<void> {
    await ctx.store.delete(objectId, index as ShardIndex)
    this.record('scrub', objectId, keyHex, [index], `shard ${index} no longer matches its manifest`)
    round.corrupt++
  }

  /** A finished task in one step (scrub findings). */
  record (kind: RepairTaskKind, objectId: string, keyHex: string, indices: number[], note: string): void {
    const task = this.deps.tasks.begin(kind, objectId, keyHex, indices)
    task.from.push(this.deps.selfId)
    this.deps.tasks.end(task)
    this.deps.emit(`repair: ${kind} ${objectId}/${indices.join(',')}: ${note}`)
  }
}
