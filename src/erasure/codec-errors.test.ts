import { describe, expect, it } from 'vitest'
import { ZenTalkError } from '../errors/index.ts'
import {
  InconsistentShardsError, InvalidShardsError, NotEnoughShardsError, erasureCoder, type ErasureCoderName
} from './index.ts'

const OBJECT = new TextEncoder().encode('a chat history chunk of some length, 60 bytes or thereabouts')

// Both coders refuse the same inputs with the same errors (the SIMD coder is the default).
describe.each<ErasureCoderName>(['simd', 'reference'])('erasure errors a caller can act on (%s coder)', (coderName) => {
  const { encode, decode, reconstructShards } = erasureCoder(coderName)
  const encodedSlots = async (): Promise<Array<Uint8Array | null | undefined>> => (await encode(OBJECT)).shards.slice()

  it('refuses to decode from 9 of the 10 shards needed, saying how many are missing', async () => {
    const slots = await encodedSlots()
    for (const lost of [0, 3, 10, 12, 14, 7]) slots[lost] = lost % 2 === 0 ? null : undefined
    const failure = decode(slots, 10, 5, OBJECT.length)
    await expect(failure).rejects.toThrow(NotEnoughShardsError)
    await expect(failure).rejects.toThrow('have 9 of the 10 shards needed')
    const error = await failure.catch((err: unknown) => err)
    expect(error).toBeInstanceOf(ZenTalkError)
    expect(error).toMatchObject({ name: 'NotEnoughShardsError', present: 9, needed: 10 })
    await expect(reconstructShards(slots, 10, 5)).rejects.toThrow(NotEnoughShardsError)
  })

  it('counts zero shards and, with m = 0, any lost shard as not enough', async () => {
    await expect(decode(new Array(15).fill(null), 10, 5, 0)).rejects.toThrow('have 0 of the 10 shards needed')
    const { shards } = await encode(OBJECT, 4, 0)
    await expect(decode([shards[0], shards[1], null, shards[3]], 4, 0, OBJECT.length))
      .rejects.toThrow('have 3 of the 4 shards needed')
  })

  it('rejects shards of different lengths', async () => {
    const slots = await encodedSlots()
    slots[4] = (slots[4] as Uint8Array).subarray(1)
    await expect(decode(slots, 10, 5, OBJECT.length)).rejects.toThrow(InvalidShardsError)
    await expect(reconstructShards(slots, 10, 5)).rejects.toThrow(/equally long/)
  })

  it('rejects shards whose size does not match the original length from the manifest', async () => {
    const slots = await encodedSlots()
    await expect(decode(slots, 10, 5, OBJECT.length * 3)).rejects.toThrow(/manifest does not match/)
    await expect(decode(slots, 10, 5, -1)).rejects.toThrow(InvalidShardsError)
  })

  it('rejects a shard list of the wrong length or with non-byte entries', async () => {
    const slots = await encodedSlots()
    await expect(decode(slots.slice(0, 14), 10, 5, OBJECT.length)).rejects.toThrow(/expected a list of 15 shard slots/)
    const withString = slots.slice() as unknown[]
    withString[2] = 'not bytes'
    await expect(decode(withString as Uint8Array[], 10, 5, OBJECT.length)).rejects.toThrow(/shard 2 is not a Uint8Array/)
    await expect(reconstructShards(new Array(15).fill(new Uint8Array(0)), 10, 5)).rejects.toThrow(/must not be empty/)
  })

  it.each([
    [0, 5], [10, -1], [200, 57], [1.5, 2], [10, Number.NaN]
  ])('rejects k = %s, m = %s before touching the library', async (k, m) => {
    await expect(encode(OBJECT, k, m)).rejects.toThrow(InvalidShardsError)
    await expect(decode([], k, m, 0)).rejects.toThrow(/k >= 1, m >= 0 and k \+ m <= 256/)
    await expect(reconstructShards([], k, m)).rejects.toThrow(InvalidShardsError)
  })

  it('accepts k + m = 256 exactly', async () => {
    const { shards } = await encode(OBJECT, 250, 6)
    expect(shards.length).toBe(256)
  })

  it('detects a corrupt shard when rebuilding, naming the shards that disagree', async () => {
    const slots = await encodedSlots()
    slots[0] = null // forces a rebuild
    const corrupt = (slots[12] as Uint8Array).slice()
    corrupt[0] ^= 0x01
    slots[12] = corrupt
    const failure = decode(slots, 10, 5, OBJECT.length)
    await expect(failure).rejects.toThrow(InconsistentShardsError)
    await expect(failure).rejects.toThrow(/manifest hash/)
    // Repair checks even when no data shard is missing: parity is recomputed and compared.
    const repairSlots = await encodedSlots()
    repairSlots[13] = Uint8Array.from(repairSlots[13] as Uint8Array, (byte) => byte ^ 0xff)
    const repairError = await reconstructShards(repairSlots, 10, 5).catch((err: unknown) => err)
    expect(repairError).toMatchObject({ name: 'InconsistentShardsError', mismatchedShards: [13] })
  })

  it('still decodes after an error (the shared library instance stays healthy)', async () => {
    const slots = await encodedSlots()
    slots[1] = slots[11] = null
    expect(await decode(slots, 10, 5, OBJECT.length)).toEqual(OBJECT)
  })

  it('rejects a non-Uint8Array object', async () => {
    await expect(encode('text' as unknown as Uint8Array)).rejects.toThrow(/Uint8Array/)
  })
})
