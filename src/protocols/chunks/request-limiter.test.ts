import { describe, expect, it } from 'vitest'
import { PeerRequestLimiter } from './request-limiter.ts'

function deferred (): { promise: Promise<void>, resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>(done => { resolve = done })
  return { promise, resolve }
}

describe('PeerRequestLimiter', () => {
  it('runs at most perPeer tasks per peer at once, other peers unaffected, queued tasks in order', async () => {
    const limiter = new PeerRequestLimiter(2)
    const gates = [deferred(), deferred(), deferred()]
    const started: number[] = []
    const tasks = gates.map(async (gate, index) => await limiter.run('a', async () => { started.push(index); await gate.promise }))
    const other = limiter.run('b', async () => 'b ran')
    await expect(other).resolves.toBe('b ran')
    await Promise.resolve()
    expect(started).toEqual([0, 1])
    expect(limiter.activeFor('a')).toBe(2)
    gates[1].resolve()
    await tasks[1]
    await Promise.resolve()
    expect(started).toEqual([0, 1, 2])
    gates[0].resolve()
    gates[2].resolve()
    await Promise.all(tasks)
    expect(limiter.activeFor('a')).toBe(0)
  })

  it('releases the slot when a task throws, and drops a queued task whose signal aborts', async () => {
    const limiter = new PeerRequestLimiter(1)
    await expect(limiter.run('a', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    const gate = deferred()
    const running = limiter.run('a', async () => await gate.promise)
    const controller = new AbortController()
    let ran = false
    const queued = limiter.run('a', async () => { ran = true }, controller.signal)
    controller.abort(new Error('caller gave up'))
    await expect(queued).rejects.toThrow('caller gave up')
    gate.resolve()
    await running
    expect(ran).toBe(false)
    expect(limiter.activeFor('a')).toBe(0)
  })
})
