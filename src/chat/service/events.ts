/**
 * A small typed event emitter: `on(type, listener)` returns the unsubscribe function. A listener that throws
 * does not stop the others or the emitter (a UI bug must not break message reception).
 */
export class TypedEvents<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(detail: never) => void>>()

  on<K extends keyof Events> (type: K, listener: (detail: Events[K]) => void): () => void {
    const set = this.listeners.get(type) ?? new Set()
    set.add(listener as (detail: never) => void)
    this.listeners.set(type, set)
    return () => { set.delete(listener as (detail: never) => void) }
  }

  emit<K extends keyof Events> (type: K, detail: Events[K]): void {
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        (listener as (detail: Events[K]) => void)(detail)
      } catch (error) {
        console.error(`a listener of the chat service's '${String(type)}' event failed`, error)
      }
    }
  }
}
