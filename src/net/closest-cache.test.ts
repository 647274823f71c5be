import { describe, expect, it } from 'vitest'
import { cachedClosest, SHORT_ANSWER_CACHE_MS } from './closest-cache.ts'

describe('cachedClosest', () => {
  const key = new Uint8Array(32).fill(7)

  function counting (answers: string[][]): { lookup: (key: Uint8Array, count: number) => Promise<string[]>, calls: () => number } {
    let calls = 0
    return {
      lookup: async (_key, count) => { const answer = answers[Math.min(calls, answers.length - 1)]; calls++; return answer.slice(0, count) },
      calls: () => calls
    }
  }

  it('reuses an answer within its lifetime, for the same or a smaller count', async () => {
    let t = 0
    const { lookup, calls } = counting([['a', 'b', 'c']])
    const find = cachedClosest(lookup, 1000, () => t)
    expect(await find(key, 3)).toEqual(['a', 'b', 'c'])
    t = 999
    expect(await find(key, 2)).toEqual(['a', 'b'])
    expect(calls()).toBe(1)
  })

  it('looks up again when the answer is old, when more peers are asked for, or when asked for a fresh one', async () => {
    let t = 0
    const { lookup, calls } = counting([['a'], ['b', 'c'], ['d', 'e'], ['f', 'g']])
    const find = cachedClosest(lookup, 1000, () => t)
    await find(key, 1)
    expect(await find(key, 2)).toEqual(['b', 'c'])
    expect(await find(key, 2, { fresh: true })).toEqual(['d', 'e'])
    // The fresh answer replaces the cached one.
    expect(await find(key, 2)).toEqual(['d', 'e'])
    t = 1000
    expect(await find(key, 2)).toEqual(['f', 'g'])
    expect(calls()).toBe(4)
  })

  it('keeps answers per key and does not remember a failed lookup', async () => {
    let fail = true
    let calls = 0
    const find = cachedClosest(async (k) => {
      calls++
      if (fail) throw new Error('relay down')
      return [String(k[0])]
    }, 1000, () => 0)
    await expect(find(key, 1)).rejects.toThrow('relay down')
    fail = false
    expect(await find(key, 1)).toEqual(['7'])
    expect(await find(new Uint8Array(32).fill(9), 1)).toEqual(['9'])
    expect(calls).toBe(3)
  })

  it('reuses a short answer (fewer peers than asked for) only briefly, so a passing view does not place a burst of stores', async () => {
    let t = 0
    const { lookup, calls } = counting([['a', 'b'], ['a', 'b', 'c']])
    const find = cachedClosest(lookup, 15_000, () => t)
    expect(await find(key, 3)).toEqual(['a', 'b'])
    t = SHORT_ANSWER_CACHE_MS - 1
    expect(await find(key, 3)).toEqual(['a', 'b'])
    expect(calls()).toBe(1)
    t = SHORT_ANSWER_CACHE_MS
    expect(await find(key, 3)).toEqual(['a', 'b', 'c'])
    // A full answer is kept for the whole lifetime.
    t = 14_000
    expect(await find(key, 3)).toEqual(['a', 'b', 'c'])
    expect(calls()).toBe(2)
  })
})
