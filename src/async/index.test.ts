import { describe, expect, it } from 'vitest'
import { sleep, withFallback } from './index.ts'

/** A task that answers `value` (or fails with `error`) after `ms`, and records whether it was aborted. */
function task (ms: number, outcome: { value?: string, error?: Error }): { run: (signal: AbortSignal) => Promise<string>, started: () => boolean, aborted: () => boolean } {
  let started = false
  let aborted = false
  return {
    run: async (signal) => {
      started = true
      signal.addEventListener('abort', () => { aborted = true }, { once: true })
      await sleep(ms)
      if (outcome.error !== undefined) throw outcome.error
      return outcome.value!
    },
    started: () => started,
    aborted: () => aborted
  }
}

describe('withFallback', () => {
  it('never starts the fallback when the first answers within its head start, and ends nothing that finished', async () => {
    const first = task(5, { value: 'direct' })
    const fallback = task(5, { value: 'relay' })
    expect(await withFallback(first.run, fallback.run, 200)).toBe('direct')
    await sleep(250)
    expect(fallback.started()).toBe(false)
  })

  it('starts the fallback at once when the first fails, and answers with it', async () => {
    const first = task(1, { error: new Error('no direct path') })
    const fallback = task(5, { value: 'relay' })
    const started = performance.now()
    expect(await withFallback(first.run, fallback.run, 10_000)).toBe('relay')
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  it('runs both after the head start; the first success wins and the other is aborted', async () => {
    const first = task(400, { value: 'direct' })
    const fallback = task(20, { value: 'relay' })
    expect(await withFallback(first.run, fallback.run, 50)).toBe('relay')
    expect(first.aborted()).toBe(true)
  })

  it('rejects with the first attempt\'s error when both fail', async () => {
    const first = task(1, { error: new Error('direct failed') })
    const fallback = task(1, { error: new Error('relay failed') })
    await expect(withFallback(first.run, fallback.run, 10)).rejects.toThrow('direct failed')
  })
})
