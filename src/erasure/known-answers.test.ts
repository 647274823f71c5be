import { describe, expect, it, vi } from 'vitest'
import { defaultErasureCoderName, erasureCoder, type ErasureCoderName } from './index.ts'

// Pins byte compatibility with klauspost/reedsolomon and Backblaze JavaReedSolomon: systematic Vandermonde
// matrix over GF(2^8) with polynomial 0x11d. A change here breaks every shard already stored in the mesh.

/** First parity row of the 10 + 5 coding matrix, as published for klauspost/reedsolomon. */
const KLAUSPOST_FIRST_PARITY_ROW_10_5 = [129, 150, 175, 184, 210, 196, 254, 232, 3, 2]

/** All 5 parity rows of the 10 + 5 matrix (derived once from the library; row 0 checked against the above). */
const PARITY_ROWS_10_5 = [
  [129, 150, 175, 184, 210, 196, 254, 232, 3, 2],
  [150, 129, 184, 175, 196, 210, 232, 254, 2, 3],
  [191, 214, 98, 10, 6, 111, 223, 183, 5, 4],
  [214, 191, 10, 98, 111, 6, 183, 223, 4, 5],
  [191, 192, 76, 50, 85, 43, 160, 223, 7, 6]
]

/** A 37-byte object, so the last data shard holds 1 byte and 3 bytes of zero padding. */
const FIXTURE_OBJECT = new TextEncoder().encode('ZenTalk Mesh erasure known-answer v1.')
const FIXTURE_SHARDS_10_5 = [
  '5a656e54', '616c6b20', '4d657368', '20657261', '73757265', '206b6e6f', '776e2d61', '6e737765', '72207631',
  '2e000000', '288feb9b', 'b73a5c83', '66285833', '46a8f894', '89f51d9e'
]
const FIXTURE_SHARDS_4_2 = [
  '5a656e54616c6b204d65', '73682065726173757265', '206b6e6f776e2d616e73', '7765722076312e000000',
  '5815380df814e39e42a3', '6812872587e8a1738694'
]

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16))

// Both coders must produce these exact bytes: the SIMD coder (the default) and reed-solomon-erasure.wasm.
describe.each<ErasureCoderName>(['simd', 'reference'])('erasure known-answer vectors (%s coder)', (coderName) => {
  const { encode, decode } = erasureCoder(coderName)

  it('uses the klauspost/Backblaze 10 + 5 matrix: first parity row of unit-vector data', async () => {
    expect(PARITY_ROWS_10_5[0]).toEqual(KLAUSPOST_FIRST_PARITY_ROW_10_5)
    // Data shard j = one byte, 1 for shard j and 0 elsewhere; parity i then equals matrix entry (i, j).
    for (let j = 0; j < 10; j++) {
      const unitVector = new Uint8Array(10)
      unitVector[j] = 1
      const { shards, shardSize } = await encode(unitVector, 10, 5)
      expect(shardSize).toBe(1)
      expect(shards[10][0], `parity 0 of unit vector ${j}`).toBe(KLAUSPOST_FIRST_PARITY_ROW_10_5[j])
      expect(shards.slice(10).map((shard) => shard[0])).toEqual(PARITY_ROWS_10_5.map((row) => row[j]))
    }
  })

  it('reproduces all five parity rows from an identity-matrix object in one encode', async () => {
    // 10-byte shards, shard j has a 1 at byte j: parity shard i is then exactly matrix row i.
    const identity = new Uint8Array(100)
    for (let j = 0; j < 10; j++) identity[j * 10 + j] = 1
    const { shards } = await encode(identity, 10, 5)
    expect(shards.slice(10).map((shard) => Array.from(shard))).toEqual(PARITY_ROWS_10_5)
  })

  it('encodes the fixture object to the pinned shard bytes (10 + 5 and 4 + 2)', async () => {
    const tenFive = await encode(FIXTURE_OBJECT)
    expect(tenFive.shardSize).toBe(4)
    expect(tenFive.shards.map(toHex)).toEqual(FIXTURE_SHARDS_10_5)
    const fourTwo = await encode(FIXTURE_OBJECT, 4, 2)
    expect(fourTwo.shards.map(toHex)).toEqual(FIXTURE_SHARDS_4_2)
  })

  it('decodes the pinned shards with data shards lost', async () => {
    const slots: Array<Uint8Array | null> = FIXTURE_SHARDS_10_5.map(fromHex)
    for (const lost of [0, 2, 5, 9, 13]) slots[lost] = null
    expect(await decode(slots, 10, 5, FIXTURE_OBJECT.length)).toEqual(FIXTURE_OBJECT)
  })

  it('lays out a 0-byte object as k + m one-byte zero shards', async () => {
    const { shards, shardSize, originalLength } = await encode(new Uint8Array(0))
    expect({ shardSize, originalLength, count: shards.length }).toEqual({ shardSize: 1, originalLength: 0, count: 15 })
    expect(shards.every((shard) => shard.length === 1 && shard[0] === 0)).toBe(true)
  })
})

describe('the default coder', () => {
  it('is the SIMD one where WASM SIMD runs (Node 22 does)', () => {
    expect(defaultErasureCoderName()).toBe('simd')
  })

  it('falls back to reed-solomon-erasure.wasm where WASM SIMD does not validate', () => {
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false)
    try {
      expect(defaultErasureCoderName()).toBe('reference')
    } finally {
      validate.mockRestore()
    }
  })
})
