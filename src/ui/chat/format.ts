/** Texts the chat screen shows: addresses, times, send progress, refusals and errors. Pure. */
import { formatBytes, toErrorShape, type ErrorShape, type MessageProgress, type Rejection } from '../../node/index.ts'

/** `0x1234…cdef`: enough to tell people apart at a glance; the full address is shown where it matters. */
export function shortAddress (address: string): string {
  return address.length <= 14 ? address : `${address.slice(0, 6)}…${address.slice(-4)}`
}

/** A contact's name, or its short address. */
export function peerLabel (peer: string, name?: string): string {
  return name === undefined || name === '' ? shortAddress(peer) : name
}

/** What a message whose time cannot be shown as a date (out of the range dates cover, not a number) shows. */
export const UNKNOWN_TIME = 'unknown time'

/**
 * The time of day for today's messages, the date (and time) for older ones. `sentAt` comes from the sender, so
 * it may be any number; one that is not a date shows as `UNKNOWN_TIME`.
 */
export function formatTime (sentAt: number, now: number, locale?: string): string {
  const date = new Date(sentAt)
  if (Number.isNaN(date.getTime())) return UNKNOWN_TIME
  const today = new Date(now)
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
  if (date.toDateString() === today.toDateString()) return time
  const sameYear = date.getFullYear() === today.getFullYear()
  const day = date.toLocaleDateString(locale, sameYear ? { day: 'numeric', month: 'short' } : { day: 'numeric', month: 'short', year: 'numeric' })
  return `${day} ${time}`
}

/** The machine-readable form of a message time (a `<time datetime>`), or undefined when it is not a date. */
export function isoTime (sentAt: number): string | undefined {
  const date = new Date(sentAt)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/**
 * Where an outgoing message is: queued (waiting for this node to join, or for the recipient's key), being
 * encrypted, its shards being stored, stored (on how many holders), delivered to the recipient's tab, or failed.
 * Notes to self (`to` is `self`) count the history copy; other messages the recipient's inbox copy, the one they
 * read.
 */
export function progressLabel (progress: MessageProgress, self: string): string {
  const placed = progress.to === self ? progress.historyShards : progress.inboxShards
  switch (progress.state) {
    case 'queued':
      return progress.waitingFor === 'node'
        ? 'queued: sends when your node has joined the mesh'
        : 'queued: sends when their key is found (they have not opened ZenTalk yet, or the mesh is still answering)'
    case 'encrypting':
      return progress.attachment === undefined || progress.attachment.ref !== undefined
        ? 'encrypting…'
        : `uploading… ${transferText(progress.attachment.storedBytes, progress.attachment.size)}`
    case 'sending': {
      const storing = `storing… ${placed}/${progress.totalShards}`
      return progress.delivered ? `delivered${readSuffix(progress.read)}, ${storing}` : storing
    }
    case 'sent':
      return (progress.delivered ? 'delivered' : `stored on ${placed} of ${progress.totalShards}`) + readSuffix(progress.read)
    case 'failed':
      return `failed: ${truncate(progress.error?.message ?? 'unknown error', MAX_ERROR_MESSAGE_CHARS)}`
  }
}

/** `37 % of 3.2 MB`: how far a file's upload or download is. */
export function transferText (doneBytes: number, totalBytes: number): string {
  const percent = totalBytes <= 0 ? 100 : Math.min(100, Math.floor(doneBytes * 100 / totalBytes))
  return `${percent} % of ${formatBytes(totalBytes)}`
}

/** The state line of an outgoing message known only from history or the cache: it is stored in the mesh. */
export const STORED_LABEL = 'stored'

/**
 * Added to an outgoing message's state line once its recipient has read it ("delivered, read"): the line still
 * starts with what it said before.
 */
export function readSuffix (read: boolean | undefined): string {
  return read === true ? ', read' : ''
}

export type ErrorLike = ErrorShape

/** Anything thrown, as a name and a message a person can read. */
export const errorParts = toErrorShape

/** Most characters of an error message an alert shows; refusals quote what a remote peer sent, of any length. */
export const MAX_ERROR_MESSAGE_CHARS = 300

/** `context (Name): message`, the form every alert takes; a long name or message is cut short with `…`. */
export function describeError (context: string, error: unknown): string {
  const { name, message } = errorParts(error)
  return `${context} (${truncate(name, MAX_ERROR_NAME_CHARS)}): ${truncate(message, MAX_ERROR_MESSAGE_CHARS)}`
}

/** Error names are class names; one longer than this came from somewhere else. */
const MAX_ERROR_NAME_CHARS = 64

function truncate (text: string, max: number): string {
  if (text.length <= max) return text
  let cut = text.slice(0, max - 1)
  // Never show half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1)
  return `${cut}…`
}

export function sendFailureText (to: string, error: unknown): string {
  return describeError(`Could not send a message to ${to}`, error)
}

/** Why something received or looked up was not used, naming the error class. */
export function rejectionText (rejection: Rejection): string {
  const { source, address, remotePeer, objectId } = rejection
  switch (source) {
    case 'key-bundle':
      return describeError(`Refused a key bundle for ${address ?? 'an unknown address'}`, rejection.error)
    case 'presence':
      return describeError(`Refused a presence record for ${address ?? 'an unknown address'}`, rejection.error)
    case 'live':
      return describeError(`Refused a message${remotePeer === undefined ? '' : ` delivered by node ${shortAddress(remotePeer)}`}`, rejection.error)
    default:
      return describeError(`Refused a message from your ${source}${objectId === undefined ? '' : ` (object ${shortAddress(objectId)})`}`, rejection.error)
  }
}

/** The name of the file an identity backup is downloaded as. */
export function backupFileName (address: string): string {
  return `zentalk-backup-${address.slice(2, 10)}.json`
}

/** At most `max` characters of a message, for the chats list. */
export function preview (text: string, max = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`
}

/**
 * The quiet note shown when part of the history could not be read (holders offline, objects short of shards),
 * or undefined when everything was read.
 */
export function unavailableNotice (unavailable: ReadonlyArray<{ readonly source: string, readonly error: ErrorLike }>): string | undefined {
  if (unavailable.length === 0) return undefined
  const reasons = [...new Set(unavailable.map(part => `${part.source}: ${truncate(part.error.name, MAX_ERROR_NAME_CHARS)}`))]
  return `Part of your history could not be read from the mesh right now (${reasons.join('; ')}). ` +
    'Showing what is available; trying again shortly.'
}
