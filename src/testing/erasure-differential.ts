/**
 * Differential check of the SIMD coder against reed-solomon-erasure.wasm: the same random cases through both,
 * compared byte for byte, errors included. Shared by the unit test (a seeded sample) and `npm run fuzz:erasure`
 * (100,000 cases). Test support only: production code never imports this.
 */
import fc from 'fast-check'
import { equalBytes, type ErasureCoder, type ShardSlots } from '../erasure/index.ts'
import { mulberry32, randomBytes, randomInt } from './seeded-random.ts'

export interface ErasureCase {
  dataShards: number
  parityShards: number
  objectBytes: number
  /** Seeds the object's bytes. */
  bytesSeed: number
  /** Shards dropped; more than m makes both coders refuse with NotEnoughShardsError. */
  lost: number
  /** Seeds which shards are dropped and, when `corrupt`, which present shard gets one flipped byte. */
  patternSeed: number
  corrupt: boolean
}

const KIB = 1024

/** Mostly 10 + 5 and small codes, sometimes wide ones; sizes from 0 B to `maxObjectBytes`, mostly small. */
export function erasureCaseArbitrary (maxObjectBytes = 384 * KIB): fc.Arbitrary<ErasureCase> {
  const shape = fc.oneof(
    { weight: 5, arbitrary: fc.constant({ dataShards: 10, parityShards: 5 }) },
    { weight: 4, arbitrary: fc.record({ dataShards: fc.integer({ min: 1, max: 20 }), parityShards: fc.integer({ min: 0, max: 10 }) }) },
    { weight: 1, arbitrary: fc.record({ dataShards: fc.integer({ min: 1, max: 64 }), parityShards: fc.integer({ min: 0, max: 64 }) }) }
  )
  const objectBytes = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 64 }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 * KIB }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 64 * KIB }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: maxObjectBytes }) }
  )
  return shape.chain(({ dataShards, parityShards }) => fc.record({
    dataShards: fc.constant(dataShards),
    parityShards: fc.constant(parityShards),
    objectBytes,
    bytesSeed: fc.integer(),
    // Up to m + 1: one past what a rebuild can take, so both coders must refuse alike.
    lost: fc.integer({ min: 0, max: Math.min(dataShards + parityShards, parityShards + 1) }),
    patternSeed: fc.integer(),
    corrupt: fc.integer({ min: 0, max: 9 }).map((draw) => draw === 9) // about one case in ten
  }))
}

type Outcome = { ok: true, value: Uint8Array | Uint8Array[] } | { ok: false, error: Record<string, unknown> }

async function outcome (run: () => Promise<Uint8Array | Uint8Array[]>): Promise<Outcome> {
  try {
    return { ok: true, value: await run() }
  } catch (err) {
    if (!(err instanceof Error)) throw err
    return { ok: false, error: { ...err, name: err.name, message: err.message } }
  }
}

function describeOutcome (result: Outcome): string {
  if (!result.ok) return `error ${JSON.stringify(result.error)}`
  const rows = Array.isArray(result.value) ? result.value : [result.value]
  return `${rows.length} row(s) of ${rows.map((row) => row.length).join(',')} bytes`
}

function sameOutcome (a: Outcome, b: Outcome): boolean {
  if (!a.ok || !b.ok) return !a.ok && !b.ok && JSON.stringify(a.error) === JSON.stringify(b.error)
  const rowsA = Array.isArray(a.value) ? a.value : [a.value]
  const rowsB = Array.isArray(b.value) ? b.value : [b.value]
  return rowsA.length === rowsB.length && rowsA.every((row, index) => equalBytes(row, rowsB[index]))
}

/** What decode and reconstructShards did in one case (the same for both coders, or `checkCase` threw). */
export interface CaseResult {
  decode: string
  reconstructShards: string
}

/** Runs one case through both coders; throws an Error describing the first difference. */
export async function checkCase (subject: ErasureCoder, reference: ErasureCoder,
  test: ErasureCase): Promise<CaseResult> {
  const { dataShards: k, parityShards: m } = test
  const object = randomBytes(mulberry32(test.bytesSeed), test.objectBytes)
  const expected = await reference.encode(object, k, m)
  const actual = await subject.encode(object, k, m)
  if (actual.shardSize !== expected.shardSize || !sameOutcome({ ok: true, value: actual.shards }, { ok: true, value: expected.shards })) {
    throw new Error(`encode differs: ${JSON.stringify(test)}`)
  }

  const random = mulberry32(test.patternSeed)
  const slots: Array<Uint8Array | null> = expected.shards.map((shard) => shard.slice())
  const order = Array.from({ length: k + m }, (_, i) => i)
  for (let i = 0; i < test.lost; i++) {
    const j = i + randomInt(random, order.length - i)
    ;[order[i], order[j]] = [order[j], order[i]]
    slots[order[i]] = null
  }
  if (test.corrupt) {
    const present = slots.flatMap((slot, index) => slot !== null ? [index] : [])
    if (present.length > 0) {
      const victim = slots[present[randomInt(random, present.length)]] as Uint8Array
      victim[randomInt(random, victim.length)] ^= 1 + randomInt(random, 255)
    }
  }
  const snapshot = slots.map((slot) => slot?.slice() ?? null)
  const compare = async (operation: string,
    run: (coder: ErasureCoder, shards: ShardSlots) => Promise<Uint8Array | Uint8Array[]>): Promise<string> => {
    const want = await outcome(async () => await run(reference, slots))
    const got = await outcome(async () => await run(subject, slots))
    if (!sameOutcome(got, want)) {
      throw new Error(`${operation} differs for ${JSON.stringify(test)}: ${subject.name} gave ${describeOutcome(got)}, ` +
        `${reference.name} gave ${describeOutcome(want)}`)
    }
    if (!slots.every((slot, index) => slot === null ? snapshot[index] === null : equalBytes(slot, snapshot[index] as Uint8Array))) {
      throw new Error(`${operation} modified its input shards: ${JSON.stringify(test)}`)
    }
    return want.ok ? 'ok' : String(want.error.name)
  }
  return {
    decode: await compare('decode', async (coder, shards) => await coder.decode(shards, k, m, object.length)),
    reconstructShards: await compare('reconstructShards', async (coder, shards) => await coder.reconstructShards(shards, k, m))
  }
}

/**
 * Runs `numRuns` seeded cases; fast-check shrinks a failure to a small case and reports its seed and path.
 * Returns how often each outcome (e.g. `decode ok`, `reconstructShards InconsistentShardsError`) occurred.
 */
export async function runDifferential (subject: ErasureCoder, reference: ErasureCoder,
  options: { seed: number, numRuns: number, maxObjectBytes?: number }): Promise<Map<string, number>> {
  const tally = new Map<string, number>()
  const count = (key: string): void => { tally.set(key, (tally.get(key) ?? 0) + 1) }
  await fc.assert(
    fc.asyncProperty(erasureCaseArbitrary(options.maxObjectBytes), async (test) => {
      const result = await checkCase(subject, reference, test)
      count(`decode ${result.decode}`)
      count(`reconstructShards ${result.reconstructShards}`)
      if (test.dataShards === 10 && test.parityShards === 5) count('10+5 cases')
      if (test.objectBytes >= 64 * KIB) count('objects of 64 KiB or more')
    }),
    { seed: options.seed, numRuns: options.numRuns, endOnFailure: false }
  )
  return tally
}
