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
})
