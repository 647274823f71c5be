import { describe, expect, it } from 'vitest'
import { bytesEqual } from './bytes.ts'

describe('bytesEqual', () => {
  it('is true for equal contents in different buffers', () => {
    expect(bytesEqual(new Uint8Array([1, 2, 3]), Uint8Array.of(1, 2, 3))).toBe(true)
    expect(bytesEqual(new Uint8Array(), new Uint8Array())).toBe(true)
  })

  it('is false when any byte differs, including the first and the last', () => {
    expect(bytesEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(0, 2, 3))).toBe(false)
    expect(bytesEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false)
    expect(bytesEqual(Uint8Array.of(0x80), Uint8Array.of(0x00))).toBe(false)
  })

  it('is false for different lengths, even when one is a prefix of the other', () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(false)
    expect(bytesEqual(new Uint8Array(), Uint8Array.of(0))).toBe(false)
  })

  it('compares views, not the buffers behind them', () => {
    const buffer = Uint8Array.of(9, 1, 2, 9)
    expect(bytesEqual(buffer.subarray(1, 3), Uint8Array.of(1, 2))).toBe(true)
  })
})
