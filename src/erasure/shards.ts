import { InvalidShardsError, NotEnoughShardsError } from './errors.ts'

/** The seed's default coding: any 10 of 15 shards rebuild an object. */
export const DEFAULT_DATA_SHARDS = 10
export const DEFAULT_PARITY_SHARDS = 5
/** GF(2^8) has 256 elements, so a Vandermonde code has at most 256 distinct shard rows. */
export const MAX_TOTAL_SHARDS = 256

/** A shard list as collected from holders: indexed by shard index, missing shards null or undefined. */
export type ShardSlots = ReadonlyArray<Uint8Array | null | undefined>

export interface EncodedObject {
  /** k data shards then m parity shards, all `shardSize` bytes; views into one shared buffer. */
  shards: Uint8Array[]
  shardSize: number
  /** Needed by `decode` to drop the zero padding; store it in the (signed) manifest. */
  originalLength: number
  dataShards: number
  parityShards: number
}

/**
 * Size of each shard for an object of `originalLength` bytes: the bytes are split into k equal parts, the
 * last one zero-padded (klauspost/reedsolomon's `Split` layout). Never 0, because reed-solomon-erasure rejects
 * empty shards; a 0-byte object becomes k zero bytes.
 */
export function shardSizeFor (originalLength: number, dataShards: number): number {
  return Math.max(1, Math.ceil(originalLength / dataShards))
}

export function checkParameters (dataShards: number, parityShards: number): void {
  if (!Number.isInteger(dataShards) || !Number.isInteger(parityShards) || dataShards < 1 || parityShards < 0 ||
    dataShards + parityShards > MAX_TOTAL_SHARDS) {
    throw new InvalidShardsError(`cannot code with ${dataShards} data + ${parityShards} parity shards: ` +
      `need k >= 1, m >= 0 and k + m <= ${MAX_TOTAL_SHARDS}`)
  }
}

export function checkObject (bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new InvalidShardsError('encode expects the object as a Uint8Array')
}

export function checkOriginalLength (originalLength: number): void {
  if (!Number.isSafeInteger(originalLength) || originalLength < 0) {
    throw new InvalidShardsError(`original length must be a byte count, got ${originalLength}`)
  }
}

export function checkShardSizeMatches (originalLength: number, shardSize: number, dataShards: number): void {
  const expectedSize = shardSizeFor(originalLength, dataShards)
  if (shardSize !== expectedSize) {
    throw new InvalidShardsError(`shards are ${shardSize} bytes, but a ${originalLength}-byte object split ` +
      `into ${dataShards} data shards has ${expectedSize}-byte shards: the manifest does not match these shards`)
  }
}

/** Checks the shape of a shard list and returns its common shard size and which slots are filled. */
export function checkShards (shards: ShardSlots, dataShards: number,
  parityShards: number): { shardSize: number, present: boolean[] } {
  const total = dataShards + parityShards
  if (!Array.isArray(shards) || shards.length !== total) {
    throw new InvalidShardsError(`expected a list of ${total} shard slots (${dataShards} data + ` +
      `${parityShards} parity, missing ones null), got ${Array.isArray(shards) ? shards.length : typeof shards}`)
  }
  const present: boolean[] = new Array(total)
  let presentCount = 0
  for (let index = 0; index < total; index++) {
    const shard = shards[index]
    present[index] = shard !== null && shard !== undefined
    if (!present[index]) continue
    if (!(shard instanceof Uint8Array)) throw new InvalidShardsError(`shard ${index} is not a Uint8Array`)
    presentCount++
  }
  let shardSize = -1
  for (const shard of shards) {
    if (shard == null) continue
    if (shardSize === -1) shardSize = shard.length
    else if (shard.length !== shardSize) {
      const sizes = new Set(shards.flatMap((slot) => slot != null ? [slot.length] : []))
      throw new InvalidShardsError(`shards of one object must be equally long, got lengths ${[...sizes].join(', ')}`)
    }
  }
  if (shardSize === 0) throw new InvalidShardsError('shards must not be empty')
  if (presentCount < dataShards) throw new NotEnoughShardsError(presentCount, dataShards, total)
  return { shardSize: Math.max(shardSize, 0), present }
}

/** True when every data shard (the first k) is at hand, so the object needs no coding to read. */
export function allDataPresent (present: readonly boolean[], dataShards: number): boolean {
  for (let index = 0; index < dataShards; index++) if (!present[index]) return false
  return true
}

/** The object from a complete set of data shards: their concatenation without the padding. */
export function joinDataShards (dataShardList: ReadonlyArray<Uint8Array | null | undefined>, dataShards: number,
  shardSize: number, originalLength: number): Uint8Array {
  const object = new Uint8Array(originalLength)
  for (let index = 0; index < dataShards && index * shardSize < originalLength; index++) {
    const shard = dataShardList[index] as Uint8Array
    object.set(shard.subarray(0, Math.min(shardSize, originalLength - index * shardSize)), index * shardSize)
  }
  return object
}

export function splitCodeword (codeword: Uint8Array, shardSize: number, total: number): Uint8Array[] {
  const shards: Uint8Array[] = new Array(total)
  for (let index = 0; index < total; index++) {
    shards[index] = codeword.subarray(index * shardSize, (index + 1) * shardSize)
  }
  return shards
}

/** Byte equality, a word at a time where both views allow it (repairs compare whole shards). */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let index = 0
  if (a.byteOffset % 4 === b.byteOffset % 4) {
    const head = Math.min(a.length, (4 - a.byteOffset % 4) % 4)
    for (; index < head; index++) if (a[index] !== b[index]) return false
    const words = (a.length - index) >> 2
    if (words > 0) {
      const wordsA = new Uint32Array(a.buffer, a.byteOffset + index, words)
      const wordsB = new Uint32Array(b.buffer, b.byteOffset + index, words)
      for (let word = 0; word < words; word++) if (wordsA[word] !== wordsB[word]) return false
      index += words * 4
    }
  }
  for (; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}
