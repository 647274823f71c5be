import { ZenTalkError } from '../errors/index.ts'
import { NotEnoughShardsError } from '../erasure/index.ts'

// Every class sets `name` itself: production builds minify class names, and callers match on `name`.

/** What one holder did with one shard during a store, for error messages and the status panel. */
export interface ShardPlacementFailure {
  shardIndex: number
  holder: string
  error: Error
}

/** Not every one of an object's k + m shards could be placed on some holder, so the object is not stored. */
export class StoreFailedError extends ZenTalkError {
  override name = 'StoreFailedError'
  readonly placed: number
  readonly total: number
  readonly failures: readonly ShardPlacementFailure[]

  constructor (placed: number, total: number, why: string, failures: readonly ShardPlacementFailure[] = []) {
    super(`stored ${placed} of the ${total} shards; ${why}`)
    this.placed = placed
    this.total = total
    this.failures = failures
  }
}

/** No holder of the placement key answered and this node holds nothing for it: the node is likely offline. */
export class NoHoldersReachableError extends ZenTalkError {
  override name = 'NoHoldersReachableError'
  readonly asked: number

  constructor (asked: number, why: string) {
    super(asked === 0
      ? `no storage node is known for this key (${why}); wait until the node has joined the mesh and retry`
      : `none of the ${asked} holders answered (${why}); check the connection to the mesh and retry`)
    this.asked = asked
  }
}

/** Holders answered but none of them holds a shard of the object asked for. */
export class ObjectNotFoundError extends ZenTalkError {
  override name = 'ObjectNotFoundError'
}

/**
 * The owner's signed manifest commits to k + m shards that do not form one codeword: different sets of k shards
 * would rebuild different objects, so none of them is trusted. Only the object's owner can sign such a manifest.
 */
export class InconsistentObjectError extends ZenTalkError {
  override name = 'InconsistentObjectError'
  readonly objectId: string
  /** Shards rebuilt from the verified ones whose SHA-256 differs from the manifest's. */
  readonly mismatchedShards: readonly number[]

  constructor (objectId: string, mismatchedShards: readonly number[]) {
    super(`the owner's shards of object ${objectId} do not form one codeword: rebuilt shard${mismatchedShards.length === 1 ? '' : 's'} ` +
      `${mismatchedShards.join(', ')} ${mismatchedShards.length === 1 ? 'does' : 'do'} not match the signed manifest, so different ` +
      'holders could rebuild different objects; the object is not shown. Its owner signed an inconsistent object.')
    this.objectId = objectId
    this.mismatchedShards = mismatchedShards
  }
}

/** A read's deadline passed before this object's shards were in: holders were still working, or slow to answer. */
export class ReadDeadlineError extends ZenTalkError {
  override name = 'ReadDeadlineError'
  readonly deadlineMs: number

  constructor (deadlineMs: number, present: number, needed: number) {
    super(`the read's ${deadlineMs} ms deadline passed with ${present} of the ${needed} shards needed retrieved; ` +
      'some holders were too slow to answer: retry later')
    this.deadlineMs = deadlineMs
  }
}

/**
 * A read keeps at most a set number of bytes of shards from each holder; shards of this object came from a holder
 * past its share, so they were dropped. The object may still be stored: read it alone by its ID.
 */
export class ReadBudgetExceededError extends ZenTalkError {
  override name = 'ReadBudgetExceededError'
  /** Bytes one holder may make the read keep. */
  readonly perHolderBytes: number

  constructor (perHolderBytes: number, objectId: string) {
    super(`shards of object ${objectId} came from a holder that had already sent its share of ${perHolderBytes} bytes ` +
      'for this read, so they were dropped; fetch that object by its ID')
    this.perHolderBytes = perHolderBytes
  }
}

/** How the holders asked for shards fared, to explain a shortfall. */
export interface HolderTally {
  /** Holders that could not be reached or did not answer in time. */
  offline: number
  /** Holders that answered with a refusal or a broken response. */
  refused: number
  /** Shards that failed verification (manifest signature, placement key, hash) and were dropped. */
  rejectedShards: number
}

/**
 * The erasure layer's NotEnoughShardsError, with a message about holders rather than slots:
 * "retrieved 9 of the 10 shards needed; 6 holders offline".
 */
export function notEnoughShardsError (present: number, needed: number, total: number, tally: HolderTally): NotEnoughShardsError {
  const error = new NotEnoughShardsError(present, needed, total)
  const parts = [`retrieved ${present} of the ${needed} shards needed; ${count(tally.offline, 'holder')} offline`]
  if (tally.refused > 0) parts[0] += `, ${count(tally.refused, 'holder')} refused or failed`
  if (tally.rejectedShards > 0) parts.push(`${count(tally.rejectedShards, 'shard')} failed verification and ${tally.rejectedShards === 1 ? 'was' : 'were'} dropped`)
  error.message = `${parts.join('; ')}. The object can be rebuilt once enough of its holders are back online.`
  return error
}

function count (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
