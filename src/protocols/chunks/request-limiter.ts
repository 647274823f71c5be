/**
 * Caps the chunk requests this node has in flight to any one holder. A holder answers BUSY, unread, to a peer
 * with more than its per-peer maximum (4 by default) at once, so storing or fetching many objects in parallel
 * queues here instead of failing there.
 */
export class PeerRequestLimiter {
  private readonly perPeer: number
  private readonly active = new Map<string, number>()
  private readonly waiting = new Map<string, Array<() => void>>()
  private readonly unreachableAt = new Map<string, number>()

  constructor (perPeer: number) {
    if (!Number.isInteger(perPeer) || perPeer < 1) throw new RangeError(`perPeer must be a positive integer, got ${perPeer}`)
    this.perPeer = perPeer
  }

  /** Runs `task` once fewer than `perPeer` tasks for `peer` are running; a waiting task leaves on abort. */
  async run<T> (peer: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(peer, signal)
    try {
      return await task()
    } finally {
      this.release(peer)
    }
  }

  /** Records that a request to `peer` found it unreachable (see `failedSince`). */
  markUnreachable (peer: string, at = Date.now()): void {
    this.unreachableAt.set(peer, at)
  }

  /**
   * True when a request to `peer` found it unreachable at or after `since`: a request that was queued behind it
   * then fails at once instead of waiting out a timeout of its own.
   */
  failedSince (peer: string, since: number): boolean {
    return (this.unreachableAt.get(peer) ?? -Infinity) >= since
  }

  /** Requests running for `peer` now. */
  activeFor (peer: string): number {
    return this.active.get(peer) ?? 0
  }

  private async acquire (peer: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    const running = this.active.get(peer) ?? 0
    if (running < this.perPeer) {
      this.active.set(peer, running + 1)
      return
    }
    await new Promise<void>((resolve, reject) => {
      const queue = this.waiting.get(peer) ?? []
      const onAbort = (): void => {
        const at = queue.indexOf(wake)
        if (at >= 0) queue.splice(at, 1)
        if (queue.length === 0) this.waiting.delete(peer)
        reject(signal?.reason)
      }
      // The slot is handed over by `release`, which keeps the count as it is.
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      queue.push(wake)
      this.waiting.set(peer, queue)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  private release (peer: string): void {
    const queue = this.waiting.get(peer)
    const next = queue?.shift()
    if (queue?.length === 0) this.waiting.delete(peer)
    if (next !== undefined) {
      next()
      return
    }
    const left = (this.active.get(peer) ?? 1) - 1
    if (left === 0) this.active.delete(peer)
    else this.active.set(peer, left)
  }
}
