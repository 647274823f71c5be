/**
 * Who holds what around one placement key: a LIST (summaries, no shard bytes) to every peer of the live ring.
 * LIST rather than FETCH because a survey runs every round for every key a node holds, and nearly always finds
 * nothing to do: it must cost bytes per shard summary, not per shard.
 */
import { ChunkPeerUnreachableError, type HeldShard } from '../protocols/index.ts'
import type { RepairContext } from './context.ts'
import { forEachLimit, sleep } from '../async/index.ts'
import { errorText } from '../errors/index.ts'

export interface KeySurvey {
  /** What each peer that answered holds under the key. */
  held: Map<string, HeldShard[]>
  /** Peers that did not answer, and why. */
  failed: Map<string, string>
  /**
   * How long the LISTs took: in all, and the slowest peer's answer (or failure); how many peers were asked, and how
   * many of them twice.
   */
  timing?: { ms: number, slowest: { peer: string, ms: number }, asked: number, retried: number }
}

/** Pause before asking the peers that failed once more. */
const RETRY_PAUSE_MS = 250

/**
 * LISTs `peers` (this node excluded: its own store is read directly), `concurrency` at a time, then once more
 * those that failed: right after a death every holder surveys at once, and a holder answers BUSY past its
 * per-peer and total request caps. A peer that fails twice counts as not answering. Never throws.
 */
export async function surveyKey (ctx: RepairContext, placementKey: Uint8Array, peers: readonly string[],
  concurrency: number): Promise<KeySurvey> {
  const survey: KeySurvey = { held: new Map(), failed: new Map() }
  const started = Date.now()
  const slowest = { peer: '', ms: -1 }
  const ask = async (peer: string): Promise<void> => {
    const askedAt = Date.now()
    try {
      const held = await ctx.exchange.list(peer, placementKey, { signal: ctx.signal })
      survey.held.set(peer, held)
      survey.failed.delete(peer)
    } catch (error) {
      survey.failed.set(peer, errorText(error))
      // Unreachable (not merely busy): a crashed holder, most likely, that this node's health checks have not
      // reached yet; they check it now.
      if (error instanceof ChunkPeerUnreachableError && !ctx.signal.aborted) ctx.suspect?.(peer)
    } finally {
      const ms = Date.now() - askedAt
      if (ms > slowest.ms) Object.assign(slowest, { peer, ms })
    }
  }
  // In random order: every holder of a key surveys the same ring, and in ring order they would all queue at the
  // nearest holder first.
  const asked = peers.filter(peer => peer !== ctx.selfId)
  await forEachLimit(shuffled(asked), concurrency, ask)
  const retried = survey.failed.size
  if (retried > 0 && !ctx.signal.aborted) {
    await sleep(RETRY_PAUSE_MS * (1 + Math.random()), ctx.signal).catch(() => {})
    await forEachLimit([...survey.failed.keys()], concurrency, ask)
  }
  survey.timing = { ms: Date.now() - started, slowest, asked: asked.length, retried }
  return survey
}

/**
 * The survey of `ring` after it changed while `survey` ran (holders declared dead left it, the next nodes moved
 * up): the answers and failures of peers still in `ring` from `survey`, plus those of `added`, the survey of the
 * peers that moved up.
 */
export function surveyOfRing (survey: KeySurvey, added: KeySurvey, ring: readonly string[]): KeySurvey {
  const inRing = <V>(entries: Map<string, V>): Array<[string, V]> => [...entries].filter(([peer]) => ring.includes(peer))
  return {
    held: new Map([...inRing(survey.held), ...added.held]),
    failed: new Map([...inRing(survey.failed), ...added.failed])
  }
}

function shuffled<T> (items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}
