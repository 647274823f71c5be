/** Small async helpers: bounded parallelism, abortable sleeps and races. No I/O of their own. */

/**
 * Runs `task` over `items` with at most `limit` running at once, and resolves when all have settled. Tasks are
 * expected to catch their own errors; one that throws anyway does not stop the others and is rethrown at the end.
 */
export async function forEachLimit<T> (items: Iterable<T>, limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items]
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (queue.length > 0) {
      const item = queue.shift() as T
      try {
        await task(item)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, worker))
  if (failure !== undefined) throw failure.error
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason) }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
export async function raceAbort<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let onAbort = (): void => {}
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  promise.catch(() => {}) // a late rejection after the abort is not unhandled
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Runs `first`; `fallback` starts once `first` has failed or has run `headStartMs` without an answer. Resolves with
 * whichever succeeds first and aborts the other through its signal; rejects with `first`'s error when both fail.
 */
export async function withFallback<T> (first: (signal: AbortSignal) => Promise<T>, fallback: (signal: AbortSignal) => Promise<T>,
  headStartMs: number): Promise<T> {
  const done = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const a = first(done.signal)
  const b = new Promise<void>(resolve => {
    timer = setTimeout(resolve, headStartMs)
    a.catch(() => { resolve() })
  }).then(async () => {
    done.signal.throwIfAborted()
    return await fallback(done.signal)
  })
  try {
    return await Promise.any([a, b])
  } catch (error) {
    throw error instanceof AggregateError ? error.errors[0] : error
  } finally {
    clearTimeout(timer)
    done.abort()
  }
}
