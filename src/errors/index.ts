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
