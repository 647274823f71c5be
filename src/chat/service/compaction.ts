/**
 * Compaction of an owner's history into segments. Messages are written one object each (durable at once); later
 * the owner packs the envelopes it can read back (its history copies of what it sent, and what sits in its inbox)
 * into segments of its history namespace, all conversations together, oldest first, and deletes the objects they
 * replaced.
 *
 * Nothing is lost if it stops at any point: a segment is stored, read back and compared before anything it
 * replaces is deleted, and an object is deleted only when every message it holds is in a segment read back in the
 * same run. A run that stopped half way leaves messages in both a segment and their old objects; readers dedupe
 * by (sender, messageId), and the next run deletes the leftovers. Segments less than half full are packed again
 * together with new messages, so an owner keeps at most one such segment after a run.
 */
import { NS_HISTORY, NS_INBOX, bytesEqual, sha256, toHex } from '../../crypto/index.ts'
import type { WalletAddress } from '../../identity/index.ts'
import type { FetchResult, ObjectStore, RetrievedObject } from '../../objects/index.ts'
import { inboxNamespace } from '../../placement/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { MAX_SEGMENT_ENTRY_BYTES, SEGMENT_TARGET_BYTES, isHistorySegment, openHistorySegment, packSegments, sealHistorySegment } from '../history-segment.ts'
import { compareMessages, type ChatMessage } from './chat-message.ts'
import { expandHistoryObjects } from './history-segments.ts'
import { HistorySegmentReadBackError } from './errors.ts'

export interface CompactionResult {
  /** Segments written. */
  readonly segments: number
  /** Distinct messages in the segments written. */
  readonly messages: number
  /** Objects deleted because a segment read back in this run holds all their messages. */
  readonly deleted: number
}

export interface CompactionPolicy {
  /** Only objects whose manifest is at least this old are packed (ms; default 0). */
  readonly minAgeMs?: number
  /** Nothing is written unless at least this many objects can be packed (default 1). */
  readonly minObjects?: number
}

/** The owner's objects as a read found them, when the caller has just read them (readHistory). */
export interface FetchedHistory {
  readonly history: FetchResult
  readonly inbox?: FetchResult
}

export interface CompactorDeps {
  readonly owner: WalletAddress
  readonly objects: Pick<ObjectStore, 'fetchObjects' | 'fetchObject' | 'storeObject' | 'deleteObject'>
  readonly segmentKey: Uint8Array
  /** Verifies and opens an envelope (ChatService.openEnvelope); only envelopes that open are packed. */
  readonly open: (bytes: Uint8Array) => Promise<ChatMessage>
  readonly now: () => number
}

interface Candidate {
  readonly objectId: ObjectId
  /** Namespace to delete it in. */
  readonly namespace: string
  /** Message keys (sender/messageId) it holds. */
  readonly keys: string[]
}

interface Entry {
  readonly key: string
  readonly bytes: Uint8Array
  readonly message: ChatMessage
}

/** Objects deleted in parallel: each delete asks every holder of the key at once. */
const DELETES_AT_ONCE = 4

const NOTHING: CompactionResult = { segments: 0, messages: 0, deleted: 0 }

export class HistoryCompactor {
  private readonly deps: CompactorDeps

  constructor (deps: CompactorDeps) {
    this.deps = deps
  }

  /**
   * How many objects a run with `policy` would pack, from a read the caller just made (objects too young, too
   * large, or not opening are not counted; envelopes are not opened here).
   */
  countPackable (fetched: FetchedHistory, policy: CompactionPolicy = {}): number {
    const cutoff = this.deps.now() - (policy.minAgeMs ?? 0)
    const packable = (object: RetrievedObject): boolean => !isHistorySegment(object.bytes) && object.bytes.length <= MAX_SEGMENT_ENTRY_BYTES && object.createdAt <= cutoff
    return fetched.history.objects.filter(packable).length + (fetched.inbox?.objects.filter(packable).length ?? 0)
  }

  /**
   * One run: read (unless `fetched` is given), pack, store and read back, then delete what the new segments
   * replaced. Throws when the history cannot be read or a segment cannot be stored or read back; nothing is
   * deleted then that is not in a segment read back.
   * @throws {NoHoldersReachableError} | {StoreFailedError} | {HistorySegmentReadBackError} | read errors
   */
  async run (policy: CompactionPolicy = {}, fetched?: FetchedHistory): Promise<CompactionResult> {
    const { owner, objects } = this.deps
    const history = fetched?.history ?? await objects.fetchObjects(owner, { namespace: NS_HISTORY })
    // The inbox is packed when it can be read; the history alone otherwise.
    const inbox = fetched !== undefined ? fetched.inbox : await objects.fetchObjects(owner, { namespace: NS_INBOX }).catch(() => undefined)
    const cutoff = this.deps.now() - (policy.minAgeMs ?? 0)

    const { segments } = await expandHistoryObjects(history.objects, 'history', owner, this.deps.segmentKey)
    /** Messages in segments that stay as they are: what they hold is safe already. */
    const kept = new Set<string>()
    const entries = new Map<string, Entry>()
    const replaced: Candidate[] = []
    const covered: Candidate[] = []
    const add = async (envelopes: readonly Uint8Array[]): Promise<string[] | undefined> => {
      const keys: string[] = []
      for (const bytes of envelopes) {
        let message: ChatMessage
        try {
          message = await this.deps.open(bytes)
        } catch {
          return undefined
        }
        const key = `${message.from}/${message.messageId}`
        keys.push(key)
        if (!entries.has(key)) entries.set(key, { key, bytes, message })
      }
      return keys
    }

    const underfull = segments.filter(segment => envelopeBytes(segment.envelopes) < SEGMENT_TARGET_BYTES / 2)
    for (const segment of segments) {
      if (underfull.includes(segment)) continue
      for (const bytes of segment.envelopes) {
        try {
          const message = await this.deps.open(bytes)
          kept.add(`${message.from}/${message.messageId}`)
        } catch {}
      }
    }
    let fresh = 0
    for (const [source, namespace] of [[history, NS_HISTORY], [inbox, inboxNamespace(owner)]] as const) {
      for (const object of source?.objects ?? []) {
        if (isHistorySegment(object.bytes) || object.bytes.length > MAX_SEGMENT_ENTRY_BYTES) continue
        const message = await this.deps.open(object.bytes).catch(() => undefined)
        if (message === undefined) continue
        const key = `${message.from}/${message.messageId}`
        if (kept.has(key)) {
          covered.push({ objectId: object.objectId, namespace, keys: [key] })
        } else if (object.createdAt <= cutoff) {
          await add([object.bytes])
          replaced.push({ objectId: object.objectId, namespace, keys: [key] })
          fresh++
        }
      }
    }
    // Packing again a lone underfull segment with nothing new would only rewrite it.
    const repack = fresh > 0 || underfull.length > 1
    if (repack) {
      for (const segment of underfull) {
        const keys = await add(segment.envelopes)
        // A segment with an envelope that no longer opens is left as it is, and its messages stay where they are.
        if (keys === undefined) continue
        replaced.push({ objectId: segment.objectId, namespace: NS_HISTORY, keys })
      }
    }
    if (fresh < (policy.minObjects ?? 1) && !(fresh === 0 && underfull.length > 1)) {
      // Too little to pack: still drop leftovers of a run that stopped after its segment was read back.
      return { ...NOTHING, deleted: await this.deleteAll(covered) }
    }

    const ordered = [...entries.values()].filter(entry => !kept.has(entry.key)).sort((a, b) => compareMessages(a.message, b.message))
    const stored = new Set<string>()
    let written = 0
    for (const group of packSegments(ordered.map(entry => entry.bytes))) {
      const sealed = await sealHistorySegment(owner, this.deps.segmentKey, group)
      const { objectId } = await objects.storeObject(sealed, { namespace: NS_HISTORY })
      await this.readBack(objectId, sealed, group.length)
      written++
      const groupKeys = new Set(group)
      for (const entry of ordered) if (groupKeys.has(entry.bytes)) stored.add(entry.key)
    }
    const safe = [...covered, ...replaced.filter(candidate => candidate.keys.every(key => stored.has(key) || kept.has(key)))]
    return { segments: written, messages: stored.size, deleted: await this.deleteAll(safe) }
  }

  /** Reads a stored segment back from the mesh and checks it is the one written and opens. */
  private async readBack (objectId: ObjectId, sealed: Uint8Array, count: number): Promise<void> {
    let bytes: Uint8Array
    try {
      bytes = (await this.deps.objects.fetchObject(objectId, { namespace: NS_HISTORY })).bytes
    } catch (error) {
      throw new HistorySegmentReadBackError(`history segment ${objectId} was stored but could not be read back (${(error as Error).message}); nothing it replaces was deleted`, { cause: error })
    }
    if (!bytesEqual(bytes, sealed) || (await openHistorySegment(this.deps.owner, this.deps.segmentKey, bytes)).length !== count) {
      throw new HistorySegmentReadBackError(`history segment ${objectId} read back as other bytes (${toHex(sha256(bytes)).slice(0, 16)}…); nothing it replaces was deleted`)
    }
  }

  /**
   * Deletes a few objects at a time; returns how many had shards deleted. After a failure no new delete starts,
   * and the ones under way end before this throws, so a run is over when it settles.
   */
  private async deleteAll (candidates: readonly Candidate[]): Promise<number> {
    const queue = [...candidates]
    let deleted = 0
    const workers = await Promise.allSettled(Array.from({ length: Math.min(DELETES_AT_ONCE, queue.length) }, async () => {
      for (let candidate = queue.shift(); candidate !== undefined; candidate = queue.shift()) {
        try {
          if (await this.deps.objects.deleteObject(candidate.objectId, { namespace: candidate.namespace }) > 0) deleted++
        } catch (error) {
          queue.length = 0
          throw error
        }
      }
    }))
    const failure = workers.find(worker => worker.status === 'rejected')
    if (failure !== undefined) throw failure.reason
    return deleted
  }
}

function envelopeBytes (envelopes: readonly Uint8Array[]): number {
  return envelopes.reduce((sum, envelope) => sum + envelope.length, 0)
}
