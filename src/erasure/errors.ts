import { ZenTalkError } from '../errors/index.ts'

/** Fewer than k distinct shards are at hand, so the object cannot be rebuilt yet. */
export class NotEnoughShardsError extends ZenTalkError {
  // Explicit name: minifiers rename classes, and callers match on `name`.
  override readonly name = 'NotEnoughShardsError'
  readonly present: number
  readonly needed: number
  readonly total: number

  constructor (present: number, needed: number, total: number) {
    super(`have ${present} of the ${needed} shards needed to rebuild the object (${total} shards exist); ` +
      `fetch ${needed - present} more from other holders`)
    this.present = present
    this.needed = needed
    this.total = total
  }
}

/** The shards or the coding parameters cannot belong to one encoding (wrong count, sizes or k, m). */
export class InvalidShardsError extends ZenTalkError {
  override readonly name = 'InvalidShardsError'
}

/**
 * The shards have the right shape but do not form one codeword: the rebuilt object does not reproduce every
 * shard it was given, so at least one shard is corrupt or belongs to another object.
 */
export class InconsistentShardsError extends ZenTalkError {
  override readonly name = 'InconsistentShardsError'
  readonly mismatchedShards: number[]

  constructor (mismatchedShards: number[]) {
    super(`shards ${mismatchedShards.join(', ')} disagree with the others: a shard is corrupt or belongs to ` +
      'another object; check each shard against its manifest hash and drop the bad one')
    this.mismatchedShards = mismatchedShards
  }
}

/** The Reed-Solomon WASM library failed (load error, trap or unexpected result code). */
export class ErasureLibraryError extends ZenTalkError {
  override readonly name = 'ErasureLibraryError'
}
