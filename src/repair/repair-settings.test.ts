import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../errors/index.ts'
import { MAX_LOST_AFTER_MS, repairThresholdOf, resolveRepairSettings, validRepairThreshold, type RepairerInit } from './repair-settings.ts'

/** The settings part of a repairer's init (what resolveRepairSettings reads). */
const resolve = (init: Partial<RepairerInit>) => resolveRepairSettings(init as RepairerInit)

describe('the grace and threshold settings', () => {
  it('default to today\'s policy: no grace, and any missing shard is repaired', () => {
    const settings = resolve({})
    expect(settings.lostAfterMs).toBe(0)
    expect(settings.repairThreshold).toBeUndefined()
    expect(repairThresholdOf(settings, { k: 10, m: 5 })).toBe(14)
    expect(repairThresholdOf(resolve({ repairThreshold: 12 }), { k: 10, m: 5 })).toBe(12)
  })

  it('take a grace from 0 to 30 days', () => {
    expect(resolve({ lostAfterMs: MAX_LOST_AFTER_MS }).lostAfterMs).toBe(30 * 86_400_000)
    expect(() => resolve({ lostAfterMs: MAX_LOST_AFTER_MS + 1 })).toThrow(/lostAfterMs must be at most/)
    expect(() => resolve({ lostAfterMs: -1 })).toThrow(InvalidConfigError)
    expect(() => resolve({ lostAfterMs: Number.NaN })).toThrow(InvalidConfigError)
  })

  it('give tabs lostAfterMs unless tabLostAfterMs is set, from 0 to 30 days', () => {
    expect(resolve({})).toMatchObject({ lostAfterMs: 0, tabLostAfterMs: 0 })
    expect(resolve({ lostAfterMs: 3 * 86_400_000 })).toMatchObject({ lostAfterMs: 3 * 86_400_000, tabLostAfterMs: 3 * 86_400_000 })
    expect(resolve({ lostAfterMs: 3 * 86_400_000, tabLostAfterMs: 7 * 86_400_000 })).toMatchObject({ lostAfterMs: 3 * 86_400_000, tabLostAfterMs: 7 * 86_400_000 })
    expect(resolve({ lostAfterMs: 3 * 86_400_000, tabLostAfterMs: 0 })).toMatchObject({ lostAfterMs: 3 * 86_400_000, tabLostAfterMs: 0 })
    expect(resolve({ tabLostAfterMs: MAX_LOST_AFTER_MS }).tabLostAfterMs).toBe(MAX_LOST_AFTER_MS)
    expect(() => resolve({ tabLostAfterMs: MAX_LOST_AFTER_MS + 1 })).toThrow(InvalidConfigError)
    expect(() => resolve({ tabLostAfterMs: MAX_LOST_AFTER_MS + 1 })).toThrow(/^tabLostAfterMs must be at most 2592000000 \(30 days\)/)
    expect(() => resolve({ tabLostAfterMs: -1 })).toThrow(/tabLostAfterMs/)
    expect(() => resolve({ tabLostAfterMs: Number.NaN })).toThrow(InvalidConfigError)
  })

  it('take a threshold from k to k + m - 1 of every allowed stripe, and refuse any other', () => {
    expect(resolve({ repairThreshold: 10 }).repairThreshold).toBe(10)
    expect(resolve({ repairThreshold: 14 }).repairThreshold).toBe(14)
    for (const bad of [9, 15, 12.5, Number.NaN]) expect(() => resolve({ repairThreshold: bad })).toThrow(InvalidConfigError)
    expect(() => resolve({ repairThreshold: 15 })).toThrow('repairThreshold must be a whole number from k to k + m - 1 for every stripe (10+5: 10 to 14), got 15')
    // Two stripes: the threshold must suit both.
    const stripes = [{ k: 10, m: 5 }, { k: 4, m: 8 }]
    expect(resolve({ repairThreshold: 11, allowedStripes: stripes }).repairThreshold).toBe(11)
    expect(() => resolve({ repairThreshold: 9, allowedStripes: stripes })).toThrow(/\(10\+5: 10 to 14\)/)
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: -5, max: 90 }), (k, m, threshold) => {
      const ok = threshold >= k && threshold < k + m
      if (ok) expect(validRepairThreshold(threshold, [{ k, m }])).toBe(threshold)
      else expect(() => validRepairThreshold(threshold, [{ k, m }])).toThrow(InvalidConfigError)
    }))
  })

  it('take a threshold per stripe, which overrides the one for all stripes for objects of that stripe', () => {
    const stripes = [{ k: 10, m: 5 }, { k: 10, m: 20 }]
    const settings = resolve({ allowedStripes: stripes, repairThreshold: 12, repairThresholds: [{ k: 10, m: 20, threshold: 23 }] })
    expect(repairThresholdOf(settings, { k: 10, m: 20 })).toBe(23)
    expect(repairThresholdOf(settings, { k: 10, m: 5 })).toBe(12)
    // Alone, a stripe's own threshold leaves every other stripe at k + m - 1.
    const own = resolve({ allowedStripes: stripes, repairThresholds: [{ k: 10, m: 20, threshold: 23 }] })
    expect([repairThresholdOf(own, { k: 10, m: 20 }), repairThresholdOf(own, { k: 10, m: 5 })]).toEqual([23, 14])
    // 23 would not suit 10+5, but 10+20 has its own: the one for all stripes is checked against the others only.
    expect(() => resolve({ allowedStripes: stripes, repairThreshold: 23 })).toThrow(/\(10\+5: 10 to 14\)/)
    expect(() => resolve({ allowedStripes: stripes, repairThreshold: 12, repairThresholds: [{ k: 10, m: 20, threshold: 30 }] })).toThrow(/10 to 29/)
    expect(() => resolve({ allowedStripes: stripes, repairThresholds: [{ k: 10, m: 10, threshold: 15 }] })).toThrow(/10\+10, which is not repaired here/)
  })
})
