import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../errors/index.ts'
import { DEFAULT_ONLINE_HISTORY_PEERS, OnlineHistory } from './online-history.ts'

describe('OnlineHistory', () => {
  it('keeps the start of a dead spell until the peer is seen alive, and when it was last seen', () => {
    let now = 1_000
    const history = new OnlineHistory({ now: () => now })
    expect(history.get('a')).toEqual({})
    expect(history.deadFor('a')).toBe(0)
    history.alive('a')
    now = 2_000
    history.died('a')
    now = 5_000
    history.died('a') // reported again: the spell began at 2,000
    expect(history.deadFor('a')).toBe(3_000)
    expect(history.get('a')).toEqual({ lastSeenAlive: 1_000, deadSince: 2_000 })
    history.alive('a')
    expect(history.deadFor('a')).toBe(0)
    expect(history.get('a')).toEqual({ lastSeenAlive: 5_000 })
    now = 6_000
    history.died('a') // a new spell starts over
    now = 7_000
    expect(history.deadFor('a')).toBe(1_000)
  })

  it('holds at most its capacity, evicting live peers before dead ones, oldest first', () => {
    let now = 0
    const history = new OnlineHistory({ capacity: 3, now: () => ++now })
    history.died('dead1')
    history.alive('live1')
    history.alive('live2')
    history.alive('live1') // refreshed: live2 is now the oldest live peer
    history.alive('live3')
    expect(history.size).toBe(3)
    expect(history.get('live2')).toEqual({})
    expect(history.get('dead1').deadSince).toBe(1)
    history.died('dead2')
    history.died('dead3')
    expect(history.size).toBe(3)
    expect(['dead1', 'dead2', 'dead3'].map(peer => history.deadFor(peer) > 0)).toEqual([true, true, true])
    history.died('dead4') // no live peer left to evict: the one dead longest goes
    expect(history.get('dead1')).toEqual({})
    expect(history.get('dead4').deadSince).toBeDefined()
    expect(DEFAULT_ONLINE_HISTORY_PEERS).toBe(4096)
    expect(() => new OnlineHistory({ capacity: 0 })).toThrow(InvalidConfigError)
  })

  it('agrees with an unbounded model (a spell it remembers never began earlier), and never exceeds its capacity', () => {
    const op = fc.record({ peer: fc.integer({ min: 0, max: 12 }), dies: fc.boolean(), step: fc.integer({ min: 0, max: 1_000 }) })
    fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
      let now = 0
      const history = new OnlineHistory({ capacity, now: () => now })
      const deadSince = new Map<string, number>()
      for (const { peer, dies, step } of ops) {
        now += step
        const id = `p${peer}`
        if (dies) {
          history.died(id)
          if (!deadSince.has(id)) deadSince.set(id, now)
        } else {
          history.alive(id)
          deadSince.delete(id)
        }
        expect(history.size).toBeLessThanOrEqual(capacity)
        for (let p = 0; p <= 12; p++) {
          const known = history.get(`p${p}`)
          // A dead spell it knows of began when the model says, or later if the peer was evicted meanwhile (its
          // grace starts over: a rebuild may come later, never sooner). With room for every peer, exactly then.
          if (known.deadSince !== undefined) {
            expect(known.deadSince).toBeGreaterThanOrEqual(deadSince.get(`p${p}`)!)
            if (capacity > 12) expect(known.deadSince).toBe(deadSince.get(`p${p}`))
          } else if (capacity > 12) {
            expect(deadSince.has(`p${p}`)).toBe(false)
          }
          if (known.lastSeenAlive !== undefined && known.deadSince === undefined) expect(deadSince.has(`p${p}`)).toBe(false)
        }
      }
    }))
  })

  it('snapshots the dead spells with its time and restores them with their starts after a short gap', () => {
    let now = 1_000
    const history = new OnlineHistory({ now: () => now })
    history.alive('a')
    now = 2_000
    history.died('a')
    now = 3_000
    history.died('b')
    history.alive('live')
    now = 10_000
    const snapshot = history.snapshot()
    // Live peers are not kept: when one was last seen decides nothing after a restart.
    expect(snapshot).toEqual({ takenAt: 10_000, dead: [{ peer: 'a', deadSince: 2_000, lastSeenAlive: 1_000 }, { peer: 'b', deadSince: 3_000 }] })
    // Down 4 s, within the 5 s allowed: both spells go on from where they were.
    now = 14_000
    const restarted = new OnlineHistory({ now: () => now })
    expect(restarted.restore(snapshot, 5_000)).toEqual(['a', 'b'])
    expect(restarted.get('a')).toEqual({ deadSince: 2_000, lastSeenAlive: 1_000 })
    expect([restarted.deadFor('a'), restarted.deadFor('b')]).toEqual([12_000, 11_000])
    restarted.died('a') // reported dead again in this run: the spell keeps its start
    expect(restarted.deadFor('a')).toBe(12_000)
    expect(restarted.get('live')).toEqual({})
  })

  it('restores no spell after a gap longer than allowed or a clock gone back: each grace starts over at the next report', () => {
    let now = 0
    const history = new OnlineHistory({ now: () => now })
    history.died('a')
    now = 60_000
    const snapshot = history.snapshot()
    // While this node was down, 'a' may have come back and died again: its spell may have begun any time up to now.
    for (const restartAt of [60_000 + 5_001, 60_000 - 1]) {
      now = restartAt
      const restarted = new OnlineHistory({ now: () => now })
      expect(restarted.restore(snapshot, 5_000)).toEqual([])
      expect(restarted.deadFor('a')).toBe(0)
      restarted.died('a')
      now += 1_000
      // Counted from this run's report only, never from before the restart.
      expect(restarted.deadFor('a')).toBe(1_000)
    }
    // At exactly the allowed gap, restored.
    now = 65_000
    const restarted = new OnlineHistory({ now: () => now })
    expect(restarted.restore(snapshot, 5_000)).toEqual(['a'])
    expect(restarted.deadFor('a')).toBe(65_000)
    expect(() => restarted.restore(snapshot, -1)).toThrow(InvalidConfigError)
  })

  it('restores within its capacity, the longest dead dropped first, and leaves what this run knows as it is', () => {
    let now = 0
    const big = new OnlineHistory({ capacity: 10, now: () => now })
    for (const peer of ['d1', 'd2', 'd3', 'd4', 'd5']) { now += 100; big.died(peer) }
    const snapshot = big.snapshot()
    const small = new OnlineHistory({ capacity: 3, now: () => now })
    expect(small.restore(snapshot, 1_000)).toEqual(['d3', 'd4', 'd5'])
    expect(small.size).toBe(3)
    expect(small.get('d1')).toEqual({})
    // This run's own knowledge stays: a peer seen alive, and a spell that began in this run, are newer than the record.
    const known = new OnlineHistory({ now: () => now })
    known.alive('d5')
    now += 50
    known.died('d4')
    expect(known.restore(snapshot, 1_000)).toEqual(['d1', 'd2', 'd3'])
    expect(['d1', 'd2', 'd3', 'd4', 'd5'].map(peer => known.get(peer).deadSince)).toEqual([100, 200, 300, 550, undefined])
    expect(known.get('d5').lastSeenAlive).toBe(500)
  })

  it('moves its revision when a dead spell begins, ends or is restored, and not when a live peer is seen again', () => {
    let now = 0
    const history = new OnlineHistory({ now: () => now })
    const start = history.revision
    history.alive('a')
    history.alive('a')
    expect(history.revision).toBe(start)
    history.died('a')
    const died = history.revision
    expect(died).toBeGreaterThan(start)
    now = 10
    history.died('a') // already dead: nothing changes
    expect(history.revision).toBe(died)
    history.alive('a')
    expect(history.revision).toBeGreaterThan(died)
    const restarted = new OnlineHistory({ now: () => now })
    restarted.restore({ takenAt: now, dead: [{ peer: 'b', deadSince: 5 }] }, 0)
    expect(restarted.revision).toBeGreaterThan(0)
  })
})
