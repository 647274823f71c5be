import { describe, expect, it } from 'vitest'
import { ReplayGuard } from './replay-guard.ts'

describe('ReplayGuard', () => {
  it('remembers a key until it expires', () => {
    const guard = new ReplayGuard(10)
    guard.add('a', 1000, 0)
    expect(guard.has('a', 999)).toBe(true)
    expect(guard.has('b', 999)).toBe(false)
    expect(guard.has('a', 1000)).toBe(false)
    expect(guard.size).toBe(0)
  })

  it('stays within its bound by forgetting the entry closest to expiry', () => {
    const guard = new ReplayGuard(3)
    for (let i = 0; i < 5; i++) guard.add(`k${i}`, 1000 + i, i)
    expect(guard.size).toBe(3)
    expect(guard.has('k0', 5)).toBe(false)
    expect(guard.has('k1', 5)).toBe(false)
    expect(guard.has('k4', 5)).toBe(true)
  })
})
