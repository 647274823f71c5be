/**
 * Retrieval's fan-out: ask every holder at once for the shards of a placement key (or of one object), group the
 * verified shards by object, start decoding an object the moment k distinct shards of it are in, and stop waiting
 * for the remaining holders as soon as the caller's `enough` says so. A holder that fails, or answers without a
 * single verified shard of what was asked (nothing, or only junk), is replaced by the next-closest node: node IDs
 * cost nothing, so the closest nodes to a key may all be strangers who keep nothing, while the nodes that were
 * given the shards sit just past them.
 */
import { ChunkPeerUnreachableError, type ChunkExchange, type FetchedShard } from '../protocols/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { SignedManifest } from '../wire/index.ts'
import { decodeCommittedObject } from './codeword.ts'
import { ReadBudgetExceededError, ReadDeadlineError, notEnoughShardsError, type HolderTally } from './errors.ts'

/** One object rebuilt from its shards. */
export interface RetrievedObject {
  objectId: ObjectId
  bytes: Uint8Array
  /** From the owner-signed manifest (ms since the epoch). */
  createdAt: number
  namespace: string
  /** Its owner-signed manifest (an inbox object's is the contact pass into its sender's inbox). */
  manifest?: SignedManifest
}

/** An object some holder has shards of, which could not be rebuilt. */
export interface FailedObject {
  objectId: ObjectId
  createdAt: number
  /** Why, e.g. a `NotEnoughShardsError` ("retrieved 9 of the 10 shards needed; 6 holders offline"). */
  error: Error
  shardsRetrieved: number
  shardsNeeded: number
  /** k + m of the object. */
  shardsTotal: number
}

/** How the holders asked fared. */
export interface GatherStats extends HolderTally {
  /** Holders asked, this node included when it is one of them. */
  asked: number
  /** Holders that answered, this node included when it is one of them. */
  answered: number
  /** Holders still working when enough was in; their requests were cancelled. */
  cancelled: number
  /** Verified shards read from this node's own store. */
  localShards: number
  /**
   * Holders that answered without one verified shard of what was asked (nothing, or only shards that failed
   * verification); each was replaced by a spare like a failed holder.
   */
  emptyAnswers: number
}

interface ObjectShards {
  manifest: SignedManifest
  /** Shards kept until the object is decoded; emptied once its decoding settles. */
  slots: Array<Uint8Array | null>
  /** SHA-256 of each kept shard as its verification computed it, so decoding need not hash it again. */
  hashes: Array<Uint8Array | undefined>
  present: number
  decoding?: Promise<Uint8Array>
  /** A shard of it was dropped because the holder sending it had used up its share of the read's byte budget. */
  overBudget?: boolean
}

/** Why a gather stopped waiting before every holder had settled, other than `enough`. */
export interface GatherEnding {
  /** The gather's deadline passed (ms). */
  deadlineMs?: number
}

/**
 * Verified shards grouped by object; decodes each object once its k-th distinct shard arrives. Only shards an
 * object still needs are kept (at most k per object), and from each holder at most `maxKeptBytesPerHolder`: an
 * honest holder keeps one shard per object, a k-th of the objects' bytes, so a holder sending more (shards of
 * objects that never complete) uses up its own share without crowding out the other holders' shards.
 */
export class ShardCollector {
  private readonly objects = new Map<ObjectId, ObjectShards>()
  private readonly maxKeptBytesPerHolder: number
  private readonly keptByHolder = new Map<string, number>()

  constructor (maxKeptBytesPerHolder = Number.POSITIVE_INFINITY) {
    this.maxKeptBytesPerHolder = maxKeptBytesPerHolder
  }

  /** Bytes of shards kept from `holder` so far (whether or not their objects were rebuilt since). */
  keptBytesFrom (holder: string): number {
    return this.keptByHolder.get(holder) ?? 0
  }

  /** Takes a verified shard `holder` sent, if its object still needs it and the holder's share allows. */
  add (shard: FetchedShard, holder: string): void {
    const { manifest, shardIndex } = shard
    let entry = this.objects.get(manifest.objectId)
    if (entry === undefined) {
      entry = { manifest, slots: new Array<Uint8Array | null>(manifest.k + manifest.m).fill(null), hashes: [], present: 0 }
      this.objects.set(manifest.objectId, entry)
    }
    // Rebuilt or being rebuilt: further shards of it are dropped, not kept.
    if (entry.decoding !== undefined || entry.slots[shardIndex] !== null) return
    const kept = this.keptBytesFrom(holder) + shard.shard.length
    if (kept > this.maxKeptBytesPerHolder) {
      entry.overBudget = true
      return
    }
    this.keptByHolder.set(holder, kept)
    entry.slots[shardIndex] = shard.shard
    entry.hashes[shardIndex] = shard.shardHash
    entry.present++
    if (entry.present === manifest.k) {
      // Accepted only as the whole codeword the owner signed, never just any k shards of it.
      const decoding = decodeCommittedObject(entry.slots, manifest, entry.hashes)
      entry.decoding = decoding
      const settled = entry
      decoding.then(() => { settled.slots = []; settled.hashes = [] }, () => { settled.slots = []; settled.hashes = [] }) // awaited in `results`; a failure is reported there
    }
  }

  get seen (): number {
    return this.objects.size
  }

  /** Every object seen has its k shards (its decoding has started). */
  allRebuildable (): boolean {
    for (const entry of this.objects.values()) if (entry.decoding === undefined) return false
    return true
  }

  rebuildable (objectId: ObjectId): boolean {
    return this.objects.get(objectId)?.decoding !== undefined
  }

  /**
   * Waits for every decoding; objects short of shards fail with the holders' tally in the message, or with
   * ReadBudgetExceededError or ReadDeadlineError when the read's budget or deadline cut them off.
   */
  async results (tally: HolderTally, ending: GatherEnding = {}): Promise<{ objects: RetrievedObject[], failed: FailedObject[] }> {
    const objects: RetrievedObject[] = []
    const failed: FailedObject[] = []
    for (const [objectId, entry] of this.objects) {
      const { manifest } = entry
      const base = { objectId, createdAt: manifest.createdAt, shardsRetrieved: entry.present, shardsNeeded: manifest.k, shardsTotal: manifest.k + manifest.m }
      if (entry.decoding === undefined) {
        const error = entry.overBudget === true
          ? new ReadBudgetExceededError(this.maxKeptBytesPerHolder, objectId)
          : ending.deadlineMs !== undefined
            ? new ReadDeadlineError(ending.deadlineMs, entry.present, manifest.k)
            : notEnoughShardsError(entry.present, manifest.k, manifest.k + manifest.m, tally)
        failed.push({ ...base, error })
        continue
      }
      try {
        objects.push({ objectId, bytes: await entry.decoding, createdAt: manifest.createdAt, namespace: manifest.namespace, manifest })
      } catch (error) {
        failed.push({ ...base, error: error instanceof Error ? error : new Error(String(error)) })
      }
    }
    return { objects: objects.sort(byCreation), failed: failed.sort(byCreation) }
  }
}

export interface GatherInput {
  /** Requests to holders; this node's own store is read through it too. */
  exchange: ChunkExchange
  /** Holders to ask, nearest first; this node's own ID among them is served from its store. */
  holders: readonly string[]
  target: Uint8Array | { objectId: ObjectId }
  /** Per holder request, from when it is sent. */
  timeoutMs: number
  signal?: AbortSignal
  /**
   * Next-closest nodes, nearest first, beyond `holders`: each failing holder, and each holder answering without a
   * verified shard of the target, is replaced by the first one not yet asked (a store that met a failing holder
   * placed its shard there; holders that joined closer than the ones given the shards hold none). The list's length
   * is the bound: a read asks at most `holders` plus these.
   */
  spares?: () => Promise<string[]>
  /**
   * Called after every answer or failure; true ends the wait and cancels the requests still out. `supplied`: holders
   * (this node included) that sent at least one verified shard of the target; empty answers do not count, so a
   * read does not stop on the word of holders that hold nothing.
   */
  enough: (collector: ShardCollector, supplied: number) => boolean
  /**
   * For the whole read, `ms` from `startedAt` (ms since the epoch): once passed, the requests still out are
   * cancelled and the gather ends with what is in (`ending.deadlineMs` set). Default: none beyond each request's
   * own timeout.
   */
  deadline?: { ms: number, startedAt: number }
  /** Bytes of shards kept from one holder over the read; past it, its shards are dropped. Default: no limit. */
  maxKeptBytesPerHolder?: number
  /**
   * Connected holders first (a node within a connection budget, where each holder not connected costs a dial and
   * another connection closed for room): every holder `connected` says yes to is asked at once, then the nearest
   * others until `firstWave` are asked. The rest wait: each failing or empty holder is replaced by the next of them
   * (before any spare), and all of them are asked once `waveDelayMs` passes or every request out has settled
   * without enough. Default: every holder at once.
   */
  connectedFirst?: { connected: (holder: string) => boolean, firstWave: number, waveDelayMs: number }
}

export interface GatherOutcome {
  collector: ShardCollector
  stats: GatherStats
  /** Remote holders that answered (this node excluded). */
  remoteAnswered: number
  /** Set when the deadline ended the gather; pass it to `collector.results`. */
  ending: GatherEnding
}

/**
 * Asks all holders in parallel and this node's own store, feeding every verified shard to a collector, until all
 * have settled, `enough` is true or the deadline passes. Rejects only when the caller's signal aborts.
 */
export async function collectShards (input: GatherInput): Promise<GatherOutcome> {
  const selfId = input.exchange.selfId
  const asked = new Set<string>([selfId])
  const remote = [...new Set(input.holders)].filter(holder => holder !== selfId)
  const selfIsHolder = input.holders.includes(selfId)
  const collector = new ShardCollector(input.maxKeptBytesPerHolder)
  const stats: GatherStats = { asked: selfIsHolder ? 1 : 0, answered: 0, cancelled: 0, offline: 0, refused: 0, rejectedShards: 0, localShards: 0, emptyAnswers: 0 }
  let remoteAnswered = 0
  let supplied = 0
  const target = input.target
  const ofTarget = (shard: FetchedShard): boolean => !('objectId' in target) || shard.manifest.objectId === target.objectId
  const cancel = new AbortController()
  const signal = input.signal === undefined ? cancel.signal : AbortSignal.any([input.signal, cancel.signal])
  const onRejected = (): void => { stats.rejectedShards++ }
  // Every holder sends the same manifests: each one's owner signature is checked once per gather.
  const checkedManifests = new Map<string, SignedManifest | Error>()
  let finished = false
  let outstanding = 0
  let wake = (): void => {}
  let spares: Promise<string[]> | undefined
  // Holders not asked yet (connected-first reads), nearest first.
  const waiting: string[] = []

  const launch = (task: () => Promise<void>): void => {
    outstanding++
    void task().finally(() => { outstanding--; wake() })
  }
  const ask = (holder: string): void => {
    asked.add(holder)
    stats.asked++
    launch(async () => {
      try {
        const shards = await input.exchange.fetch(holder, input.target, { signal, timeoutMs: input.timeoutMs, onRejected, checkedManifests })
        if (finished) return
        shards.forEach(shard => collector.add(shard, holder))
        stats.answered++
        remoteAnswered++
        if (shards.some(ofTarget)) {
          supplied++
          return
        }
        stats.emptyAnswers++
      } catch (error) {
        if (finished || input.signal?.aborted === true) return
        if (error instanceof ChunkPeerUnreachableError) stats.offline++
        else stats.refused++
      }
      // Its shards may have gone to the next-closest node (it failed during a store, or it joined closer than the
      // holders given them): ask that one too.
      await askSpare()
    })
  }
  const askSpare = async (): Promise<void> => {
    const next = waiting.shift()
    if (next !== undefined) {
      if (!finished) ask(next)
      return
    }
    const spare = await nextSpare()
    if (spare !== undefined && !finished) ask(spare)
  }
  const askWaiting = (): void => {
    while (waiting.length > 0 && !finished) ask(waiting.shift()!)
  }
  const nextSpare = async (): Promise<string | undefined> => {
    if (input.spares === undefined) return undefined
    spares ??= input.spares().catch(() => [])
    const spare = (await spares).find(candidate => !asked.has(candidate) && !waiting.includes(candidate))
    if (spare !== undefined) asked.add(spare) // claimed now: failures settling together must not share a spare
    return spare
  }

  const first = input.connectedFirst
  if (first === undefined) {
    remote.forEach(ask)
  } else {
    const connected = remote.filter(holder => first.connected(holder))
    const others = remote.filter(holder => !connected.includes(holder))
    const wave = Math.max(0, first.firstWave - connected.length)
    connected.forEach(ask)
    others.slice(0, wave).forEach(ask)
    waiting.push(...others.slice(wave))
  }
  launch(async () => {
    try {
      const shards = await input.exchange.fetch(selfId, input.target, { onRejected, checkedManifests })
      shards.forEach(shard => collector.add(shard, selfId))
      stats.localShards = shards.length
      if (shards.some(ofTarget)) supplied++
      if (!selfIsHolder) return
      stats.answered++
      if (shards.some(ofTarget)) return
      stats.emptyAnswers++
    } catch {
      if (!selfIsHolder) return
      stats.refused++ // the own store failed (closed, storage error)
    }
    if (!finished) await askSpare()
  })

  const ending: GatherEnding = {}
  let deadline: ReturnType<typeof setTimeout> | undefined
  let waveTimer: ReturnType<typeof setTimeout> | undefined
  await new Promise<void>(resolve => {
    wake = () => {
      if (input.enough(collector, supplied) || input.signal?.aborted === true) {
        resolve()
        return
      }
      if (outstanding === 0 && waiting.length > 0) askWaiting()
      if (outstanding === 0) resolve()
    }
    if (waiting.length > 0) waveTimer = setTimeout(() => { askWaiting() }, input.connectedFirst?.waveDelayMs ?? 0)
    input.signal?.addEventListener('abort', wake, { once: true })
    if (input.deadline !== undefined) {
      const { ms, startedAt } = input.deadline
      deadline = setTimeout(() => { ending.deadlineMs = ms; resolve() }, Math.max(0, startedAt + ms - Date.now()))
    }
    wake()
  })
  clearTimeout(deadline)
  clearTimeout(waveTimer)
  input.signal?.removeEventListener('abort', wake)
  finished = true
  stats.cancelled = stats.asked - stats.answered - stats.offline - stats.refused
  cancel.abort(ending.deadlineMs === undefined ? new Error('enough shards are in') : new Error(`the read's ${ending.deadlineMs} ms deadline passed`))
  input.signal?.throwIfAborted()
  return { collector, stats, remoteAnswered, ending }
}

function byCreation (a: { createdAt: number, objectId: string }, b: { createdAt: number, objectId: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt
  return a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0
}
