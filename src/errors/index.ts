/**
 * Base class of every error ZenTalk Mesh throws on purpose. Each failure has its own subclass with a
 * stable `name`, so callers (and the automation API, which serialises `{ name, message }`) can tell them apart.
 */
export class ZenTalkError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A setting (URL parameter, CLI flag) has a value that cannot be used. */
export class InvalidConfigError extends ZenTalkError {}

/** A peer could not be reached in time. */
export class PeerUnreachableError extends ZenTalkError {}

/** An error as plain data, for results that leave the process or the page (the automation API, a Worker). */
export interface ErrorShape { name: string, message: string }

/**
 * Anything thrown, as `{ name, message }`: an Error as it is; an event or object that carries an error or a
 * message (transports reject with a WebSocket's ErrorEvent) as what it carries; anything else as its text.
 */
export function toErrorShape (error: unknown): ErrorShape {
  if (error instanceof Error) return { name: error.name, message: error.message }
  const inner = error as { error?: unknown, name?: unknown, message?: unknown } | null
  if (inner?.error instanceof Error) return toErrorShape(inner.error)
  if (typeof inner === 'object' && inner !== null && 'message' in inner) {
    return { name: typeof inner.name === 'string' && inner.name !== '' ? inner.name : 'Error', message: String(inner.message) }
  }
  return { name: 'Error', message: String(error) }
}

/** `error` as a short `Name: message` line for logs and the status panel. */
export function errorText (error: unknown): string {
  const { name, message } = toErrorShape(error)
  return `${name}: ${message}`
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ErrorClass = abstract new (...args: any[]) => Error

/**
 * Rebuilds errors that crossed a boundary as plain `{ name, message }` into instances of their own classes, so
 * callers keep telling them apart with `instanceof`. `classes` maps each name to its class; the keys are written
 * out (not read from `Class.name`) because production builds minify class names. A name without a class comes
 * back as a plain `Error` carrying that name.
 */
export function errorReviver (classes: Record<string, ErrorClass>): (shape: ErrorShape) => Error {
  const byName = new Map(Object.entries(classes))
  return shape => {
    const ErrorClass = byName.get(shape.name)
    // Constructors take different arguments; the prototype is what `instanceof` checks.
    const error: Error = ErrorClass === undefined ? new Error(shape.message) : Object.create(ErrorClass.prototype)
    Object.defineProperty(error, 'message', { value: shape.message, writable: true, configurable: true })
    Object.defineProperty(error, 'name', { value: shape.name, writable: true, configurable: true })
    if (ErrorClass !== undefined) Object.defineProperty(error, 'stack', { value: `${shape.name}: ${shape.message}`, writable: true, configurable: true })
    return error
  }
}

/** `value` as a positive number, or an InvalidConfigError naming the setting. */
export function positive (name: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0)) throw new InvalidConfigError(`${name} must be a positive number, got ${String(value)}`)
  return value
}

/** `value` as zero or a positive number, or an InvalidConfigError naming the setting. */
export function nonNegative (name: string, value: number): number {
  if (typeof value !== 'number' || !(value >= 0)) throw new InvalidConfigError(`${name} must be zero or more, got ${String(value)}`)
  return value
}
