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

/** Data an error class carries besides its message (`NotEnoughShardsError.present`, …): numbers, strings, lists. */
export type ErrorField = string | number | boolean | null | ReadonlyArray<string | number | boolean | null>

/** An error as data that keeps its class's own fields, for crossing a process or Worker boundary. */
export interface ErrorRecord extends ErrorShape { fields?: Record<string, ErrorField> }

/** `error` with the plain-data fields it carries of its own (nested objects and other errors are left out). */
export function toErrorRecord (error: unknown): ErrorRecord {
  const record: ErrorRecord = toErrorShape(error)
  if (!(error instanceof Error)) return record
  const fields: Record<string, ErrorField> = {}
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue
    if (isErrorField(value)) fields[key] = Array.isArray(value) ? [...value] : value
  }
  if (Object.keys(fields).length > 0) record.fields = fields
  return record
}

function isErrorField (value: unknown): value is ErrorField {
  const primitive = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v)
  return primitive(value) || (Array.isArray(value) && value.every(primitive))
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ErrorClass = abstract new (...args: any[]) => Error

/**
 * Rebuilds errors that crossed a boundary as data (`toErrorShape`, `toErrorRecord`) into instances of their own
 * classes, fields included, so callers keep telling them apart with `instanceof`. `classes` maps each name to its
 * class; the keys are written out (not read from `Class.name`) because production builds minify class names. A
 * name without a class comes back from `fallback` (default: a plain `Error` carrying that name).
 */
export function errorReviver (classes: Record<string, ErrorClass>, fallback?: (shape: ErrorShape) => Error): (shape: ErrorRecord) => Error {
  const byName = new Map(Object.entries(classes))
  return shape => {
    const ErrorClass = byName.get(shape.name)
    if (ErrorClass === undefined && fallback !== undefined) return fallback(shape)
    // Constructors take different arguments; the prototype is what `instanceof` checks.
    const error: Error = ErrorClass === undefined ? new Error(shape.message) : Object.create(ErrorClass.prototype)
    const define = (key: string, value: unknown): void => { Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: key !== 'message' && key !== 'name' && key !== 'stack' }) }
    define('message', shape.message)
    define('name', shape.name)
    if (ErrorClass !== undefined) define('stack', `${shape.name}: ${shape.message}`)
    for (const [key, value] of Object.entries(shape.fields ?? {})) define(key, value)
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
