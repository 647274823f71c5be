import { describe, expect, it } from 'vitest'
import { FUZZ_TARGETS, FuzzFindingError, fuzz, mutate } from './fuzz.ts'
import { streamFuzz } from './stream-fuzz.ts'

// The small run of `npm run fuzz` (which sends 100,000 frames per target): enough to catch a decoder or handler
// that throws an untyped error or answers INTERNAL, in a few seconds per target.
const FRAMES = 1500

describe('fuzzing every decoder and handler that takes bytes from a peer', () => {
  for (const [name, make] of Object.entries(FUZZ_TARGETS)) {
    it(`${name}: ${FRAMES} generated frames end in a status or a typed error, and honest input still works`, async () => {
      const run = await fuzz(await make(), FRAMES, 20261202)
      expect(run.frames).toBe(FRAMES)
      // The frames reach past the decoder: some are refused for what they say, not only for how they are framed.
      expect(Object.keys(run.outcomes).length).toBeGreaterThan(1)
    }, 120_000)
  }

  it('a node keeps serving an honest peer after hostile streams over real libp2p', async () => {
    const result = await streamFuzz(150, 7)
    expect(result.outcomes.reset ?? 0).toBeGreaterThan(0)
    expect(result.outcomes.MALFORMED ?? 0).toBeGreaterThan(0)
  }, 120_000)

  it('the oracle catches an untyped error and shrinks to the frame that causes it', async () => {
    const [make] = Object.values(FUZZ_TARGETS)
    const target = await make()
    const broken = { ...target, run: async (frame: Uint8Array) => { if (frame.length > 3) throw new FuzzFindingError('broken', 'threw TypeError', frame); return 'ok' } }
    const failure = await fuzz(broken, 500, 1).then(() => undefined, (error: unknown) => error as Error & { cause?: unknown })
    expect(failure?.message).toMatch(/Property failed/)
    expect(failure?.cause).toBeInstanceOf(FuzzFindingError)
  })

  it('mutations keep positions inside the frame', () => {
    const seed = Uint8Array.of(1, 2, 3, 4)
    expect(mutate(seed, [{ kind: 'set', at: 6, value: 9 }])).toEqual(Uint8Array.of(1, 2, 9, 4))
    expect(mutate(seed, [{ kind: 'cut', at: 1 }])).toEqual(Uint8Array.of(1))
    expect(mutate(seed, [{ kind: 'delete', at: 1, length: 2 }])).toEqual(Uint8Array.of(1, 4))
  })
})
