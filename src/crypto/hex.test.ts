import { describe, expect, it } from 'vitest'
import { InvalidHexError } from './errors.ts'
import { fromHex, toHex } from './hex.ts'

describe('hex', () => {
  it('encodes lowercase without a prefix', () => {
    expect(toHex(new Uint8Array([0x00, 0x0f, 0xab, 0xff]))).toBe('000fabff')
    expect(toHex(new Uint8Array())).toBe('')
  })

  it('decodes upper, lower and 0x-prefixed hex', () => {
    expect([...fromHex('000fabff')]).toEqual([0x00, 0x0f, 0xab, 0xff])
    expect([...fromHex('0x000FABFF')]).toEqual([0x00, 0x0f, 0xab, 0xff])
    expect(fromHex('')).toHaveLength(0)
  })

  it('round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(fromHex(toHex(all))).toEqual(all)
  })

  it.each([
    ['odd length', 'abc'],
    ['non-hex character', 'zz'],
    ['whitespace', 'ab cd'],
    ['sign', '-1'],
    ['prefix only with odd digits', '0x1']
  ])('rejects %s with InvalidHexError', (_, input) => {
    expect(() => fromHex(input)).toThrow(InvalidHexError)
  })

  it('enforces an expected byte length', () => {
    expect(fromHex('0x' + 'aa'.repeat(32), 32)).toHaveLength(32)
    expect(() => fromHex('aa'.repeat(31), 32)).toThrow(InvalidHexError)
    expect(() => fromHex('aa'.repeat(33), 32)).toThrow(/expected 32 bytes/)
  })

  it('rejects a non-string with InvalidHexError', () => {
    expect(() => fromHex(42 as unknown as string)).toThrow(InvalidHexError)
  })
})
