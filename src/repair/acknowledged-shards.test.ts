import { describe, expect, it } from 'vitest'
import type { HeldShard } from '../protocols/index.ts'
import type { ObjectId } from '../types/index.ts'
import { AcknowledgedShards } from './acknowledged-shards.ts'
import type { KeySurvey } from './survey.ts'

const KEY = 'ab'
const A = 'a'.repeat(64) as ObjectId
const B = 'b'.repeat(64) as ObjectId

function survey (held: Record<string, Array<[ObjectId, number]>>, failed: string[] = []): KeySurvey {
  return {
    held: new Map(Object.entries(held).map(([peer, shards]) => [peer, shards.map(([objectId, shardIndex]) => ({ objectId, shardIndex }) as HeldShard)])),
    failed: new Map(failed.map(peer => [peer, 'timed out']))
  }
}

describe('receipts of rebuilt shards', () => {
  it('are settled at the key\'s next survey: claimed (then checked), handed on, or held nowhere (broken)', () => {
    const receipts = new AcknowledgedShards(60_000, () => 0)
    receipts.record(KEY, 'keeps', A, 3)
    receipts.record(KEY, 'passedOn', A, 4)
    receipts.record(KEY, 'silent', A, 5)
    receipts.record(KEY, 'silent', B, 5)
    const settled = receipts.settle(KEY, survey({ keeps: [[A, 3]], passedOn: [], closer: [[A, 4]], silent: [[B, 5]] }), new Set([A, B]))
    expect(settled.mustCheck).toEqual(new Map([['keeps', new Set([A])], ['silent', new Set([B])]]))
    expect([...settled.broken.keys()]).toEqual(['silent'])
    expect(settled.broken.get('silent')).toMatch(/acknowledged shard 5 of a+ and no node of the ring holds it/)
    expect(receipts.pending(KEY)).toBe(0)
  })

  it('wait for a peer that did not answer, until they expire; peers gone from the ring and objects no longer held are dropped', () => {
    const clock = { ms: 0 }
    const receipts = new AcknowledgedShards(1000, () => clock.ms)
    receipts.record(KEY, 'slow', A, 1)
    receipts.record(KEY, 'gone', A, 2)
    receipts.record(KEY, 'other', B, 2)
    let settled = receipts.settle(KEY, survey({}, ['slow']), new Set([A]))
    expect(settled.broken.size + settled.mustCheck.size).toBe(0)
    expect(receipts.pending(KEY)).toBe(1)
    clock.ms = 1001
    settled = receipts.settle(KEY, survey({ slow: [] }), new Set([A]))
    expect(settled.broken.size).toBe(0)
    expect(receipts.pending(KEY)).toBe(0)
  })

  it('are forgotten with the key', () => {
    const receipts = new AcknowledgedShards(1000, () => 0)
    receipts.record(KEY, 'p', A, 1)
    receipts.retain(new Set(['cd']))
    expect(receipts.pending(KEY)).toBe(0)
  })
})
