import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ObjectId } from '../types/index.ts'
import { InvalidGraceRecordError } from './errors.ts'
import { GRACE_RECORD_VERSION, MAX_RECORDED_SHARDS, decodeGraceRecord, encodeGraceRecord, type GraceSnapshot, type ShardRef } from './grace-record.ts'
import { OnlineHistory } from './online-history.ts'

const PEER_A = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const PEER_B = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const KEY = 'ab'.repeat(32)
const OBJECT = 'cd'.repeat(32) as ObjectId
const shards = (...indices: number[]): ShardRef[] => indices.map(shardIndex => ({ objectId: OBJECT, shardIndex }))
const bytesOf = (record: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(record))
const valid = { v: GRACE_RECORD_VERSION, at: 5_000, dead: [{ p: PEER_A, d: 2_000, a: 1_000, h: { [KEY]: [[OBJECT, 3]] } }] }

describe('the grace record', () => {
  it('round-trips an online history\'s dead spells and what each dead holder held', () => {
    let now = 1_000
    const history = new OnlineHistory({ now: () => now })
    history.alive(PEER_A)
    now = 2_000
    history.died(PEER_A)
    now = 3_000
    history.died(PEER_B)
    now = 5_000
    const { takenAt, dead } = history.snapshot()
    const snapshot: GraceSnapshot = {
      takenAt,
      dead: dead.map(spell => ({ ...spell, held: spell.peer === PEER_A ? new Map([[KEY, shards(3, 7)]]) : new Map() }))
    }
    const decoded = decodeGraceRecord(encodeGraceRecord(snapshot))
    expect(decoded).toEqual(snapshot)
    // Restored into a fresh history after a short gap, the spells go on as they were.
    now = 6_000
    const restarted = new OnlineHistory({ now: () => now })
    expect(restarted.restore(decoded, 5_000)).toEqual([PEER_A, PEER_B])
    expect([restarted.get(PEER_A), restarted.get(PEER_B)]).toEqual([{ deadSince: 2_000, lastSeenAlive: 1_000 }, { deadSince: 3_000 }])
  })

  it('keeps at most the capacity of spells and MAX_RECORDED_SHARDS shards, the most recently dead first', () => {
    const dead = Array.from({ length: 5 }, (_, i) => ({ peer: `peer${i}`, deadSince: i, held: new Map([[KEY, shards(...Array.from({ length: 200 }, (_, j) => j % 256))]]) }))
    const kept = decodeGraceRecord(encodeGraceRecord({ takenAt: 10, dead }, 3), 3)
    expect(kept.dead.map(spell => spell.peer)).toEqual(['peer2', 'peer3', 'peer4'])
    // Far more shards than kept: the newest dead keep theirs, the oldest lose theirs first.
    const many = Array.from({ length: 2 }, (_, i) => ({ peer: `peer${i}`, deadSince: i, held: new Map([[KEY, shards(...Array.from({ length: MAX_RECORDED_SHARDS - 10 }, () => 1))]]) }))
    const bounded = decodeGraceRecord(encodeGraceRecord({ takenAt: 10, dead: many }))
    expect(bounded.dead.map(spell => spell.held.get(KEY)?.length ?? 0)).toEqual([10, MAX_RECORDED_SHARDS - 10])
  })

  it('rejects bad bytes with InvalidGraceRecordError, whatever they are', () => {
    expect(decodeGraceRecord(bytesOf(valid)).dead).toHaveLength(1)
    const bad: unknown[] = [
      'not json',
      null,
      [],
      { ...valid, v: 2 },
      { ...valid, at: -1 },
      { ...valid, at: 1.5 },
      { ...valid, dead: {} },
      { ...valid, dead: [{ ...valid.dead[0], p: '' }] },
      { ...valid, dead: [{ ...valid.dead[0], p: 'x'.repeat(129) }] },
      { ...valid, dead: [valid.dead[0], valid.dead[0]] }, // one peer, two spells
      { ...valid, dead: [{ ...valid.dead[0], d: 6_000 }] }, // dead after the record was taken
      { ...valid, dead: [{ ...valid.dead[0], a: 2_500 }] }, // seen alive after it died
      { ...valid, dead: [{ ...valid.dead[0], h: { [KEY]: [[OBJECT, 256]] } }] },
      { ...valid, dead: [{ ...valid.dead[0], h: { [KEY]: [[OBJECT]] } }] },
      { ...valid, dead: [{ ...valid.dead[0], h: { 'not-hex': [[OBJECT, 1]] } }] },
      { ...valid, dead: [{ ...valid.dead[0], h: { [KEY]: [[7, 1]] } }] },
      { ...valid, dead: Array.from({ length: 4 }, (_, i) => ({ p: `peer${i}`, d: 1 })) } // more spells than the capacity (3)
    ]
    for (const record of bad) {
      const bytes = typeof record === 'string' ? new TextEncoder().encode(record) : bytesOf(record)
      expect(() => decodeGraceRecord(bytes, 3), JSON.stringify(record)).toThrow(InvalidGraceRecordError)
    }
    expect(() => decodeGraceRecord(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(InvalidGraceRecordError) // not UTF-8
    const tooManyShards = { ...valid, dead: [{ p: PEER_A, d: 1, h: { [KEY]: Array.from({ length: MAX_RECORDED_SHARDS + 1 }, () => [OBJECT, 1]) } }] }
    expect(() => decodeGraceRecord(bytesOf(tooManyShards))).toThrow(InvalidGraceRecordError)
    // Refused by its size before it is parsed.
    expect(() => decodeGraceRecord(new Uint8Array(20_000_000), 3)).toThrow(/bytes, more than/)
  })

  it('throws nothing but InvalidGraceRecordError for any bytes, and accepts every record it encodes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), bytes => {
      try {
        decodeGraceRecord(bytes)
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidGraceRecordError)
      }
    }))
    const spell = fc.record({ peer: fc.string({ minLength: 1, maxLength: 60 }), deadSince: fc.integer({ min: 0, max: 1_000 }), shardIndices: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 5 }) })
    fc.assert(fc.property(fc.uniqueArray(spell, { selector: s => s.peer, maxLength: 8 }), spells => {
      const snapshot: GraceSnapshot = {
        takenAt: 2_000,
        dead: spells.map(({ peer, deadSince, shardIndices }) => ({ peer, deadSince, held: new Map(shardIndices.length === 0 ? [] : [[KEY, shards(...shardIndices)]]) }))
      }
      expect(decodeGraceRecord(encodeGraceRecord(snapshot))).toEqual(snapshot)
    }))
  })
})
