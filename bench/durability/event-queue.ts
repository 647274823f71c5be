/**
 * A binary min-heap of timed events for the churn simulation: `pop()` returns the earliest; events at the same
 * time come out in the order they were pushed, so a run is the same for the same seed.
 */
export interface Timed { at: number }

interface Entry<T> { at: number, order: number, event: T }

export class EventQueue<T extends Timed> {
  private readonly heap: Array<Entry<T>> = []
  private pushed = 0

  get size (): number { return this.heap.length }

  push (event: T): void {
    const heap = this.heap
    const entry = { at: event.at, order: this.pushed++, event }
    heap.push(entry)
    let index = heap.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!before(entry, heap[parent])) break
      heap[index] = heap[parent]
      index = parent
    }
    heap[index] = entry
  }

  /** The earliest event's time, or Infinity when empty. */
  peekTime (): number {
    return this.heap.length === 0 ? Infinity : this.heap[0].at
  }

  pop (): T | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0]
    const last = heap.pop() as Entry<T>
    if (heap.length > 0) {
      let index = 0
      for (;;) {
        const left = index * 2 + 1
        if (left >= heap.length) break
        const right = left + 1
        const child = right < heap.length && before(heap[right], heap[left]) ? right : left
        if (!before(heap[child], last)) break
        heap[index] = heap[child]
        index = child
      }
      heap[index] = last
    }
    return top.event
  }
}

function before<T> (a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order)
}
