/**
 * Compaction of an owner's history into segments. Messages are written one object each (durable at once); later
 * the owner packs the envelopes it can read back (its history copies of what it sent, and what sits in its inbox)
 * into segments of its history namespace, all conversations together, oldest first, and deletes the objects they
 * replaced.
 *
 * Nothing is lost if it stops at any point: a segment is stored, read back and compared before anything it
 * replaces is deleted, and an object is deleted only when every message it holds is in a segment read back in the
 * same run. Each segment names the objects it replaces. A run that stopped half way leaves messages in both a
 * segment and their old objects; readers dedupe by (sender, messageId), and the next run deletes the objects a
 * segment names, as it does what is left of them on a holder that missed a delete (readers do not count those
 * as missing history). Segments less than half full are packed again together with new messages, so an owner
 * keeps at most one such segment after a run.
 */
import { NS_HISTORY, NS_INBOX, bytesEqual, sha256, toHex } from '../../crypto/index.ts'
import type { WalletAddress } from '../../identity/index.ts'
import type { FetchResult, ObjectStore, RetrievedObject } from '../../objects/index.ts'
import { inboxNamespace } from '../../placement/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { MAX_LONE_SEGMENT_BYTES, MAX_SEGMENT_ENTRY_BYTES, MAX_SEGMENT_REPLACES, SEGMENT_TARGET_BYTES, isHistorySegment, openHistorySegment, packSegments, sealHistorySegment } from '../history-segment.ts'
import { compareMessages, type ChatMessage } from './chat-message.ts'
import { expandHistoryObjects } from './history-segments.ts'
import { HistorySegmentReadBackError, KeyBundleLookupDeferredError, KeyBundleNotFoundError } from './errors.ts'
import {
  EnvelopeDecryptError, EnvelopeSignatureError, KeyBundleOwnerMismatchError, KeyBundleSignatureError, NotRecipientError, PeerKeyMismatchError, UnknownPeerKeyError
} from '../errors.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../../wire/index.ts'

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
  /** The wallet address: the inbox's owner (and the owner of segments written before the history identity). */
  readonly owner: WalletAddress
  /**
   * Who seals the segments this writes and owns the history's objects: the history identity (derived-identities.ts).
   * Default `owner`.
   */
  readonly historyOwner?: WalletAddress
  /** History reads and writes go where `objects` puts them (OwnObjects: under the history identity). */
  readonly objects: Pick<ObjectStore, 'fetchObjects' | 'fetchObject' | 'storeObject' | 'deleteObject'>
  /**
   * History objects that must move whatever their size: those still in the place earlier versions wrote to
   * (OwnObjects.inOldPlace). A run packs their envelopes into segments of the history identity's place.
   */
  readonly movable?: (objectId: ObjectId) => boolean
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
   * How many objects a run with `policy` would pack, from a read the caller just made: objects old enough, small
   * enough, and that `opened` says were verified (envelopes are not opened here), so that objects which never open
   * do not start run after run.
   */
  countPackable (fetched: FetchedHistory, policy: CompactionPolicy, opened: (bytes: Uint8Array) => boolean): number {
    const cutoff = this.deps.now() - (policy.minAgeMs ?? 0)
    const packable = (object: RetrievedObject): boolean => !isHistorySegment(object.bytes) && object.bytes.length <= MAX_SEGMENT_ENTRY_BYTES &&
      object.createdAt <= cutoff && opened(object.bytes)
    // A sent message's history copy is a segment of its own envelope (sealed, so nothing to verify here).
    const lone = (object: RetrievedObject): boolean => isHistorySegment(object.bytes) && object.bytes.length <= MAX_LONE_SEGMENT_BYTES && object.createdAt <= cutoff
    const movable = (object: RetrievedObject): boolean => isHistorySegment(object.bytes) && this.deps.movable?.(object.objectId) === true
    return fetched.history.objects.filter(object => packable(object) || lone(object) || movable(object)).length + (fetched.inbox?.objects.filter(packable).length ?? 0)
  }

  /**
   * One run: read (unless `fetched` is given), pack, store and read back, then delete what the new segments
   * replaced. Throws when the history cannot be read or a segment cannot be stored or read back; nothing is
   * deleted then that is not in a segment read back.
   * @throws {NoHoldersReachableError} | {StoreFailedError} | {HistorySegmentReadBackError} | read errors
   */
  async run (policy: CompactionPolicy = {}, fetched?: FetchedHistory): Promise<CompactionResult> {
    const { owner, objects } = this.deps
    const historyOwner = this.deps.historyOwner ?? owner
    const history = fetched?.history ?? await objects.fetchObjects(owner, { namespace: NS_HISTORY })
    // The inbox is packed when it can be read; the history alone otherwise.
    const inbox = fetched !== undefined ? fetched.inbox : await objects.fetchObjects(owner, { namespace: NS_INBOX }).catch(() => undefined)
    const cutoff = this.deps.now() - (policy.minAgeMs ?? 0)

    const { segments, replaced: known } = await expandHistoryObjects(history.objects, 'history', [historyOwner, owner], this.deps.segmentKey)
    /** Every object seen, rebuilt or not, and the namespace its delete goes to. */
    const seen = new Map<ObjectId, string>()
    for (const [source, namespace] of [[history, NS_HISTORY], [inbox, inboxNamespace(owner)]] as const) {
      for (const object of [...source?.objects ?? [], ...source?.failed ?? []]) seen.set(object.objectId, namespace)
    }
    // Objects a segment names as replaced: what is left of them goes (a holder missed the delete, or a run stopped).
    const leftovers: Candidate[] = [...seen].filter(([objectId]) => known.has(objectId)).map(([objectId, namespace]) => ({ objectId, namespace, keys: [] }))
    const moved = await this.moveLarge(history.objects.filter(object => !known.has(object.objectId)), historyOwner)
    const live = segments.filter(segment => !known.has(segment.objectId))

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

    // A lone envelope too large to pack (sealed on its own when sent) stays as it is, like a large single object.
    // Segments still in the old place are packed again whatever their size: that moves them.
    const moving = (segment: { objectId: ObjectId }): boolean => this.deps.movable?.(segment.objectId) === true
    const underfull = live.filter(segment => (envelopeBytes(segment.envelopes) < SEGMENT_TARGET_BYTES / 2 || moving(segment)) &&
      segment.envelopes.every(envelope => envelope.length <= MAX_SEGMENT_ENTRY_BYTES))
    /**
     * Sent messages' history copies, each a segment of one envelope, old enough to pack, and segments to move: they
     * count like single objects.
     */
    const lone = underfull.filter(segment => (segment.envelopes.length === 1 && segment.createdAt <= cutoff) || moving(segment)).length
    for (const segment of live) {
      if (underfull.includes(segment)) continue
      for (const bytes of segment.envelopes) {
        try {
          const message = await this.deps.open(bytes)
          kept.add(`${message.from}/${message.messageId}`)
        } catch {}
      }
    }
    let fresh = 0
    /** Inbox objects that will never open here (unreadable): removed like what was read. */
    const unreadable: Candidate[] = []
    const now = this.deps.now()
    for (const [source, namespace] of [[history, NS_HISTORY], [inbox, inboxNamespace(owner)]] as const) {
      for (const object of source?.objects ?? []) {
        if (known.has(object.objectId) || isHistorySegment(object.bytes) || object.bytes.length > MAX_SEGMENT_ENTRY_BYTES) continue
        let message: ChatMessage | undefined
        try {
          message = await this.deps.open(object.bytes)
        } catch (error) {
          if (source === inbox && isUnreadable(error, object.createdAt, now)) unreadable.push({ objectId: object.objectId, namespace, keys: [] })
          continue
        }
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
    const mergeSegments = fresh === 0 && (underfull.length > 1 || underfull.some(moving))
    // Envelopes still in the old place are packed however few: that moves them.
    const movingFresh = replaced.some(moving)
    if (!mergeSegments && !movingFresh && (fresh === 0 || fresh + lone < (policy.minObjects ?? 1))) {
      // Too little to pack: still drop what is known to be in segments already.
      return sum(moved, { ...NOTHING, deleted: await this.deleteAll([...leftovers, ...covered, ...unreadable]) })
    }
    /** Leftovers named by segments packed again, still seen: the new segments name them in their place. */
    const inherited: ObjectId[] = []
    for (const segment of underfull) {
      const keys = await add(segment.envelopes)
      // A segment with an envelope that no longer opens is left as it is, and its messages stay where they are.
      if (keys === undefined) continue
      replaced.push({ objectId: segment.objectId, namespace: NS_HISTORY, keys })
      inherited.push(...segment.replaces.filter(objectId => seen.has(objectId)))
    }

    const ordered = [...entries.values()].filter(entry => !kept.has(entry.key)).sort((a, b) => compareMessages(a.message, b.message))
    const groups = packSegments(ordered.map(entry => entry.bytes))
    /** Message key → the segment of this run it goes into. */
    const groupOf = new Map<string, number>()
    let next = 0
    groups.forEach((group, index) => { for (let i = 0; i < group.length; i++) groupOf.set(ordered[next++].key, index) })
    // Each replaced object is named by the last segment holding one of its messages: once that segment is read
    // back, every message of the object is in a segment.
    const namedBy = groups.map((): ObjectId[] => [])
    namedBy[0]?.push(...inherited)
    for (const candidate of replaced) namedBy[Math.max(0, ...candidate.keys.map(key => groupOf.get(key) ?? 0))]?.push(candidate.objectId)

    const stored = new Set<string>()
    for (const [index, group] of groups.entries()) {
      const replaces = [...new Set(namedBy[index])].slice(0, MAX_SEGMENT_REPLACES)
      const sealed = await sealHistorySegment(historyOwner, this.deps.segmentKey, { envelopes: group, replaces })
      const { objectId } = await objects.storeObject(sealed, { namespace: NS_HISTORY })
      await this.readBack(objectId, sealed, group.length)
      for (const [key, at] of groupOf) if (at === index) stored.add(key)
    }
    const safe = [...leftovers, ...covered, ...unreadable, ...replaced.filter(candidate => candidate.keys.every(key => stored.has(key) || kept.has(key)))]
    return sum(moved, { segments: groups.length, messages: stored.size, deleted: await this.deleteAll(safe) })
  }

  /**
   * Moves envelopes too large to pack (over MAX_SEGMENT_ENTRY_BYTES) out of the old place: each that opens is
   * sealed as a segment of its own under the history identity, stored, read back, and only then deleted there.
   */
  private async moveLarge (objects: readonly RetrievedObject[], historyOwner: WalletAddress): Promise<CompactionResult> {
    let segments = 0
    let deleted = 0
    for (const object of objects) {
      if (this.deps.movable?.(object.objectId) !== true || isHistorySegment(object.bytes) || object.bytes.length <= MAX_SEGMENT_ENTRY_BYTES) continue
      try {
        await this.deps.open(object.bytes)
      } catch {
        continue
      }
      const sealed = await sealHistorySegment(historyOwner, this.deps.segmentKey, { envelopes: [object.bytes], replaces: [object.objectId] })
      const { objectId } = await this.deps.objects.storeObject(sealed, { namespace: NS_HISTORY })
      await this.readBack(objectId, sealed, 1)
      segments++
      if (await this.deps.objects.deleteObject(object.objectId, { namespace: NS_HISTORY }) > 0) deleted++
    }
    return { segments, messages: segments, deleted }
  }

  /** Reads a stored segment back from the mesh and checks it is the one written and opens. */
  private async readBack (objectId: ObjectId, sealed: Uint8Array, count: number): Promise<void> {
    let bytes: Uint8Array
    try {
      bytes = (await this.deps.objects.fetchObject(objectId, { namespace: NS_HISTORY })).bytes
    } catch (error) {
      throw new HistorySegmentReadBackError(`history segment ${objectId} was stored but could not be read back (${(error as Error).message}); nothing it replaces was deleted`, { cause: error })
    }
    if (!bytesEqual(bytes, sealed) || (await openHistorySegment(this.deps.historyOwner ?? this.deps.owner, this.deps.segmentKey, bytes)).envelopes.length !== count) {
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

/** An inbox object that does not open this long after its creation, for want of its sender's usable key bundle, is dropped. */
export const UNREADABLE_INBOX_GRACE_MS = 24 * 60 * 60_000

/**
 * Whether an inbox object that failed to open with `error` will never open here: not addressed to this identity,
 * forged, undecryptable or no envelope at all; or, a day (UNREADABLE_INBOX_GRACE_MS) after it was created, still
 * without a usable key bundle of its sender (an honest sender publishes one before it writes). A newer envelope
 * version, a lookup put off and a mesh that does not answer are not reasons: those may open later.
 */
export function isUnreadable (error: unknown, createdAt: number, now: number): boolean {
  if (error instanceof UnsupportedVersionError || error instanceof KeyBundleLookupDeferredError) return false
  if (error instanceof NotRecipientError || error instanceof EnvelopeSignatureError || error instanceof EnvelopeDecryptError ||
    error instanceof MalformedMessageError || error instanceof OversizeMessageError) return true
  const bundleUnusable = error instanceof KeyBundleNotFoundError || error instanceof KeyBundleSignatureError ||
    error instanceof KeyBundleOwnerMismatchError || error instanceof PeerKeyMismatchError || error instanceof UnknownPeerKeyError
  return bundleUnusable && createdAt <= now - UNREADABLE_INBOX_GRACE_MS
}

function sum (a: CompactionResult, b: CompactionResult): CompactionResult {
  return { segments: a.segments + b.segments, messages: a.messages + b.messages, deleted: a.deleted + b.deleted }
}

function envelopeBytes (envelopes: readonly Uint8Array[]): number {
  return envelopes.reduce((sum, envelope) => sum + envelope.length, 0)
}
