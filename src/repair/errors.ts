import { ZenTalkError } from '../errors/index.ts'

// Every class sets `name` itself: production builds minify class names, and callers match on `name`.

/** A repair could not gather k verified shards of an object from its live holders. */
export class RepairShortOfShardsError extends ZenTalkError {
  override name = 'RepairShortOfShardsError'
  readonly present: number
  readonly needed: number

  constructor (objectId: string, present: number, needed: number, why: string) {
    super(`found ${present} of the ${needed} verified shards needed to rebuild object ${objectId} (${why}); ` +
      'it is retried next round, when more holders may answer')
    this.present = present
    this.needed = needed
  }
}

/**
 * A rebuilt shard does not hash to the owner-signed manifest. Reed-Solomon checks the shards it was given against
 * each other, so this means a library fault; the shard is never stored.
 */
export class RebuiltShardMismatchError extends ZenTalkError {
  override name = 'RebuiltShardMismatchError'
}

/** No live storage node accepted a rebuilt or handed-off shard. */
export class NoShardTargetError extends ZenTalkError {
  override name = 'NoShardTargetError'
}

/** A hand-off or duplicate drop found that the node meant to keep the shard does not hold a valid copy. */
export class KeeperMissingShardError extends ZenTalkError {
  override name = 'KeeperMissingShardError'
}

/** This node's own copy of a shard no longer matches its manifest; it was deleted so the shard is rebuilt. */
export class LocalShardCorruptError extends ZenTalkError {
  override name = 'LocalShardCorruptError'
}

/**
 * The record of dead holders a node keeps across restarts (their dead spells and what they held) cannot be read:
 * damaged, of another version, or beyond its bounds. Repair then starts without it: the graces of holders dead now
 * start over, which delays their rebuild and never hastens it.
 */
export class InvalidGraceRecordError extends ZenTalkError {
  override name = 'InvalidGraceRecordError'
}
