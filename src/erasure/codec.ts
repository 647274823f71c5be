import { InconsistentShardsError, InvalidShardsError, NotEnoughShardsError } from './errors.ts'
import { ReedSolomonInstance } from './reed-solomon-wasm.ts'
import { loadReedSolomonModule } from './wasm-loader.ts'

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
  /** Needed by {@link decode} to drop the zero padding; store it in the (signed) manifest. */
  originalLength: number
  dataShards: number
  parityShards: number
}

let instance: ReedSolomonInstance | undefined
let creating: Promise<ReedSolomonInstance> | undefined

/** Loads and instantiates the WASM library ahead of the first call (optional; every call does it lazily). */
export async function initErasure (): Promise<void> {
  await acquireInstance()
}

/**
 * Size of each shard for an object of `originalLength` bytes: the bytes are split into k equal parts, the
 * last one zero-padded (klauspost/reedsolomon's `Split` layout). Never 0, because the library rejects
 * empty shards; a 0-byte object becomes k zero bytes.
 */
export function shardSizeFor (originalLength: number, dataShards: number): number {
  return Math.max(1, Math.ceil(originalLength / dataShards))
}

/** Splits `bytes` into k data shards and adds m parity shards; any k of the k + m rebuild `bytes`. */
export async function encode (bytes: Uint8Array, dataShards = DEFAULT_DATA_SHARDS,
  parityShards = DEFAULT_PARITY_SHARDS): Promise<EncodedObject> {
  checkParameters(dataShards, parityShards)
  if (!(bytes instanceof Uint8Array)) throw new InvalidShardsError('encode expects the object as a Uint8Array')
  const shardSize = shardSizeFor(bytes.length, dataShards)
  const codeword = new Uint8Array(shardSize * (dataShards + parityShards))
  codeword.set(bytes)
  if (parityShards > 0) (await acquireInstance()).encodeParity(codeword, dataShards, parityShards)
  return { shards: splitCodeword(codeword, shardSize, dataShards + parityShards), shardSize,
    originalLength: bytes.length, dataShards, parityShards }
}

/**
 * Rebuilds the object from any k of its k + m shards, data or parity, in any pattern.
 * Throws {@link NotEnoughShardsError} with fewer than k, {@link InvalidShardsError} when the shards cannot
 * come from one encoding of an `originalLength`-byte object, and {@link InconsistentShardsError} when
 * rebuilding was needed and the given shards contradict one another.
 */
export async function decode (shards: ShardSlots, dataShards: number, parityShards: number,
  originalLength: number): Promise<Uint8Array> {
  checkParameters(dataShards, parityShards)
  if (!Number.isSafeInteger(originalLength) || originalLength < 0) {
    throw new InvalidShardsError(`original length must be a byte count, got ${originalLength}`)
  }
  const { shardSize, present } = checkShards(shards, dataShards, parityShards)
  const expectedSize = shardSizeFor(originalLength, dataShards)
  if (shardSize !== expectedSize) {
    throw new InvalidShardsError(`shards are ${shardSize} bytes, but a ${originalLength}-byte object split ` +
      `into ${dataShards} data shards has ${expectedSize}-byte shards: the manifest does not match these shards`)
  }

  // Fast path: every data shard is here, so the object is their concatenation; no coding needed.
  if (present.slice(0, dataShards).every(Boolean)) {
    const object = new Uint8Array(originalLength)
    for (let index = 0; index < dataShards && index * shardSize < originalLength; index++) {
      const shard = shards[index] as Uint8Array
      object.set(shard.subarray(0, Math.min(shardSize, originalLength - index * shardSize)), index * shardSize)
    }
    return object
  }
  const codeword = await rebuildCodeword(shards, present, dataShards, parityShards, shardSize)
  return codeword.slice(0, originalLength)
}

/**
 * Returns all k + m shards (data and parity) rebuilt from any k present ones, for repair. Throws like
 * {@link decode}; the present shards are always checked against each other here.
 */
export async function reconstructShards (shards: ShardSlots, dataShards: number,
  parityShards: number): Promise<Uint8Array[]> {
  checkParameters(dataShards, parityShards)
  const { shardSize, present } = checkShards(shards, dataShards, parityShards)
  const codeword = await rebuildCodeword(shards, present, dataShards, parityShards, shardSize)
  return splitCodeword(codeword, shardSize, dataShards + parityShards)
}

/**
 * Rebuilds the whole codeword: missing data shards with the library's reconstruct, then every parity
 * shard by encoding the data again (the library rebuilds data shards only). Finally every given shard is
 * compared with the result. That comparison proves the result: a Reed-Solomon code is MDS, so the k or more
 * given shards fit exactly one codeword, and a codeword that reproduces them all is that one.
 */
async function rebuildCodeword (shards: ShardSlots, present: boolean[], dataShards: number,
  parityShards: number, shardSize: number): Promise<Uint8Array> {
  const codeword = new Uint8Array(shardSize * (dataShards + parityShards))
  present.forEach((isPresent, index) => { if (isPresent) codeword.set(shards[index] as Uint8Array, index * shardSize) })

  const rs = await acquireInstance()
  if (!present.slice(0, dataShards).every(Boolean)) rs.reconstructData(codeword, dataShards, parityShards, present)
  if (parityShards > 0) rs.encodeParity(codeword, dataShards, parityShards)

  const mismatched = present.flatMap((isPresent, index) => isPresent &&
    !equalBytes(shards[index] as Uint8Array, codeword.subarray(index * shardSize, (index + 1) * shardSize))
    ? [index]
    : [])
  if (mismatched.length > 0) {
    instance = undefined // in case the library rather than a shard is at fault, the next call starts afresh
    throw new InconsistentShardsError(mismatched)
  }
  return codeword
}

function checkParameters (dataShards: number, parityShards: number): void {
  if (!Number.isInteger(dataShards) || !Number.isInteger(parityShards) || dataShards < 1 || parityShards < 0 ||
    dataShards + parityShards > MAX_TOTAL_SHARDS) {
    throw new InvalidShardsError(`cannot code with ${dataShards} data + ${parityShards} parity shards: ` +
      `need k >= 1, m >= 0 and k + m <= ${MAX_TOTAL_SHARDS}`)
  }
}

/** Checks the shape of a shard list and returns its common shard size and which slots are filled. */
function checkShards (shards: ShardSlots, dataShards: number,
  parityShards: number): { shardSize: number, present: boolean[] } {
  const total = dataShards + parityShards
  if (!Array.isArray(shards) || shards.length !== total) {
    throw new InvalidShardsError(`expected a list of ${total} shard slots (${dataShards} data + ` +
      `${parityShards} parity, missing ones null), got ${Array.isArray(shards) ? shards.length : typeof shards}`)
  }
  const present = shards.map((shard, index) => {
    if (shard === null || shard === undefined) return false
    if (!(shard instanceof Uint8Array)) throw new InvalidShardsError(`shard ${index} is not a Uint8Array`)
    return true
  })
  const sizes = new Set(shards.flatMap((shard) => shard != null ? [shard.length] : []))
  if (sizes.size > 1) {
    throw new InvalidShardsError(`shards of one object must be equally long, got lengths ${[...sizes].join(', ')}`)
  }
  const [shardSize = 0] = sizes
  if (sizes.size === 1 && shardSize === 0) throw new InvalidShardsError('shards must not be empty')
  const presentCount = present.filter(Boolean).length
  if (presentCount < dataShards) throw new NotEnoughShardsError(presentCount, dataShards, total)
  return { shardSize, present }
}

/** The shared library instance, replaced when it trapped or its memory grew too large. */
async function acquireInstance (): Promise<ReedSolomonInstance> {
  if (instance?.usable === true) return instance
  // One creation at a time: many shards arriving at once must not each instantiate a 1 MiB WASM memory.
  creating ??= loadReedSolomonModule()
    .then(async (module) => await ReedSolomonInstance.create(module))
    .then((fresh) => { instance = fresh; return fresh })
    .finally(() => { creating = undefined })
  return await creating
}

function splitCodeword (codeword: Uint8Array, shardSize: number, total: number): Uint8Array[] {
  return Array.from({ length: total }, (_, index) => codeword.subarray(index * shardSize, (index + 1) * shardSize))
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}
