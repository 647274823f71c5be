/**
 * The chat messaging service of one identity on one node: publishes the user's key bundle and presence, sends
 * messages (sealed, stored in the sender's history and the recipient's inbox, and handed to the recipient's node
 * live when it is online), receives live deliveries, and reads the whole history back from the mesh.
 *
 * Every message shown has been verified and opened here (`openEnvelope`): the sender's signature, that this
 * identity is a party to it, that the other party's key is the one they published, and AES-GCM. What fails is
 * reported as a typed error (`rejected` events, once per refused object, and `readHistory().rejected`), never
 * shown and never thrown out of a read.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { drawRandom, NS_HISTORY, NS_INBOX, sha256, systemRandom, toHex } from '../../crypto/index.ts'
import { raceAbort, sleep, withFallback } from '../../async/index.ts'
import { toErrorShape } from '../../errors/index.ts'
import { isPlainRelayed, isUsableConnection } from '../../net/index.ts'
import { DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS } from '../../erasure/index.ts'
import { parseAddress, type WalletAddress } from '../../identity/index.ts'
import { NoHoldersReachableError, StoreFailedError, type RetrievedObject } from '../../objects/index.ts'
import { RemoteQuotaExceededError } from '../../protocols/index.ts'
import { inboxNamespace } from '../../placement/index.ts'
import { deriveChatKeyPair, type ChatKeyPair } from '../chat-keys.ts'
import { inspectEnvelope, openMessage, sealMessage, type KeyBundleLookup, type OpenedMessage } from '../envelope.ts'
import { NotRecipientError, PeerKeyMismatchError, UnknownPeerKeyError } from '../errors.ts'
import { createKeyBundle, encodeKeyBundle, type KeyBundle } from '../key-bundle.ts'
import { MESSAGE_ID_BYTES } from '../message-id.ts'
import { createReadNotice, MAX_READ_NOTICE_IDS, openReadNotice } from '../read-notice.ts'
import { deriveSegmentKey, sealHistorySegment } from '../history-segment.ts'
import { deriveContactInboxIdentity, deriveHistoryIdentity } from '../derived-identities.ts'
import { openSealed, sealForRecipient } from '../sealed-envelope.ts'
import { attachmentName, checkAttachmentSize, encodeAttachmentRef, formatBytes, type AttachmentInput, type AttachmentRef } from '../attachment.ts'
import { MessageKind, type MessageContent } from '../payload.ts'
import { AttachmentTransfer } from './attachments.ts'
import { compareMessages, toChatMessage, type ChatMessage } from './chat-message.ts'
import {
  DEFAULT_COMPACTION_MIN_AGE_MS, DEFAULT_COMPACTION_MIN_OBJECTS, DEFAULT_DELIVERY_TIMEOUT_MS, DEFAULT_QUEUE_LIFETIME_MS, DEFAULT_QUEUE_RETRY_MS, DEFAULT_RELAYED_DELIVERY_AFTER_MS, MAX_QUEUE_RETRY_MS
} from './constants.ts'
import { signDeliveryReceipt } from './deliver-codec.ts'
import { DeliveryHandler, deliverEnvelope, deliverReadNotice, type DeliverOptions } from './deliver.ts'
import { DeliveryUnreachableError, InboxRateLimitedError, KeyBundleNotFoundError, ObjectUnavailableError, RecipientOfflineError, SendFailedError } from './errors.ts'
import { assembleHistory, type EnvelopeCopy } from './history.ts'
import { HistoryCompactor, type CompactionPolicy, type CompactionResult, type FetchedHistory } from './compaction.ts'
import { expandHistoryObjects } from './history-segments.ts'
import { OwnObjects } from './own-objects.ts'
import { KeyBundleDirectory } from './key-bundles.ts'
import { ContactPasses } from './contact-passes.ts'
import { ContactInboxes } from './contact-inboxes.ts'
import { MemoryMessageCache, type CachedContactPass, type CachedEnvelope, type MessageCache } from './message-cache.ts'
import { TypedEvents } from './events.ts'
import { PresenceDirectory } from './presence-records.ts'
import { PresencePublisher } from './presence-publisher.ts'
import type { PresenceRecord } from '../presence.ts'
import type { Rejection } from './chat-message.ts'
import type { ChatLibp2p, ChatServiceEvents, ChatServiceInit, DeliveryPath, HistoryReport, MessageProgress, SendResult } from './types.ts'
import type { PeerId } from '@libp2p/interface'

const VERIFIED_MEMO_ENTRIES = 10_000

export class ChatService {
  readonly address: WalletAddress
  readonly events = new TypedEvents<ChatServiceEvents>()
  private readonly init: ChatServiceInit
  private readonly keys: ChatKeyPair
  private readonly cache: MessageCache
  private readonly now: () => number
  private readonly bundles: KeyBundleDirectory
  /** Passes into the inboxes of people who have written to this identity (contact-passes.ts). */
  private readonly contactPasses: ContactPasses
  /** Contact inboxes of people who have written to this identity (contact-inboxes.ts). */
  private readonly contactInboxes: ContactInboxes
  /** The passes and contact inboxes kept in the cache, taken back once (`contactsRestored`). */
  private restoringContacts: Promise<void> | undefined
  private readonly presenceDirectory: PresenceDirectory
  private readonly presence: PresencePublisher
  private readonly handler: DeliveryHandler
  /** The latest progress of recent sends, oldest first (rememberSent). */
  private readonly sent = new Map<string, MessageProgress>()
  private ownBundle: KeyBundle
  private bundlePublished = false
  /** Envelope hash → the message it opened to: a copy seen again (cache, history, inbox) is not opened again. */
  private readonly verified = new Map<string, ChatMessage>()
  /** Refused history objects already reported as 'rejected' events, so each is reported once per session. */
  private readonly reportedRejections = new Set<string>()
  /** Deliveries through the relay under way, per peer (see `permitRelayedDial`). */
  private readonly relayedDials = new Map<string, number>()
  private nodeJoined: boolean
  /** Ends the waits of queued messages when the service stops. */
  private stopped = new AbortController()
  private readonly segmentKey: Uint8Array
  /** Where this identity's history and inbox objects live (own-objects.ts). */
  private readonly ownObjects: OwnObjects
  private readonly compactor: HistoryCompactor
  /** When compaction runs by itself (undefined: only when asked, `compactHistory`). */
  private readonly autoCompaction: Required<CompactionPolicy> | undefined
  /** The compaction run under way: never two at once. */
  private compacting: Promise<void> | undefined
  /** History objects written since compaction last looked, and the pending look after enough of them. */
  private historyWrites = 0
  private compactionTimer: ReturnType<typeof setTimeout> | undefined
  private readonly attachments: AttachmentTransfer
  /** When a compaction run last started for inbox objects that did not open. */
  private unopenedLookAt = Number.NEGATIVE_INFINITY
  /** When a run last started to move history out of the old place (`compactIfDue`). */
  private oldPlaceLookAt = Number.NEGATIVE_INFINITY

  constructor (init: ChatServiceInit) {
    this.init = init
    this.address = parseAddress(init.wallet.address)
    if (init.objects.owner !== this.address) {
      throw new RangeError(`the object store signs as ${init.objects.owner}, not as this chat identity ${this.address}`)
    }
    this.keys = deriveChatKeyPair(init.wallet)
    // Built before the passes: they are learned from both inboxes.
    this.ownObjects = new OwnObjects(init.objects, { history: deriveHistoryIdentity(init.wallet), contactInbox: deriveContactInboxIdentity(init.wallet) },
      async bytes => await openSealed(bytes, this.keys))
    this.contactPasses = new ContactPasses([this.address, this.ownObjects.contactInbox])
    this.contactInboxes = new ContactInboxes(this.address)
    this.segmentKey = deriveSegmentKey(init.wallet)
    this.compactor = new HistoryCompactor({
      owner: this.address,
      historyOwner: this.ownObjects.historyOwner,
      objects: this.ownObjects,
      movable: objectId => this.ownObjects.inOldPlace(objectId),
      segmentKey: this.segmentKey,
      open: async bytes => await this.openEnvelope(bytes),
      now: () => this.now()
    })
    this.autoCompaction = init.autoCompaction === false
      ? undefined
      : { minObjects: init.autoCompaction?.minObjects ?? DEFAULT_COMPACTION_MIN_OBJECTS, minAgeMs: init.autoCompaction?.minAgeMs ?? DEFAULT_COMPACTION_MIN_AGE_MS }
    this.cache = init.cache ?? new MemoryMessageCache()
    this.attachments = new AttachmentTransfer({ objects: init.objects, chunkBytes: init.attachmentChunkBytes, maxBytes: init.maxAttachmentBytes })
    this.now = init.now ?? Date.now
    const onRejected = (source: 'key-bundle' | 'presence') => (address: string, error: Error): void => {
      this.events.emit('rejected', { source, address, error })
    }
    this.bundles = new KeyBundleDirectory({ objects: init.objects, cache: this.cache, now: this.now, ttlMs: init.bundleCacheMs, onRejected: onRejected('key-bundle'), unknownLookupsPerMinute: init.unknownBundleLookupsPerMinute })
    this.presenceDirectory = new PresenceDirectory({ objects: init.objects, now: this.now, ttlMs: init.presenceCacheMs, onRejected: onRejected('presence') })
    this.presence = new PresencePublisher({
      wallet: init.wallet,
      libp2p: init.libp2p,
      directory: this.presenceDirectory,
      now: this.now,
      lifetimeMs: init.presenceLifetimeMs,
      refreshMs: init.presenceRefreshMs,
      beforeRefresh: async () => { await this.ensureKeyBundle() },
      onPublished: record => { this.events.emit('presence', record) },
      onError: error => { this.events.emit('error', error) }
    })
    this.handler = new DeliveryHandler(init.libp2p, async (envelope, remotePeer, senderKeyBundle) => await this.acceptDelivery(envelope, remotePeer, senderKeyBundle), {
      maxConcurrent: init.maxConcurrentDeliveries,
      timeoutMs: init.deliveryTimeoutMs,
      acceptReadNotice: async (notice, remotePeer) => { this.acceptReadNotice(notice, remotePeer) }
    })
    this.ownBundle = this.makeOwnBundle()
    this.nodeJoined = init.nodeReady === undefined
    init.nodeReady?.then(() => { this.nodeJoined = true }, () => {})
  }

  /** The X25519 public key this identity's bundle names. */
  get chatPublicKey (): Uint8Array {
    return Uint8Array.from(this.keys.publicKey)
  }

  /**
   * Serves live deliveries, then makes sure the key bundle is published and publishes presence, which is
   * republished periodically and when the node's addresses change. If publishing fails (the mesh is not
   * reachable yet) this throws, but the service stays started and the periodic refresh tries again.
   */
  async start (onStep?: (step: string) => void): Promise<void> {
    if (this.stopped.signal.aborted) this.stopped = new AbortController()
    await this.handler.start()
    this.presence.start()
    // Two objects under two keys: stored side by side, each waiting on its own holders.
    const presence = this.presence.publish().then(() => { onStep?.('presence published') })
    const bundle = this.ensureKeyBundle(onStep)
    await Promise.all([bundle, presence])
  }

  /** Stops serving deliveries and republishing presence, and waits for background work to end. */
  async stop (): Promise<void> {
    this.stopped.abort(new SendFailedError('', 'the chat service stopped before the message could be sent'))
    clearTimeout(this.compactionTimer)
    this.compactionTimer = undefined
    await this.presence.stop()
    await this.handler.stop()
  }

  /** Signs a new key bundle for this identity and stores it in the mesh. */
  async publishKeyBundle (): Promise<KeyBundle> {
    const bundle = this.makeOwnBundle()
    await this.bundles.publish(bundle)
    this.ownBundle = bundle
    this.bundlePublished = true
    return bundle
  }

  /** Publishes the key bundle unless the mesh already has one naming this identity's key and display name. */
  async ensureKeyBundle (onStep?: (step: string) => void): Promise<void> {
    if (this.bundlePublished) return
    try {
      const published = await this.bundles.fetchPublished(this.address)
      onStep?.('published key bundle fetched')
      if (toHex(published.x25519PublicKey) === toHex(this.keys.publicKey) && published.displayName === this.ownBundle.displayName) {
        this.ownBundle = published
        this.bundlePublished = true
        return
      }
    } catch (error) {
      // Not published yet, or only unusable ones: publish. The mesh not answering is this call's failure.
      if (error instanceof NoHoldersReachableError) throw error
      onStep?.(`no usable key bundle in the mesh (${(error as Error).name})`)
    }
    await this.publishKeyBundle()
    onStep?.('key bundle published')
  }

  /** Signs and publishes a fresh presence record ("this identity is reachable at this node"). */
  async publishPresence (): Promise<PresenceRecord> {
    return await this.presence.publish()
  }

  /**
   * The verified key bundle of `address` (this identity's own without a lookup).
   * @throws {KeyBundleNotFoundError} | {KeyBundleSignatureError} | {KeyBundleOwnerMismatchError} | mesh errors
   */
  async lookupBundle (address: WalletAddress | string, options: { fresh?: boolean } = {}): Promise<KeyBundle> {
    const owner = parseAddress(address)
    if (owner === this.address) return this.ownBundle
    return await this.bundles.lookup(owner, options)
  }

  /**
   * The recipient's bundle for a message: while none is found (or the mesh cannot answer), the message waits
   * ('queued') and the bundle is looked up again with growing pauses, until it appears or the queue time is up.
   * A bundle that fails verification fails the message at once.
   */
  private async bundleForSending (recipient: WalletAddress, waiting: (queued: boolean) => void): Promise<KeyBundle> {
    const deadline = this.now() + (this.init.queueLifetimeMs ?? DEFAULT_QUEUE_LIFETIME_MS)
    let pause = this.init.queueRetryMs ?? DEFAULT_QUEUE_RETRY_MS
    let queued = false
    for (;;) {
      try {
        const bundle = await this.lookupBundle(recipient, { fresh: queued })
        if (queued) waiting(false)
        return bundle
      } catch (error) {
        const notYet = error instanceof KeyBundleNotFoundError || error instanceof NoHoldersReachableError
        if (!notYet || this.now() + pause > deadline) throw error
      }
      if (!queued) waiting(true)
      queued = true
      await sleep(pause, this.stopped.signal)
      pause = Math.min(pause * 2, MAX_QUEUE_RETRY_MS)
    }
  }

  /** The current presence record of `address`, or undefined when they are offline. */
  async lookupPresence (address: WalletAddress | string, options: { fresh?: boolean } = {}): Promise<PresenceRecord | undefined> {
    return await this.presenceDirectory.lookup(address, options)
  }

  /**
   * Seals `text` to `to`, stores it in this identity's history and in the recipient's inbox, and hands it to the
   * recipient's node if it is online, all at once; progress goes out as 'message-state' events. Resolves once
   * all three have settled, as long as the recipient can get the message (inbox copy stored or delivered live).
   * Until the node has joined, and while the recipient's key bundle is not found, the message waits ('queued');
   * with `queue: false` it is tried once at once instead (and fails when the bundle is not found).
   * @throws {InvalidAddressError} | key bundle errors (the recipient has none, or a bad one) |
   *   {InboxRateLimitedError} | {SendFailedError} when neither the inbox copy nor live delivery worked
   */
  async sendMessage (to: WalletAddress | string, text: string, options: { replyTo?: string, queue?: boolean } = {}): Promise<SendResult> {
    return await this.send(to, text, options)
  }

  /**
   * Sends a file (`input.bytes`, at most MAX_ATTACHMENT_BYTES) as a message of its own: once the message could be
   * sealed (node joined, recipient's key bundle found: it queues like any message), the file is encrypted with a
   * fresh key and stored in chunks in this identity's attachment namespace ('message-state' carries
   * `attachment.storedBytes`), then a message naming the chunks, the key, the hash and the thumbnail goes out as
   * `sendMessage` sends text. The chunks are deleted again when the message cannot go out.
   * @throws {AttachmentTooLargeError} (nothing stored) | {InvalidAttachmentError} | what `sendMessage` throws
   */
  async sendAttachment (to: WalletAddress | string, input: AttachmentInput, options: { caption?: string, queue?: boolean } = {}): Promise<SendResult & { attachment: AttachmentRef }> {
    const result = await this.send(to, options.caption ?? '', options, input)
    return result as SendResult & { attachment: AttachmentRef }
  }

  /**
   * The bytes of an attachment a message of this identity's shares (sent or received), fetched from the sender's
   * attachment namespace and checked against the message's SHA-256; progress goes out as 'attachment-progress'.
   * @throws {AttachmentIntegrityError} when a chunk or the whole does not check out | mesh errors (NotEnoughShardsError, …)
   */
  async fetchAttachment (ref: AttachmentRef, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const attachmentId = ref.objectIds[0]
    return await this.attachments.download(ref, {
      signal: options.signal,
      onProgress: ({ doneBytes, totalBytes }) => { this.events.emit('attachment-progress', { attachmentId, direction: 'download', doneBytes, totalBytes }) }
    })
  }

  private async send (to: WalletAddress | string, text: string, options: { replyTo?: string, queue?: boolean }, file?: AttachmentInput): Promise<SendResult & { attachment?: AttachmentRef }> {
    const recipient = parseAddress(to)
    const messageId = toHex(drawRandom(systemRandom, MESSAGE_ID_BYTES))
    const sentAt = Math.floor(this.now())
    const toSelf = recipient === this.address
    // A file's message says what it is even to a reader that predates attachments.
    if (file !== undefined && text === '') text = `📎 ${attachmentName(file.name)} (${formatBytes(file.bytes.length)})`
    let progress: MessageProgress = {
      messageId, to: recipient, text, sentAt, state: 'encrypting', historyShards: 0, inboxShards: 0,
      totalShards: DEFAULT_DATA_SHARDS + DEFAULT_PARITY_SHARDS, delivered: false,
      ...(file === undefined ? {} : { attachment: { name: attachmentName(file.name), type: file.type ?? '', size: file.bytes.length, storedBytes: 0 } })
    }
    const update = (change: Partial<MessageProgress>): void => {
      progress = { ...progress, ...change }
      this.rememberSent(progress)
      this.events.emit('message-state', progress)
    }
    let bytes: Uint8Array
    /** The recipient's chat key, as their key bundle names it: what a copy for their contact inbox is sealed to. */
    let recipientKey: Uint8Array | undefined
    let attachment: AttachmentRef | undefined
    try {
      // A file that cannot go is refused before it waits in the queue.
      if (file !== undefined) checkAttachmentSize(file.bytes.length, this.init.maxAttachmentBytes)
      const queue = options.queue !== false
      if (queue && !this.nodeJoined) {
        update({ state: 'queued', waitingFor: 'node' })
        await raceAbort(this.init.nodeReady!, this.stopped.signal)
        update({ state: 'encrypting', waitingFor: undefined })
      } else {
        update({})
      }
      const recipientBundle = queue
        ? await this.bundleForSending(recipient, waiting => {
          update(waiting ? { state: 'queued', waitingFor: 'key-bundle' } : { state: 'encrypting', waitingFor: undefined })
        })
        : await this.lookupBundle(recipient)
      // Everyone this identity writes to learns its contact inbox, and writes there from then on.
      const inbox = toSelf ? undefined : this.ownObjects.contactInbox
      let content: MessageContent = { text, replyTo: options.replyTo, inbox }
      if (file !== undefined) {
        const attachmentId = `${messageId}/upload`
        attachment = await this.attachments.upload(file, {
          signal: this.stopped.signal,
          onProgress: ({ doneBytes, totalBytes }) => {
            if (progress.attachment !== undefined && doneBytes !== progress.attachment.storedBytes) update({ attachment: { ...progress.attachment, storedBytes: doneBytes } })
            this.events.emit('attachment-progress', { attachmentId, direction: 'upload', doneBytes, totalBytes })
          }
        })
        update({ attachment: { ...progress.attachment!, storedBytes: attachment.size, ref: attachment } })
        content = { kind: MessageKind.ATTACHMENT, text, replyTo: options.replyTo, data: encodeAttachmentRef(attachment), inbox }
      }
      bytes = (await sealMessage({ sender: this.init.wallet, senderKeys: this.keys, recipientBundle, content, sentAt, messageId })).bytes
      recipientKey = recipientBundle.x25519PublicKey
    } catch (error) {
      if (attachment !== undefined) await this.attachments.remove(attachment.objectIds)
      update({ state: 'failed', waitingFor: undefined, error: toErrorShape(error) })
      throw error
    }
    update({ state: 'sending' })
    let inboxRefusals = 0
    // The recipient's contact inbox once they have named it to this identity, else their public inbox, where a
    // contact pass (when this identity has one) admits the message as a contact's.
    const inboxOwner = toSelf ? recipient : await this.inboxOf(recipient)
    const inboxPass = toSelf ? undefined : await this.passFor(inboxOwner)
    // Into a contact inbox this identity writes as its own contact inbox: pseudonym to pseudonym, with the pass
    // that contact's contact inbox signed.
    const inboxWriter = inboxOwner === recipient ? this.init.objects : this.ownObjects.contactWriter
    // There the envelope goes sealed for the recipient alone: its holders see neither party nor the header.
    const inboxBytes = inboxOwner === recipient || recipientKey === undefined ? bytes : await sealForRecipient(bytes, recipientKey)

    // The history copy is sealed with the segment key: its holders see neither the envelope's header nor its parties.
    const history = sealHistorySegment(this.ownObjects.historyOwner, this.segmentKey, { envelopes: [bytes], replaces: [] }).then(async sealed => await this.ownObjects.storeObject(sealed, {
      namespace: NS_HISTORY,
      onShardPlaced: (placed, total) => { update({ historyShards: placed, totalShards: total }) }
    }))
    const inbox = toSelf
      ? undefined
      : inboxWriter.storeObject(inboxBytes, {
        namespace: inboxNamespace(inboxOwner),
        // A few holders refusing (full, or hostile) do not stop the message: their shards go to the next-closest
        // nodes, and k of the closest still hold theirs. More than m refusing is the holders' common limit (this
        // sender's rate, or an inbox full for strangers): the store stops, and what it placed is taken back.
        stopOn: error => error instanceof RemoteQuotaExceededError && ++inboxRefusals > DEFAULT_PARITY_SHARDS,
        inboxPass,
        onShardPlaced: (placed, total) => { update({ inboxShards: placed, totalShards: total }) }
      })
    const delivery = toSelf ? undefined : this.deliverEnvelopeTo(recipient, bytes).then(via => { update({ delivered: true, deliveredVia: via }) })
    const [historyOutcome, inboxOutcome, deliveryOutcome] = await Promise.allSettled([history, inbox, delivery])

    const problems: Array<SendResult['problems'][number]> = []
    const note = (part: 'history' | 'inbox' | 'delivery', outcome: PromiseSettledResult<unknown>): boolean => {
      if (outcome.status === 'fulfilled') return true
      problems.push({ part, ...toErrorShape(outcome.reason) })
      return false
    }
    const storedInHistory = note('history', historyOutcome)
    if (storedInHistory) this.historyWritten()
    const storedInInbox = !toSelf && note('inbox', inboxOutcome)
    const delivered = !toSelf && note('delivery', deliveryOutcome)
    const reachable = toSelf ? storedInHistory : storedInInbox || delivered
    if (!reachable) {
      if (attachment !== undefined && !storedInHistory) await this.attachments.remove(attachment.objectIds)
      const error = this.sendFailure(messageId, recipient, toSelf ? historyOutcome : inboxOutcome, deliveryOutcome)
      update({ state: 'failed', error: toErrorShape(error) })
      throw error
    }
    // Cached only once it went out: a failed message must not reappear as sent after a reload. For the sender the
    // cache may be its only copy (when the history copy failed), so it is kept even then.
    await this.cache.addEnvelope({ sender: this.address, recipient, messageId, sentAt, peer: recipient, bytes }).catch(() => false)
    update({ state: 'sent' })
    return {
      messageId, sentAt, to: recipient, delivered, ...(delivered ? { deliveredVia: progress.deliveredVia } : {}), storedInHistory, storedInInbox, problems,
      ...(attachment === undefined ? {} : { attachment })
    }
  }

  /** Every verified message of this identity (or of one conversation), from this device's cache and the mesh. */
  async history (peer?: WalletAddress | string): Promise<ChatMessage[]> {
    return (await this.readHistory(peer)).messages
  }

  /**
   * The messages this device has cached (of one conversation, or all), opened with the key bundles it already
   * knows, without asking the mesh: what a reopened tab shows at once, before `readHistory` merges the mesh's
   * answer. Envelopes it cannot open yet (a peer's bundle never seen here) are left for `readHistory`.
   */
  async readCachedHistory (peer?: WalletAddress | string): Promise<ChatMessage[]> {
    const conversation = peer === undefined ? undefined : parseAddress(peer)
    const cached = await this.cache.listEnvelopes(conversation).catch(() => [])
    const lookup: KeyBundleLookup = async address => address === this.address ? this.ownBundle : await this.bundles.local(address)
    const messages: ChatMessage[] = []
    for (const entry of cached) {
      const key = toHex(sha256(entry.bytes))
      let message = this.verified.get(key)
      if (message === undefined) {
        try {
          const opened = await openMessage(entry.bytes, { me: this.address, myKeys: this.keys, lookupBundle: lookup })
          this.learnContactInbox(opened)
          message = toChatMessage(opened)
        } catch {
          continue
        }
        this.remember(key, message)
      }
      if (conversation === undefined || message.peer === conversation) messages.push(message)
    }
    return messages.sort(compareMessages)
  }

  /**
   * Reads this identity's history objects and inbox from the mesh and the local cache, opens every distinct
   * envelope, and returns the verified messages in order together with what was refused or unreadable.
   * Newly verified envelopes are added to the cache. Never throws for bad or missing data.
   */
  async readHistory (peer?: WalletAddress | string): Promise<HistoryReport> {
    const conversation = peer === undefined ? undefined : parseAddress(peer)
    const [own, inbox, cached] = await Promise.allSettled([
      this.ownObjects.fetchObjects(this.address, { namespace: NS_HISTORY }),
      this.ownObjects.fetchObjects(this.address, { namespace: NS_INBOX }),
      this.cache.listEnvelopes(conversation)
    ])
    const copies: EnvelopeCopy[] = []
    const unavailable: Array<HistoryReport['unavailable'][number]> = []
    /** History segments that did not open. */
    const refusedSegments: Rejection[] = []
    /** Objects whose messages segments hold: shards of them still seen are leftovers of a delete, not missing history. */
    let replaced = new Set<string>()
    /** Contact passes new in this read: kept in the cache for those whose messages open (not a flood's). */
    let learnedPasses: CachedContactPass[] = []
    if (cached.status === 'fulfilled') copies.push(...cached.value.map(entry => ({ source: 'cache' as const, bytes: entry.bytes })))
    for (const [source, outcome] of [['history', own], ['inbox', inbox]] as const) {
      if (outcome.status === 'rejected') {
        unavailable.push({ source, error: asError(outcome.reason) })
        continue
      }
      // Segments (many messages in one object) are only ever written to the owner's own history.
      if (source === 'history') {
        const expanded = await expandHistoryObjects(outcome.value.objects, source, [this.ownObjects.historyOwner, this.address], this.segmentKey)
        copies.push(...expanded.copies)
        refusedSegments.push(...expanded.rejected)
        replaced = expanded.replaced
      } else {
        copies.push(...outcome.value.objects.map((object: RetrievedObject) => ({ source, bytes: object.bytes, objectId: object.objectId })))
        learnedPasses = this.contactPasses.learn(outcome.value.objects)
      }
      for (const failed of outcome.value.failed) {
        if (replaced.has(failed.objectId)) continue
        unavailable.push({ source, objectId: failed.objectId, error: new ObjectUnavailableError(`${source} object ${failed.objectId}: ${failed.error.message}`) })
      }
    }
    const assembled = await assembleHistory(copies, async bytes => await this.openEnvelope(bytes))
    const rejected = [...refusedSegments, ...assembled.rejected]
    for (const rejection of rejected) {
      const key = `${rejection.source}/${rejection.objectId ?? ''}/${rejection.error.name}`
      if (this.reportedRejections.has(key)) continue
      if (this.reportedRejections.size >= VERIFIED_MEMO_ENTRIES) this.reportedRejections.clear()
      this.reportedRejections.add(key)
      this.events.emit('rejected', rejection)
    }
    // Writers are wallet addresses, or the contact inboxes of those who wrote from theirs.
    const writers = new Set<string>(assembled.messages.map(({ message }) => message.from))
    for (const writer of [...writers]) {
      const inbox = this.contactInboxes.inboxOf(writer as WalletAddress)
      if (inbox !== writer) writers.add(inbox)
    }
    for (const entry of learnedPasses) if (writers.has(entry.contact)) await this.cache.putContactPass(entry).catch(() => {})
    const messages: ChatMessage[] = []
    for (const { message, bytes, source } of assembled.messages) {
      if (conversation !== undefined && message.peer !== conversation) continue
      messages.push(message)
      if (source !== 'cache') await this.cache.addEnvelope(cacheEntry(message, bytes)).catch(() => false)
    }
    const unopened = assembled.rejected.filter(rejection => rejection.source === 'inbox').length
    if (own.status === 'fulfilled') this.compactIfDue({ history: own.value, inbox: inbox.status === 'fulfilled' ? inbox.value : undefined }, unopened)
    return { messages, rejected, unavailable }
  }

  /**
   * Packs this identity's history now: every single-message object of its history and its inbox that opens (and
   * fits a segment: up to 4 KiB) goes into segments of up to 64 KiB of envelopes, stored in its history, read back,
   * and then the objects they replaced are deleted. Resolves once those are deleted. Waits for a run under way
   * (compaction never runs twice at once). Safe to stop at any point and to run again: see compaction.ts.
   * @throws {NoHoldersReachableError} | {StoreFailedError} | {HistorySegmentReadBackError} (nothing lost then)
   */
  async compactHistory (): Promise<CompactionResult> {
    while (this.compacting !== undefined) await this.compacting
    return await this.runCompaction(async () => await this.compactor.run())
  }

  /**
   * Compaction by itself: when at least `minObjects` objects older than `minAgeMs` can be packed (judged from a
   * read just made, or, without one, by a run that reads first), or the read met history in the old place, and no
   * run is under way. Failures go out as
   * 'error' events; what failed is tried again on a later look.
   */
  private compactIfDue (fetched?: FetchedHistory, unopened = 0): void {
    const policy = this.autoCompaction
    if (policy === undefined || this.compacting !== undefined || this.stopped.signal.aborted) return
    const verified = (bytes: Uint8Array): boolean => this.verified.has(toHex(sha256(bytes)))
    // Inbox objects that did not open may be unreadable for good (a flood's): a run removes those, every so often.
    const removeUnopened = unopened > 0 && this.now() - this.unopenedLookAt >= UNOPENED_LOOK_MS
    // History an earlier version wrote under the wallet address is moved whatever the count, so reads stop asking
    // two places (and strangers stop seeing it there); at most every UNOPENED_LOOK_MS, should a move not finish.
    const moveOld = fetched !== undefined && this.now() - this.oldPlaceLookAt >= UNOPENED_LOOK_MS &&
      fetched.history.objects.some(object => this.ownObjects.inOldPlace(object.objectId))
    if (fetched !== undefined && !removeUnopened && !moveOld && this.compactor.countPackable(fetched, policy, verified) < policy.minObjects) return
    if (removeUnopened) this.unopenedLookAt = this.now()
    if (moveOld) this.oldPlaceLookAt = this.now()
    this.runCompaction(async () => await this.compactor.run(policy, fetched)).catch(error => { this.events.emit('error', asError(error)) })
  }

  /** Counts a history object written; after `minObjects` of them, looks again once they are `minAgeMs` old. */
  private historyWritten (): void {
    const policy = this.autoCompaction
    if (policy === undefined || ++this.historyWrites < policy.minObjects || this.compactionTimer !== undefined || this.stopped.signal.aborted) return
    this.compactionTimer = setTimeout(() => {
      this.compactionTimer = undefined
      this.historyWrites = 0
      this.compactIfDue()
    }, policy.minAgeMs + COMPACTION_LOOK_MARGIN_MS)
  }

  private async runCompaction (run: () => Promise<CompactionResult>): Promise<CompactionResult> {
    const result = run()
    const settled = result.then(() => {}, () => {})
    this.compacting = settled
    void settled.then(() => { if (this.compacting === settled) this.compacting = undefined })
    return await result
  }

  /**
   * Verifies and decrypts one envelope this identity sent or received.
   * @throws the typed error of the first failed check: `EnvelopeSignatureError`, `NotRecipientError`,
   *   `PeerKeyMismatchError`, `UnknownPeerKeyError`, `KeyBundleNotFoundError`, `EnvelopeDecryptError`, ...
   */
  async openEnvelope (bytes: Uint8Array): Promise<ChatMessage> {
    const key = toHex(sha256(bytes))
    const known = this.verified.get(key)
    if (known !== undefined) return known
    const lookup = (fresh: boolean): KeyBundleLookup => async address => await this.lookupBundle(address, { fresh })
    let opened
    try {
      opened = await openMessage(bytes, { me: this.address, myKeys: this.keys, lookupBundle: lookup(false) })
    } catch (error) {
      // A cached bundle may predate the peer's current key: look it up again once before refusing.
      if (!(error instanceof PeerKeyMismatchError || error instanceof UnknownPeerKeyError)) throw error
      opened = await openMessage(bytes, { me: this.address, myKeys: this.keys, lookupBundle: lookup(true) })
    }
    this.learnContactInbox(opened)
    const message = toChatMessage(opened)
    this.remember(key, message)
    return message
  }

  /** This identity's contact pass into `recipient`'s inbox, once the passes kept in the cache are back. */
  private async passFor (recipient: WalletAddress): Promise<Uint8Array | undefined> {
    await this.contactsRestored()
    return this.contactPasses.passFor(recipient)
  }

  /** Whose inbox this identity's messages to `recipient` go to: their contact inbox once they named it, else theirs. */
  private async inboxOf (recipient: WalletAddress): Promise<WalletAddress> {
    await this.contactsRestored()
    return this.contactInboxes.inboxOf(recipient)
  }

  /** Takes back, once, the contact passes and contact inboxes an earlier session kept in the cache. */
  private async contactsRestored (): Promise<void> {
    this.restoringContacts ??= Promise.all([
      this.cache.listContactPasses().then(entries => { this.contactPasses.restore(entries) }, () => {}),
      this.cache.listContactInboxes().then(entries => { this.contactInboxes.restore(entries) }, () => {})
    ]).then(() => {})
    await this.restoringContacts
  }

  /** Learns the contact inbox a peer named in a message it sent to this identity, and keeps it in the cache. */
  private learnContactInbox (opened: OpenedMessage): void {
    const learned = this.contactInboxes.learn(opened)
    if (learned !== undefined) this.cache.putContactInbox(learned).catch(() => {})
  }

  /** Remembers an opened envelope (by hash) so a copy seen again is not opened again. */
  private remember (key: string, message: ChatMessage): void {
    if (this.verified.size >= VERIFIED_MEMO_ENTRIES) this.verified.delete(this.verified.keys().next().value as string)
    this.verified.set(key, message)
  }

  /**
   * Tells `peer` that this identity has read their messages `messageIds` (its screen showed them), over the
   * delivery protocol: directly or through the relay, as a message would go. Best effort: nothing is kept or retried
   * when `peer` is offline. Ids go in notices of up to MAX_READ_NOTICE_IDS.
   * @throws {RecipientOfflineError} | {DeliveryUnreachableError} | {DeliveryRefusedError} | {InvalidDeliveryResponseError}
   */
  async markRead (peer: WalletAddress | string, messageIds: readonly string[]): Promise<void> {
    const sender = parseAddress(peer)
    if (sender === this.address || messageIds.length === 0) return
    const ids = [...new Set(messageIds)]
    for (let start = 0; start < ids.length; start += MAX_READ_NOTICE_IDS) {
      const notice = createReadNotice(this.init.wallet, { sender, readAt: Math.floor(this.now()), messageIds: ids.slice(start, start + MAX_READ_NOTICE_IDS) })
      await this.deliver(sender, async (libp2p, peerId, options) => { await deliverReadNotice(libp2p, peerId, notice, options) })
    }
  }

  /** Keeps the latest progress of recent sends, so that a read notice can update them. */
  private rememberSent (progress: MessageProgress): void {
    this.sent.delete(progress.messageId)
    this.sent.set(progress.messageId, progress)
    if (this.sent.size > MAX_REMEMBERED_SENDS) this.sent.delete(this.sent.keys().next().value!)
  }

  /** A read notice from the recipient of this identity's messages: checked, then reported. */
  private acceptReadNotice (notice: Uint8Array, remotePeer: string): void {
    try {
      const { reader, messageIds, readAt } = openReadNotice(notice, this.address)
      this.events.emit('read', { peer: reader, messageIds, readAt })
      for (const id of messageIds) {
        const progress = this.sent.get(id)
        if (progress === undefined || progress.to !== reader || progress.read === true) continue
        const read = { ...progress, read: true }
        this.sent.set(id, read)
        this.events.emit('message-state', read)
      }
    } catch (error) {
      this.events.emit('rejected', { source: 'live', remotePeer, error: asError(error) })
      throw error
    }
  }

  /** A live delivery: checks it is addressed to this identity, opens it, shows it once, signs the receipt. */
  private async acceptDelivery (envelope: Uint8Array, remotePeer: string, senderKeyBundle?: Uint8Array): Promise<Uint8Array> {
    try {
      const header = inspectEnvelope(envelope)
      if (header.recipient !== this.address) {
        throw new NotRecipientError(`message ${header.messageId} is addressed to ${header.recipient}; this node serves ${this.address}`)
      }
      // The sender's own bundle, sent along: a first message opens without waiting for the mesh.
      if (senderKeyBundle !== undefined && header.sender !== this.address) await this.bundles.offer(header.sender, senderKeyBundle)
      const message = await this.openEnvelope(envelope)
      if (await this.cache.addEnvelope(cacheEntry(message, envelope))) this.events.emit('message', message)
      return signDeliveryReceipt(this.init.wallet, envelope)
    } catch (error) {
      this.events.emit('rejected', { source: 'live', remotePeer, error: asError(error) })
      throw error
    }
  }

  /**
   * Live delivery: the recipient's presence record names its node; dial it and hand over the envelope. A
   * failure that may come from a stale record (unreachable peer) looks the record up once more.
   * @throws {RecipientOfflineError} | {DeliveryUnreachableError} | {DeliveryRefusedError} | {InvalidDeliveryResponseError}
   */
  private async deliverEnvelopeTo (recipient: WalletAddress, envelope: Uint8Array): Promise<DeliveryPath> {
    const senderKeyBundle = encodeKeyBundle(this.ownBundle)
    return await this.deliver(recipient, async (libp2p, peerId, options) => {
      await deliverEnvelope(libp2p, peerId, recipient, envelope, { ...options, senderKeyBundle })
    })
  }

  /** Live delivery of what `transfer` sends (an envelope, a read notice) to `recipient`'s node; see deliverEnvelopeTo. */
  private async deliver (recipient: WalletAddress, transfer: Transfer): Promise<DeliveryPath> {
    const record = await this.presenceDirectory.lookup(recipient)
    if (record === undefined) throw new RecipientOfflineError(`${recipient} has no current presence record; the message waits in their inbox`)
    try {
      return await this.deliverTo(record, recipient, transfer)
    } catch (error) {
      if (!(error instanceof DeliveryUnreachableError)) throw error
      this.presenceDirectory.forget(recipient)
      const fresh = await this.presenceDirectory.lookup(recipient, { fresh: true })
      if (fresh === undefined || (fresh.peerId === record.peerId && fresh.sequence === record.sequence)) throw error
      return await this.deliverTo(fresh, recipient, transfer)
    }
  }

  /**
   * Over a direct connection when there is one. Otherwise a direct dial (WebRTC) runs alone for
   * `relayedDeliveryAfterMs`, then the relay's limited connection is tried alongside it (at once when the direct
   * dial fails, or when the record names no direct address): the first receipt wins and the other attempt ends.
   * The recipient shows a message once, whichever copies arrive.
   */
  private async deliverTo (record: PresenceRecord, recipient: WalletAddress, transfer: Transfer): Promise<DeliveryPath> {
    const { libp2p } = this.init
    const peerId = peerIdFromString(record.peerId)
    if (peerId.equals(libp2p.peerId)) {
      throw new DeliveryUnreachableError(`the presence record of ${recipient} names this very node; it is not delivered to itself`)
    }
    const addrs = record.multiaddrs.flatMap(address => { try { return [multiaddr(address)] } catch { return [] } })
    if (addrs.length > 0) await libp2p.peerStore.merge(peerId, { multiaddrs: addrs }).catch(() => {})
    const timeoutMs = this.init.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS
    const relayed = this.init.relayedDialPeers === undefined ? [] : addrs.filter(ma => isRelayedAddressOf(ma, record.peerId))
    const connected = libp2p.getConnections(peerId).some(isUsableConnection)
    // A signal only where another attempt may end this one; each attempt has its own deadline (`timeoutMs`).
    const direct = async (signal?: AbortSignal): Promise<DeliveryPath> => {
      await transfer(libp2p, peerId, { timeoutMs, signal })
      return 'direct'
    }
    if (connected || relayed.length === 0) return await direct()
    const viaRelay = async (signal?: AbortSignal): Promise<DeliveryPath> => {
      const open = libp2p.getConnections(peerId).find(c => c.status === 'open' && c.limits != null)
      const release = this.permitRelayedDial(record.peerId)
      try {
        await transfer(libp2p, peerId, { timeoutMs, signal, via: open ?? relayed })
      } finally {
        release()
      }
      return 'relay'
    }
    if (addrs.every(ma => isRelayedAddressOf(ma, record.peerId))) return await viaRelay()
    return await withFallback(direct, viaRelay, this.init.relayedDeliveryAfterMs ?? DEFAULT_RELAYED_DELIVERY_AFTER_MS)
  }

  /** Lets libp2p dial `peer`'s plain relayed addresses until the returned release (counted per peer). */
  private permitRelayedDial (peer: string): () => void {
    const peers = this.init.relayedDialPeers
    if (peers === undefined) return () => {}
    this.relayedDials.set(peer, (this.relayedDials.get(peer) ?? 0) + 1)
    peers.add(peer)
    return () => {
      const left = (this.relayedDials.get(peer) ?? 1) - 1
      if (left > 0) {
        this.relayedDials.set(peer, left)
        return
      }
      this.relayedDials.delete(peer)
      peers.delete(peer)
    }
  }

  private sendFailure (messageId: string, recipient: WalletAddress, store: PromiseSettledResult<unknown>,
    delivery: PromiseSettledResult<unknown>): SendFailedError {
    const storeError = store.status === 'rejected' ? asError(store.reason) : undefined
    const why = `${storeError === undefined ? '' : `${storeError.name}: ${storeError.message}`}` +
      (delivery.status === 'rejected' ? `; live delivery: ${asError(delivery.reason).message}` : '')
    const failures = storeError instanceof StoreFailedError ? storeError.failures : []
    const refusals = failures.filter(failure => failure.error instanceof RemoteQuotaExceededError)
    if (refusals.length > 0 && refusals.every(failure => /has not written to/.test(failure.error.message))) {
      return new InboxRateLimitedError(messageId, `${recipient}'s inbox takes no more messages from people they have not written to for now ` +
        `(it holds many unread ones); try again later, or once they have written to you (${why})`, { cause: storeError })
    }
    if (refusals.length > 0) {
      return new InboxRateLimitedError(messageId, `the holders of ${recipient}'s inbox take no more messages from you for now; send again in a minute (${why})`, { cause: storeError })
    }
    return new SendFailedError(messageId, `message ${messageId} did not reach ${recipient}: ${why}`, { cause: storeError })
  }

  private makeOwnBundle (): KeyBundle {
    return createKeyBundle(this.init.wallet, {
      x25519PublicKey: this.keys.publicKey,
      createdAt: Math.floor(this.now()),
      ...(this.init.displayName === undefined ? {} : { displayName: this.init.displayName })
    })
  }
}

/** Sends one request over the delivery protocol to `peerId` and checks its answer (deliverEnvelope, deliverReadNotice). */
type Transfer = (libp2p: ChatLibp2p, peerId: PeerId, options: DeliverOptions) => Promise<void>

/**
 * Inbox objects that did not open start a compaction run (which removes the unreadable ones) at most this often, and
 * so does history met in the old place.
 */
const UNOPENED_LOOK_MS = 10 * 60_000

/** A look for objects to pack comes this long after the last of them is old enough. */
const COMPACTION_LOOK_MARGIN_MS = 5_000

/** Recent sends whose progress a read notice can still update. */
const MAX_REMEMBERED_SENDS = 1_000

/** A plain relayed address of `peerId` (a limited connection through the relay). */
function isRelayedAddressOf (ma: Multiaddr, peerId: string): boolean {
  return isPlainRelayed(ma) && ma.toString().endsWith(`/p2p/${peerId}`)
}

function cacheEntry (message: ChatMessage, bytes: Uint8Array): CachedEnvelope {
  return { sender: message.from, recipient: message.to, messageId: message.messageId, sentAt: message.sentAt, peer: message.peer, bytes }
}

function asError (error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
