/**
 * Assembling a history from envelope copies of several sources (local cache, own history objects, own inbox):
 * each distinct copy is opened (verified before anything is shown), verified messages are deduplicated by
 * (sender, messageId), and the result is put in conversation order. A copy that fails is reported, never thrown.
 */
import { sha256, toHex } from '../../crypto/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { compareMessages, type ChatMessage, type EnvelopeSource, type Rejection } from './chat-message.ts'

export interface EnvelopeCopy {
  readonly source: EnvelopeSource
  readonly bytes: Uint8Array
  readonly objectId?: ObjectId
}

export interface VerifiedCopy {
  readonly message: ChatMessage
  readonly bytes: Uint8Array
  readonly source: EnvelopeSource
}

export interface AssembledHistory {
  /** In conversation order, one per (sender, messageId). */
  readonly messages: VerifiedCopy[]
  readonly rejected: Rejection[]
}

/**
 * Opens every distinct copy with `open` (which throws a typed error for a bad one) and keeps the first verified
 * copy of each message, in the order the copies are given. Identical bytes are opened once. Different bytes
 * claiming the same (sender, messageId) can only both verify if the sender signed both; the first one wins.
 */
export async function assembleHistory (copies: readonly EnvelopeCopy[], open: (bytes: Uint8Array) => Promise<ChatMessage>): Promise<AssembledHistory> {
  const distinct = new Map<string, EnvelopeCopy>()
  for (const copy of copies) {
    const key = toHex(sha256(copy.bytes))
    if (!distinct.has(key)) distinct.set(key, copy)
  }
  const outcomes = await Promise.all([...distinct.values()].map(async copy => {
    try {
      return { copy, message: await open(copy.bytes) }
    } catch (error) {
      return { copy, error: error instanceof Error ? error : new Error(String(error)) }
    }
  }))
  const byMessage = new Map<string, VerifiedCopy>()
  const rejected: Rejection[] = []
  for (const outcome of outcomes) {
    const { copy } = outcome
    if (outcome.message === undefined) {
      rejected.push({ source: copy.source, ...(copy.objectId === undefined ? {} : { objectId: copy.objectId }), error: outcome.error })
      continue
    }
    const key = `${outcome.message.from}/${outcome.message.messageId}`
    if (!byMessage.has(key)) byMessage.set(key, { message: outcome.message, bytes: copy.bytes, source: copy.source })
  }
  const messages = [...byMessage.values()].sort((a, b) => compareMessages(a.message, b.message))
  return { messages, rejected }
}
