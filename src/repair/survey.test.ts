import { describe, expect, it } from 'vitest'
import { ChunkPeerUnreachableError, type ChunkExchange, type HeldShard } from '../protocols/index.ts'
import type { RepairContext } from './context.ts'
import { surveyKey } from './survey.ts'

const KEY = new Uint8Array(32).fill(7)

/** A context whose LISTs answer from `answer` (which may throw) after `delayMs` for that peer. */
function contextWith (answer: (peer: string, attempt: number) => HeldShard[], delayMs: Record<string, number> = {}):
{ ctx: RepairContext, suspected: string[] } {
  const attempts = new Map<string, number>()
  const suspected: string[] = []
  const exchange = {
    selfId: 'self',
    list: async (peer: string) => {
      const attempt = (attempts.get(peer) ?? 0) + 1
      attempts.set(peer, attempt)
      await new Promise(resolve => setTimeout(resolve, delayMs[peer] ?? 0))
      return answer(peer, attempt)
    }
  } as unknown as ChunkExchange
  const ctx = {
    exchange,
    selfId: 'self',
    signal: new AbortController().signal,
    suspect: (peer: string) => { suspected.push(peer) }
  } as unknown as RepairContext
  return { ctx, suspected }
}

describe('surveyKey', () => {
  it('asks a peer that failed once more, and reports how long the LISTs took and which peer was slowest', async () => {
    const { ctx, suspected } = contextWith((peer, attempt) => {
      if (peer === 'busy' && attempt === 1) throw new Error('BUSY')
      if (peer === 'gone') throw new ChunkPeerUnreachableError('chunk request to peer gone failed: connection refused')
      return []
    }, { slow: 120 })
    const survey = await surveyKey(ctx, KEY, ['self', 'a', 'busy', 'slow', 'gone'], 4)
    expect([...survey.held.keys()].sort()).toEqual(['a', 'busy', 'slow'])
    expect([...survey.failed.keys()]).toEqual(['gone'])
    // The unreachable peer is handed to the health monitor; a busy one is not.
    expect(new Set(suspected)).toEqual(new Set(['gone']))
    // This node's own store is read directly, never LISTed.
    expect(survey.timing?.asked).toBe(4)
    expect(survey.timing?.retried).toBe(2)
    expect(survey.timing?.slowest.peer).toBe('slow')
    expect(survey.timing?.slowest.ms).toBeGreaterThanOrEqual(100)
    expect(survey.timing?.ms).toBeGreaterThanOrEqual(survey.timing!.slowest.ms)
  })
})
