import { ZenTalkError } from '../errors/index.ts'

export type QuotaScope = 'node' | 'owner'

export interface QuotaDetails {
  scope: QuotaScope
  usedBytes: number
  limitBytes: number
  /** Bytes the refused put would have added. */
  requestedBytes: number
  /** The owner, for an owner-scope refusal. */
  owner?: string
}

/** A put would take the node, or one owner on it, over its byte quota; nothing was stored. */
export class QuotaExceededError extends ZenTalkError {
  readonly scope: QuotaScope
  readonly usedBytes: number
  readonly limitBytes: number
  readonly requestedBytes: number

  constructor (details: QuotaDetails, options?: ErrorOptions & { message?: string }) {
    const { scope, usedBytes, limitBytes, requestedBytes, owner } = details
    const whose = scope === 'node' ? 'this node' : `owner ${owner ?? '(unknown)'}`
    super(options?.message ?? `storing this shard needs ${requestedBytes} more bytes, but ${whose} already uses ` +
      `${usedBytes} of its ${limitBytes}-byte ${scope} quota; free space or raise the ${scope} quota`, options)
    this.scope = scope
    this.usedBytes = usedBytes
    this.limitBytes = limitBytes
    this.requestedBytes = requestedBytes
  }
}

/** The store was closed; open a new one to keep using the same storage. */
export class StoreClosedError extends ZenTalkError {
  constructor (operation: string) {
    super(`cannot ${operation}: the chunk store is closed`)
  }
}

/** A record handed to `put` is malformed (wrong key length, size mismatch, bad owner address...). */
export class InvalidRecordError extends ZenTalkError {}

/** The storage on disk was written by a newer version of ZenTalk than this one; refuse rather than corrupt it. */
export class UnsupportedStoreVersionError extends ZenTalkError {}
