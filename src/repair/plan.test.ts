import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../testing/seeded-random.ts'
import { planObject, repairDue, type ObjectSurvey } from './plan.ts'

/** Peers p00, p01, … nearest first. */
const peers = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`)

function survey (held: Record<string, number[]>, options: { closest?: string[], ranked?: string[], unknown?: string[], total?: number } = {}): ObjectSurvey {
  const total = options.total ?? 15
  const closest = options.closest ?? peers.slice(0, total)
  return {
    total,
    ranked: options.ranked ?? peers.slice(0, 20),
    closest,
    held: new Map(Object.entries(held).map(([peer, indices]) => [peer, new Set(indices)])),
    unknown: new Set(options.unknown ?? [])
  }
}

/** Shard i on the i-th of `holders`. */
function oneEach (holders: string[]): Record<string, number[]> {
  return Object.fromEntries(holders.map((peer, index) => [peer, [index]]))
}

describe('planObject', () => {
  it('leaves a complete layout alone', () => {
    const plan = planObject(survey(oneEach(peers.slice(0, 15))))
    expect(plan).toMatchObject({ missing: [], rebuilds: [], moves: [], drops: [], uncertain: false, reducedRedundancy: false })
    expect(plan.keepers.size).toBe(15)
    expect(plan.repairers[0]).toBe('p00')
  })

  it('rebuilds the shards of gone holders onto the nearest nodes holding nothing, repaired by the nearest holder', () => {
    // p01, p03, p05, p07, p09 died: they are no longer among the live ring, p15..p19 moved up.
    const gone = new Set(['p01', 'p03', 'p05', 'p07', 'p09'])
    const live = peers.slice(0, 20).filter(peer => !gone.has(peer))
    const held = oneEach(peers.slice(0, 15))
    for (const peer of gone) delete held[peer]
    const plan = planObject(survey(held, { closest: live.slice(0, 15), ranked: live }))
    expect(plan.missing).toEqual([1, 3, 5, 7, 9])
    expect(plan.rebuilds).toEqual([
      { index: 1, to: 'p15', sole: true }, { index: 3, to: 'p16', sole: true }, { index: 5, to: 'p17', sole: true },
      { index: 7, to: 'p18', sole: true }, { index: 9, to: 'p19', sole: true }
    ])
    expect(plan.repairers).toEqual(['p00', 'p02', 'p04', 'p06', 'p08', 'p10', 'p11', 'p12', 'p13', 'p14'])
    expect(plan.moves).toEqual([])
    expect(plan.drops).toEqual([])
  })

  it('hands a shard from a node pushed out of the closest set to the newcomer instead of rebuilding it', () => {
    // pNew joined nearest of all; p14 (shard 14) is now 16th.
    const ranked = ['pNew', ...peers.slice(0, 19)]
    const plan = planObject(survey(oneEach(peers.slice(0, 15)), { ranked, closest: ranked.slice(0, 15) }))
    expect(plan.missing).toEqual([])
    expect(plan.rebuilds).toEqual([])
    expect(plan.moves).toEqual([{ index: 14, from: 'p14', to: 'pNew' }])
    expect(plan.drops).toEqual([])
  })

  it('has the farther of two copies dropped when a node returns after its shard was rebuilt elsewhere', () => {
    // p03 returned with shard 3, which had been rebuilt on p15; p15 is now outside the closest 15.
    const held = { ...oneEach(peers.slice(0, 15)), p15: [3] }
    const plan = planObject(survey(held))
    expect(plan.keepers.get(3)).toBe('p03')
    expect(plan.drops).toEqual([{ index: 3, peer: 'p15', keeper: 'p03' }])
    expect(plan).toMatchObject({ missing: [], moves: [] })
  })

  it('keeps as many shards in place as possible: a node holding a duplicate and a unique shard keeps the unique one', () => {
    // p02 holds 2 and 3 (a second shard, from a time with fewer nodes); p03 returned with 3.
    const held = { ...oneEach(peers.slice(0, 15)), p02: [2, 3] }
    const plan = planObject(survey(held))
    expect(plan.keepers.get(2)).toBe('p02')
    expect(plan.keepers.get(3)).toBe('p03')
    expect(plan.drops).toEqual([{ index: 3, peer: 'p02', keeper: 'p03' }])
    expect(plan.moves).toEqual([])
  })

  it('moves the second shard of a node to a closest node that holds nothing', () => {
    const held = oneEach(peers.slice(0, 15))
    delete held.p05
    held.p04 = [4, 5]
    const plan = planObject(survey(held))
    expect(plan.moves).toEqual([{ index: 5, from: 'p04', to: 'p05' }])
    expect(plan.rebuilds).toEqual([])
  })

  it('decides nothing but drops while an expected holder does not answer, and counts it among the possible repairers', () => {
    const held = oneEach(peers.slice(0, 15))
    delete held.p00
    delete held.p06
    const plan = planObject(survey(held, { unknown: ['p00'] }))
    expect(plan.uncertain).toBe(true)
    expect(plan.rebuilds).toEqual([])
    expect(plan.moves).toEqual([])
    expect(plan.repairers[0]).toBe('p00')
    expect(plan.missing).toContain(6)
  })

  it('spreads shards over fewer nodes than shards, filling every node before any gets another', () => {
    const closest = peers.slice(0, 6)
    // 15 shards on 6 nodes, shard i on node i mod 6; node p05 (shards 5, 11) died, so 5 nodes remain.
    const live = closest.filter(peer => peer !== 'p05')
    const held: Record<string, number[]> = {}
    for (let index = 0; index < 15; index++) {
      const peer = closest[index % 6]
      if (peer !== 'p05') (held[peer] ??= []).push(index)
    }
    const plan = planObject(survey(held, { closest: live, ranked: live }))
    expect(plan.reducedRedundancy).toBe(true)
    expect(plan.missing).toEqual([5, 11])
    // 5 nodes, 3 slots each: p03 and p04 hold 2 shards, so their third slots are the vacancies, nearest first.
    // Each target holds shards already, so these STOREs are not `sole`.
    expect(plan.rebuilds).toEqual([{ index: 5, to: 'p03', sole: false }, { index: 11, to: 'p04', sole: false }])
    expect(plan.drops).toEqual([])
  })

  it('with fewer live nodes than shards, rebuilds into second slots but never moves a shard into one', () => {
    // 12 live nodes (a view that has not yet seen returning nodes): p00-p10 hold one shard each, p11 holds
    // nothing, p13 (outside this view's closest) still holds 14, and 11-13 are missing.
    const live = peers.slice(0, 12)
    const held: Record<string, number[]> = { ...oneEach(peers.slice(0, 11)), p13: [14] }
    const plan = planObject(survey(held, { closest: live, ranked: [...live, 'p13'] }))
    expect(plan.reducedRedundancy).toBe(true)
    expect(plan.missing).toEqual([11, 12, 13])
    // The first rebuild takes the one empty node as its only shard, the next ones go to second slots.
    expect(plan.rebuilds).toEqual([{ index: 11, to: 'p11', sole: true }, { index: 12, to: 'p00', sole: false }, { index: 13, to: 'p01', sole: false }])
    // p13's shard 14 has no empty node to go to: it stays where it is rather than doubling up on p02.
    expect(plan.moves).toEqual([])
  })

  it('spreads the repairer role over the three nearest holders by the object\'s spread, keeping the rest in order', () => {
    const held = oneEach(peers.slice(0, 15))
    delete held.p00 // p00 answered but lost its shard: the nearest holders are p01, p02, p03
    const orders = [0, 1, 2, 3, 7].map(spread => planObject({ ...survey(held), spread }).repairers)
    expect(orders.map(order => order.slice(0, 4))).toEqual([
      ['p01', 'p02', 'p03', 'p04'], ['p02', 'p03', 'p01', 'p04'], ['p03', 'p01', 'p02', 'p04'],
      ['p01', 'p02', 'p03', 'p04'], ['p02', 'p03', 'p01', 'p04']
    ])
    for (const order of orders) expect([...order].sort()).toEqual(peers.slice(1, 15))
    // Fewer holders than three share among themselves.
    const two = planObject({ ...survey({ p05: [0], p09: [1] }, { total: 2, closest: ['p05', 'p09'] }), spread: 5 })
    expect(two.repairers).toEqual(['p09', 'p05'])
  })

  it('gives the repairer role to tabs only after every other holder, whatever their distance', () => {
    const held = oneEach(peers.slice(0, 15))
    const tabs = new Set(['p00', 'p02'])
    const orders = [0, 1, 2].map(spread => planObject({ ...survey(held), spread, repairsLast: peer => tabs.has(peer) }).repairers)
    // The three nearest holders that are not tabs share the role (p01, p03, p04); the tabs come last, nearest first.
    expect(orders.map(order => order.slice(0, 3))).toEqual([['p01', 'p03', 'p04'], ['p03', 'p04', 'p01'], ['p04', 'p01', 'p03']])
    for (const order of orders) expect(order.slice(-2)).toEqual(['p00', 'p02'])
    // Holders that are all tabs still repair, nearest first.
    const onlyTabs = planObject({ ...survey({ p00: [0], p02: [1] }, { total: 2, closest: ['p00', 'p02'] }), repairsLast: () => true })
    expect(onlyTabs.repairers).toEqual(['p00', 'p02'])
  })

  it('marks only the first of two rebuilds onto one empty node as sole', () => {
    const live = peers.slice(0, 7)
    const held: Record<string, number[]> = {}
    for (let index = 0; index < 13; index++) (held[live[index % 6]] ??= []).push(index) // p06 holds nothing
    const plan = planObject(survey(held, { closest: live, ranked: live }))
    expect(plan.missing).toEqual([13, 14])
    expect(plan.rebuilds).toEqual([{ index: 13, to: 'p06', sole: true }, { index: 14, to: 'p06', sole: false }])
  })

  it('is deterministic and never places two shards on one node while distinct nodes exist', () => {
    const random = mulberry32(42)
    for (let trial = 0; trial < 120; trial++) {
      const held: Record<string, number[]> = {}
      for (const peer of peers.slice(0, 20)) {
        for (let index = 0; index < 15; index++) if (random() < 0.06) (held[peer] ??= []).push(index)
      }
      const plan = planObject(survey(held))
      expect(planObject(survey(held))).toEqual(plan)
      const targets = [...plan.rebuilds.map(r => r.to), ...plan.moves.map(m => m.to)]
      expect(new Set(targets).size).toBe(targets.length)
      for (const target of targets) {
        expect(peers.slice(0, 15)).toContain(target)
        expect([...plan.keepers.values()]).not.toContain(target)
      }
      // A shard only goes to a node that holds nothing of the object, not even a copy it is about to drop.
      for (const target of targets) expect(held[target] ?? []).toEqual([])
      // Every index is kept, rebuilt or moved at most once; one left over waits only for an expected holder that
      // still holds a shard it drops this round (it gets one next round).
      const placed = [...plan.keepers.keys(), ...plan.rebuilds.map(r => r.index), ...plan.moves.map(m => m.index)]
      expect(new Set(placed).size).toBe(placed.length)
      const idle = peers.slice(0, 15).filter(peer => ![...plan.keepers.values()].includes(peer) && !targets.includes(peer))
      if (placed.length < 15) expect(idle.every(peer => plan.drops.some(drop => drop.peer === peer))).toBe(true)
      expect(placed.length + idle.length).toBe(15)
      expect(new Set(plan.keepers.values()).size).toBe(plan.keepers.size)
      for (const drop of plan.drops) expect(held[drop.peer]).toContain(drop.index)
    }
  })

  describe('repair threshold and grace', () => {
    /** p00..p14 held shard i each; `gone` left the live ring (p15.. moved up). */
    const after = (gone: string[]): ObjectSurvey => {
      const live = peers.slice(0, 20).filter(peer => !gone.includes(peer))
      const held = oneEach(peers.slice(0, 15))
      for (const peer of gone) delete held[peer]
      return survey(held, { closest: live.slice(0, 15), ranked: live })
    }

    it('with threshold 12 on 10+5, rebuilds nothing for 1 or 2 lost holders and all 3 shards once 3 are lost', () => {
      for (const gone of [['p02'], ['p02', 'p07']]) {
        const plan = planObject({ ...after(gone), threshold: 12 })
        expect(plan).toMatchObject({ heldBack: true, rebuilds: [], counted: 15 - gone.length })
        expect(plan.missing).toHaveLength(gone.length)
      }
      const plan = planObject({ ...after(['p02', 'p07', 'p11']), threshold: 12 })
      expect(plan).toMatchObject({ heldBack: false, counted: 12, missing: [2, 7, 11] })
      expect(plan.rebuilds.map(r => [r.index, r.to])).toEqual([[2, 'p15'], [7, 'p16'], [11, 'p17']])
    })

    it('counts the shards of holders inside their grace, and never rebuilds them', () => {
      // p02 offline inside the grace: shard 2 still counts, nothing is lost, nothing is rebuilt.
      expect(planObject({ ...after(['p02']), graced: new Set([2]) })).toMatchObject({ heldBack: false, counted: 15, graced: [2], rebuilds: [] })
      // Threshold 12: p02 and p07 offline, p11 lost: 14 counted, held back.
      expect(planObject({ ...after(['p02', 'p07', 'p11']), graced: new Set([2, 7]), threshold: 12 })).toMatchObject({ heldBack: true, counted: 14 })
      // p04, p05, p11 lost and p02 offline: 12 counted, so the three lost shards are rebuilt; p02 keeps shard 2.
      const plan = planObject({ ...after(['p02', 'p04', 'p05', 'p11']), graced: new Set([2]), threshold: 12 })
      expect(plan).toMatchObject({ heldBack: false, counted: 12, missing: [2, 4, 5, 11], graced: [2] })
      expect(plan.rebuilds.map(r => r.index)).toEqual([4, 5, 11])
      // A graced index some live peer holds anyway counts once.
      expect(planObject({ ...after(['p02']), graced: new Set([3]) })).toMatchObject({ heldBack: false, counted: 14, graced: [] })
    })

    it('is today\'s plan with the default threshold and no holder inside a grace', () => {
      const arbitrary = fc.record({
        total: fc.integer({ min: 2, max: 15 }),
        held: fc.array(fc.array(fc.integer({ min: 0, max: 14 }), { maxLength: 2 }), { minLength: 20, maxLength: 20 }),
        unknown: fc.array(fc.integer({ min: 0, max: 19 }), { maxLength: 2 }),
        spread: fc.nat()
      })
      fc.assert(fc.property(arbitrary, ({ total, held, unknown, spread }) => {
        const base: ObjectSurvey = {
          ...survey(Object.fromEntries(held.map((indices, i) => [peers[i], indices.filter(index => index < total)])), {
            total, unknown: unknown.map(i => peers[i])
          }),
          spread
        }
        const today = planObject(base)
        expect(planObject({ ...base, threshold: total - 1, graced: new Set() })).toEqual(today)
        expect(today.heldBack).toBe(false)
        expect(today.graced).toEqual([])
        expect(today.counted).toBe(total - today.missing.length)
      }))
    })

    it('holds back exactly when shards are missing and the counted ones are above the threshold', () => {
      const arbitrary = fc.record({
        lost: fc.uniqueArray(fc.integer({ min: 0, max: 14 }), { maxLength: 6 }),
        graced: fc.uniqueArray(fc.integer({ min: 0, max: 14 }), { maxLength: 6 }),
        threshold: fc.integer({ min: 10, max: 14 })
      })
      fc.assert(fc.property(arbitrary, ({ lost, graced, threshold }) => {
        const plan = planObject({ ...after(lost.map(i => peers[i])), graced: new Set(graced), threshold })
        const counted = 15 - lost.filter(index => !graced.includes(index)).length
        expect(plan.counted).toBe(counted)
        const written = lost.filter(index => !graced.includes(index)).sort((a, b) => a - b)
        expect(plan.heldBack).toBe(written.length > 0 && counted > threshold)
        expect(plan.heldBack).toBe(written.length > 0 && !repairDue(counted, threshold))
        // Rebuilt: nothing, or every lost shard, none of a holder inside its grace (enough vacant nodes here).
        expect(plan.rebuilds.map(r => r.index)).toEqual(plan.heldBack ? [] : written)
        expect(plan.graced).toEqual(lost.filter(index => graced.includes(index)).sort((a, b) => a - b))
      }))
    })
  })
})
