/**
 * What healing did, for the node panel and benchmarks: tasks in progress, the last finished ones, and running
 * totals. Plain data, so the panel (and the automation API) can serialise it as is.
 */

export type RepairTaskKind =
  /** Missing shards rebuilt from k others and stored on the nearest vacant expected holders. */
  | 'rebuild'
  /** A shard moved from this node to a closer node that had none of the object (then deleted here). */
  | 'handoff'
  /** A copy of a shard another expected holder keeps, deleted here. */
  | 'drop'
  /** A shard in this node's own store that no longer matches its manifest, deleted so it is rebuilt. */
  | 'scrub'

export interface RepairTask {
  id: number
  kind: RepairTaskKind
  objectId: string
  /** Hex placement key of the object. */
  placementKey: string
  shardIndices: number[]
  /** Peers shards were read from (this node included when it used its own shard). */
  from: string[]
  /** Peers shards were written to. */
  to: string[]
  /** Which shard went to which peer. */
  placements: Array<{ shardIndex: number, peer: string }>
  /** Shard bytes read, this node's own included. */
  bytesRead: number
  /** Shard bytes received from other nodes. */
  bytesFetched: number
  /** Shard bytes sent to other nodes (or written to this node's store). */
  bytesWritten: number
  /** Shards other holders sent that failed verification (never used). */
  rejectedShards: number
  startedAt: number
  /** A rebuild's stages: until k verified shards were at hand, and until every rebuilt shard was stored. */
  readMs?: number
  writeMs?: number
  status: 'pending' | 'done' | 'failed'
  finishedAt?: number
  durationMs?: number
  error?: string
}

export interface RepairCounters {
  rounds: number
  /** Objects examined over all rounds. */
  objectsChecked: number
  /** Rebuild tasks run (each rebuilds the missing shards of one object). */
  rebuildTasks: number
  shardsRebuilt: number
  shardsHandedOff: number
  duplicatesDropped: number
  corruptShardsFound: number
  /** Shards from other holders that failed verification during a rebuild or a keeper check. */
  rejectedShards: number
  /** Shard bytes received from other nodes for rebuilds. */
  rebuildBytesFetched: number
  /** Shard bytes read for rebuilds, this node's own included. */
  rebuildBytesRead: number
  /** Shard bytes written by rebuilds and hand-offs. */
  bytesWritten: number
  failedTasks: number
  /** LIST calls to other holders that failed (unreachable, refused). */
  surveyFailures: number
  /** Spot-check FETCHes of other holders' LIST claims (spot-check.ts). */
  spotChecks: number
  /** Times a peer was distrusted: it failed a spot check, or kept no valid copy of a shard it acknowledged. */
  peersDistrusted: number
}

export interface RepairStatus {
  pending: RepairTask[]
  /** Most recent last. */
  finished: RepairTask[]
  counters: RepairCounters
  /** `rebuildBytesRead / shardsRebuilt` (0 before any rebuild): the floor for one lost shard is k shards. */
  bytesReadPerRebuiltShard: number
  /** `rebuildBytesFetched / shardsRebuilt`: network cost only. */
  bytesFetchedPerRebuiltShard: number
}

export const DEFAULT_FINISHED_TASKS_KEPT = 200

export class RepairLog {
  private readonly keep: number
  private readonly now: () => number
  private readonly pending = new Map<number, RepairTask>()
  private readonly finished: RepairTask[] = []
  private nextId = 1
  readonly counters: RepairCounters = {
    rounds: 0,
    objectsChecked: 0,
    rebuildTasks: 0,
    shardsRebuilt: 0,
    shardsHandedOff: 0,
    duplicatesDropped: 0,
    corruptShardsFound: 0,
    rejectedShards: 0,
    rebuildBytesFetched: 0,
    rebuildBytesRead: 0,
    bytesWritten: 0,
    failedTasks: 0,
    surveyFailures: 0,
    spotChecks: 0,
    peersDistrusted: 0
  }

  constructor (keep = DEFAULT_FINISHED_TASKS_KEPT, now: () => number = Date.now) {
    this.keep = keep
    this.now = now
  }

  begin (kind: RepairTaskKind, objectId: string, placementKey: string, shardIndices: number[]): RepairTask {
    const task: RepairTask = {
      id: this.nextId++, kind, objectId, placementKey, shardIndices: [...shardIndices], from: [], to: [], placements: [],
      bytesRead: 0, bytesFetched: 0, bytesWritten: 0, rejectedShards: 0, startedAt: this.now(), status: 'pending'
    }
    this.pending.set(task.id, task)
    return task
  }

  /** Marks the task finished and adds it to the totals; `error` makes it a failure. */
  end (task: RepairTask, error?: string): void {
    if (!this.pending.delete(task.id)) return
    task.finishedAt = this.now()
    task.durationMs = task.finishedAt - task.startedAt
    task.status = error === undefined ? 'done' : 'failed'
    if (error !== undefined) task.error = error
    const c = this.counters
    c.bytesWritten += task.bytesWritten
    c.rejectedShards += task.rejectedShards
    if (task.kind === 'rebuild') {
      c.rebuildTasks++
      c.rebuildBytesFetched += task.bytesFetched
      c.rebuildBytesRead += task.bytesRead
      c.shardsRebuilt += task.to.length // `to` lists only shards actually stored, even when others failed
    }
    if (error !== undefined) c.failedTasks++
    else if (task.kind === 'handoff') c.shardsHandedOff += task.shardIndices.length
    else if (task.kind === 'drop') c.duplicatesDropped += task.shardIndices.length
    else if (task.kind === 'scrub') c.corruptShardsFound += task.shardIndices.length
    this.finished.push(task)
    if (this.finished.length > this.keep) this.finished.splice(0, this.finished.length - this.keep)
  }

  status (): RepairStatus {
    const c = { ...this.counters }
    return {
      pending: [...this.pending.values()].map(copyTask),
      finished: this.finished.map(copyTask),
      counters: c,
      bytesReadPerRebuiltShard: c.shardsRebuilt === 0 ? 0 : c.rebuildBytesRead / c.shardsRebuilt,
      bytesFetchedPerRebuiltShard: c.shardsRebuilt === 0 ? 0 : c.rebuildBytesFetched / c.shardsRebuilt
    }
  }
}

function copyTask (task: RepairTask): RepairTask {
  return { ...task, shardIndices: [...task.shardIndices], from: [...task.from], to: [...task.to], placements: task.placements.map(p => ({ ...p })) }
}
