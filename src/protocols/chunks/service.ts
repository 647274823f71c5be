import { serviceCapabilities, type ComponentLogger, type Connection, type Logger, type PrivateKey, type Startable, type Stream, type StreamHandler, type StreamHandlerOptions } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { InvalidConfigError, errorText, positive } from '../../errors/index.ts'
import type { ChunkStore } from '../../store/index.ts'
import {
  MAX_CHUNK_REQUEST_BYTES,
  MAX_CHUNK_RESPONSE_BYTES,
  MAX_SHARD_BYTES,
  REQUEST_OVERHEAD_BYTES,
  STORED_SHARD_OVERHEAD_BYTES,
  decodeChunkRequest,
  type ChunkCommand
} from '../../wire/index.ts'
import { MalformedMessageError, MAX_SIGNED_MANIFEST_BYTES, OversizeMessageError, UnsupportedVersionError } from '../../wire/index.ts'
import {
  CHUNKS_PROTOCOL,
  DEFAULT_DELETE_MAX_AGE_MS,
  DEFAULT_DELETE_MAX_SKEW_MS,
  DEFAULT_FIRST_BYTE_TIMEOUT_MS,
  DEFAULT_SLOW_REQUEST_MS,
  DEFAULT_LIST_PAGE_ENTRIES,
  DEFAULT_MAX_ANSWER_BYTES_IN_FLIGHT,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_CONCURRENT_REQUESTS_PER_PEER,
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_SHARD_BYTES,
  DEFAULT_REPLAY_CACHE_ENTRIES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RESPONSE_TIMEOUT_MS,
  DEFAULT_TOMBSTONE_RETENTION_MS
} from './constants.ts'
import { ChunkStatus, encodeChunkResponse, refuse, type HandlerContext, type Reply } from './handlers/context.ts'
import { handleDelete } from './handlers/delete.ts'
import { handleFetch } from './handlers/fetch.ts'
import { handleList } from './handlers/list.ts'
import { InboxAppendLimiter, handleStore, handleStoreBatch } from './handlers/store.ts'
import { DEFAULT_ALLOWED_STRIPES, DEFAULT_PLACEMENT_RULES, type PlacementRules, type Stripe } from '../../placement/index.ts'
import { DEFAULT_INBOX_LIMITS, type InboxLimits } from './inbox-limits.ts'
import { InboxLedger } from './inbox-budget.ts'
import { ChunkRequestTimeoutError } from './errors.ts'
import { ReplayGuard } from './replay-guard.ts'

/** The part of libp2p's registrar the service uses; `libp2p` itself has the same two methods. */
export interface ChunkRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string): Promise<void>
}

export interface ChunkServiceComponents {
  registrar: ChunkRegistrar
  /** The node's libp2p key: it signs STORE acknowledgements, which clients verify against the peer ID. */
  privateKey: PrivateKey
  logger: ComponentLogger
}

export interface ChunkServiceInit {
  store: ChunkStore
  /** Largest shard accepted (default and maximum 4 MiB). */
  maxShardBytes?: number
  /** Largest request frame read; longer frames are refused from their length prefix alone (OVERSIZE). */
  maxMessageBytes?: number
  /** FETCH pages are cut at this size (default and maximum 32 MiB, the most a client reads). */
  maxResponseBytes?: number
  listPageEntries?: number
  /**
   * FETCH answer bytes in flight at once over all requests (default 96 MiB): past it, pages end early, and a
   * FETCH that cannot take even one shard is answered BUSY. At least one page of one maximal shard.
   */
  maxAnswerBytesInFlight?: number
  /** Concurrent chunk streams per connection (libp2p resets the excess). */
  maxInboundStreams?: number
  /** Requests served at once over all connections; the excess is answered BUSY unread. */
  maxConcurrentRequests?: number
  /** Requests served at once for one peer, so a single peer cannot take every slot. */
  maxConcurrentRequestsPerPeer?: number
  /** A request that has not arrived in full within this time of its first byte gets its stream reset. */
  requestTimeoutMs?: number
  /** A stream on which no request byte arrives within this time gets reset. */
  firstByteTimeoutMs?: number
  /** When every slot is taken, a request still arriving after this long may give its slot to a fairer use. */
  slowRequestMs?: number
  /** A response (up to a 32 MiB FETCH page, over WebRTC) not delivered within this time gets its stream reset. */
  responseTimeoutMs?: number
  deleteMaxAgeMs?: number
  deleteMaxSkewMs?: number
  /** How long a deleted object's signed tombstone bars it from being stored again (default 90 days). */
  tombstoneRetentionMs?: number
  /** Which content namespaces are accepted and how their placement keys are checked. */
  placementRules?: PlacementRules
  /**
   * Erasure stripes (k data + m parity shards) accepted; STOREs of other stripes are refused UNSUPPORTED_STRIPE.
   * Default: the mesh's 10 + 5 only.
   */
  allowedStripes?: readonly Stripe[]
  /**
   * Size and per-sender rate limits on inbox appends, and each inbox's budget on this holder (each field defaults
   * to DEFAULT_INBOX_LIMITS).
   */
  inboxLimits?: Partial<InboxLimits>
  /** Clock for `storedAt` and the delete window (ms since the epoch). */
  now?: () => number
}

/**
 * Holder side of `/zentalk/chunks/1.0.0`: one request and one response per stream. Every stream is answered or
 * reset; no request, however malformed, escapes the handler or stops the service.
 */
export class ChunkService implements Startable {
  readonly protocol = CHUNKS_PROTOCOL
  readonly [Symbol.toStringTag] = '@zentalk/chunks'
  readonly [serviceCapabilities]: string[] = ['@zentalk/chunks']

  private readonly components: ChunkServiceComponents
  private readonly context: HandlerContext
  private readonly log: Logger
  private readonly maxMessageBytes: number
  private readonly maxInboundStreams: number
  private readonly maxConcurrentRequests: number
  private readonly maxConcurrentRequestsPerPeer: number
  private readonly activeByPeer = new Map<string, number>()
  private readonly requestTimeoutMs: number
  private readonly firstByteTimeoutMs: number
  private readonly slowRequestMs: number
  /** Requests being served, for per-peer fairness when every slot is taken. */
  private readonly inFlight = new Set<InboundRequest>()
  private readonly responseTimeoutMs: number
  private readonly maxAnswerBytesInFlight: number
  private answerBytesInFlight = 0
  private active = 0
  private started = false

  constructor (components: ChunkServiceComponents, init: ChunkServiceInit) {
    this.components = components
    this.log = components.logger.forComponent('zentalk:chunks')
    const maxShardBytes = positive('maxShardBytes', init.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES)
    if (maxShardBytes > MAX_SHARD_BYTES) {
      throw new InvalidConfigError(`maxShardBytes ${maxShardBytes} exceeds the protocol's ${MAX_SHARD_BYTES}-byte shard limit`)
    }
    this.maxMessageBytes = positive('maxMessageBytes', init.maxMessageBytes ?? maxShardBytes + MAX_SIGNED_MANIFEST_BYTES + REQUEST_OVERHEAD_BYTES)
    if (this.maxMessageBytes > MAX_CHUNK_REQUEST_BYTES) {
      throw new InvalidConfigError(`maxMessageBytes ${this.maxMessageBytes} exceeds the protocol's ${MAX_CHUNK_REQUEST_BYTES}-byte request limit`)
    }
    const maxResponseBytes = positive('maxResponseBytes', init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)
    const smallestPage = maxShardBytes + MAX_SIGNED_MANIFEST_BYTES + STORED_SHARD_OVERHEAD_BYTES + 4096
    if (maxResponseBytes > MAX_CHUNK_RESPONSE_BYTES || maxResponseBytes < smallestPage) {
      throw new InvalidConfigError(`maxResponseBytes must be from ${smallestPage} (one shard with its manifest) to ${MAX_CHUNK_RESPONSE_BYTES}, got ${maxResponseBytes}`)
    }
    this.maxAnswerBytesInFlight = positive('maxAnswerBytesInFlight', init.maxAnswerBytesInFlight ?? Math.max(DEFAULT_MAX_ANSWER_BYTES_IN_FLIGHT, maxResponseBytes))
    if (this.maxAnswerBytesInFlight < smallestPage) {
      throw new InvalidConfigError(`maxAnswerBytesInFlight must be at least ${smallestPage} (one page of one shard), got ${this.maxAnswerBytesInFlight}`)
    }
    this.maxInboundStreams = positive('maxInboundStreams', init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS)
    this.maxConcurrentRequests = positive('maxConcurrentRequests', init.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS)
    this.maxConcurrentRequestsPerPeer = positive('maxConcurrentRequestsPerPeer', init.maxConcurrentRequestsPerPeer ?? DEFAULT_MAX_CONCURRENT_REQUESTS_PER_PEER)
    this.requestTimeoutMs = positive('requestTimeoutMs', init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
    this.firstByteTimeoutMs = positive('firstByteTimeoutMs', init.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS)
    this.slowRequestMs = positive('slowRequestMs', init.slowRequestMs ?? DEFAULT_SLOW_REQUEST_MS)
    this.responseTimeoutMs = positive('responseTimeoutMs', init.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS)
    const inboxLimits: InboxLimits = {
      maxObjectBytes: positive('inboxLimits.maxObjectBytes', init.inboxLimits?.maxObjectBytes ?? DEFAULT_INBOX_LIMITS.maxObjectBytes),
      maxObjectsPerWindow: positive('inboxLimits.maxObjectsPerWindow', init.inboxLimits?.maxObjectsPerWindow ?? DEFAULT_INBOX_LIMITS.maxObjectsPerWindow),
      windowMs: positive('inboxLimits.windowMs', init.inboxLimits?.windowMs ?? DEFAULT_INBOX_LIMITS.windowMs),
      maxBackdatedPerWindow: positive('inboxLimits.maxBackdatedPerWindow', init.inboxLimits?.maxBackdatedPerWindow ?? DEFAULT_INBOX_LIMITS.maxBackdatedPerWindow),
      maxHeldObjects: positive('inboxLimits.maxHeldObjects', init.inboxLimits?.maxHeldObjects ?? DEFAULT_INBOX_LIMITS.maxHeldObjects),
      maxStrangerHeldObjects: positive('inboxLimits.maxStrangerHeldObjects', init.inboxLimits?.maxStrangerHeldObjects ?? DEFAULT_INBOX_LIMITS.maxStrangerHeldObjects),
      maxStrangerObjectsPerWindow: positive('inboxLimits.maxStrangerObjectsPerWindow', init.inboxLimits?.maxStrangerObjectsPerWindow ?? DEFAULT_INBOX_LIMITS.maxStrangerObjectsPerWindow),
      senderUndoMs: positive('inboxLimits.senderUndoMs', init.inboxLimits?.senderUndoMs ?? DEFAULT_INBOX_LIMITS.senderUndoMs)
    }
    if (inboxLimits.maxStrangerHeldObjects >= inboxLimits.maxHeldObjects) {
      throw new InvalidConfigError(`inboxLimits.maxStrangerHeldObjects (${inboxLimits.maxStrangerHeldObjects}) must be below inboxLimits.maxHeldObjects ` +
        `(${inboxLimits.maxHeldObjects}), or strangers could crowd contacts out of an inbox`)
    }
    const now = init.now ?? Date.now
    this.context = {
      store: init.store,
      now,
      maxShardBytes,
      maxResponseBytes,
      listPageEntries: positive('listPageEntries', init.listPageEntries ?? DEFAULT_LIST_PAGE_ENTRIES),
      deleteMaxAgeMs: positive('deleteMaxAgeMs', init.deleteMaxAgeMs ?? DEFAULT_DELETE_MAX_AGE_MS),
      deleteMaxSkewMs: positive('deleteMaxSkewMs', init.deleteMaxSkewMs ?? DEFAULT_DELETE_MAX_SKEW_MS),
      tombstoneRetentionMs: positive('tombstoneRetentionMs', init.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS),
      placementRules: init.placementRules ?? DEFAULT_PLACEMENT_RULES,
      allowedStripes: checkStripes(init.allowedStripes ?? DEFAULT_ALLOWED_STRIPES),
      replayGuard: new ReplayGuard(DEFAULT_REPLAY_CACHE_ENTRIES),
      inboxLimits,
      inboxAppends: new InboxAppendLimiter(inboxLimits),
      strangerAppends: new InboxAppendLimiter({ ...inboxLimits, maxObjectsPerWindow: inboxLimits.maxStrangerObjectsPerWindow }),
      inboxLedger: new InboxLedger(init.store, inboxLimits, now),
      sign: async data => await components.privateKey.sign(data),
      log: this.log
    }
    this.handleStream = this.handleStream.bind(this)
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: this.maxInboundStreams,
      // Shards are data traffic: never over a limited (relayed) connection, only direct ones.
      runOnLimitedConnection: false
    })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    await this.components.registrar.unhandle(this.protocol)
    this.started = false
  }

  isStarted (): boolean {
    return this.started
  }

  /** Requests being served right now. */
  get activeRequests (): number {
    return this.active
  }

  /**
   * Reads one request frame, answers it, closes. Never throws. The request must start within
   * `firstByteTimeoutMs` and arrive in full within `requestTimeoutMs` of its first byte. When every slot is taken,
   * a peer with fewer requests in progress than the busiest peer takes over that peer's oldest slot still waiting
   * for its request to arrive (a trickling sender's); otherwise it gets BUSY.
   */
  async handleStream (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    const fromPeer = this.activeByPeer.get(remote) ?? 0
    if (fromPeer >= this.maxConcurrentRequestsPerPeer || (this.active >= this.maxConcurrentRequests && !this.evictFor(remote))) {
      const why = fromPeer >= this.maxConcurrentRequestsPerPeer
        ? `${fromPeer} requests from this peer, its maximum per peer`
        : `${this.active} requests, its maximum`
      await this.answerUnread(stream, refuse(ChunkStatus.BUSY, `this holder is serving ${why}; retry shortly`), AbortSignal.timeout(this.firstByteTimeoutMs))
      return
    }
    this.active++
    this.activeByPeer.set(remote, fromPeer + 1)
    const reading = new AbortController()
    const request: InboundRequest = { peer: remote, startedAt: Date.now(), reading: true, abort: reason => { reading.abort(reason) } }
    this.inFlight.add(request)
    const reservation = { reserved: 0 }
    let deadline = setTimeout(() => { reading.abort(new ChunkRequestTimeoutError(`no request byte within ${this.firstByteTimeoutMs} ms`)) }, this.firstByteTimeoutMs)
    const onFirstByte = (): void => {
      clearTimeout(deadline)
      deadline = setTimeout(() => { reading.abort(new ChunkRequestTimeoutError(`request not complete ${this.requestTimeoutMs} ms after its first byte`)) }, this.requestTimeoutMs)
    }
    try {
      const messages = lpStream(stream, { maxDataLength: this.maxMessageBytes, maxBufferSize: this.maxMessageBytes + 16 })
      // Added in the same tick as the reader's own listener: data already queued reaches both (in a microtask).
      stream.addEventListener('message', onFirstByte, { once: true })
      let frame: Uint8Array
      try {
        frame = (await messages.read({ signal: reading.signal })).subarray()
      } catch (error) {
        if (isLengthError(error)) {
          await this.answerUnread(stream, refuse(ChunkStatus.OVERSIZE, `request frame is over this holder's ${this.maxMessageBytes}-byte limit`), AbortSignal.timeout(this.firstByteTimeoutMs))
          return
        }
        this.log('reading a request from %s failed: %s', remote, errorText(error))
        stream.abort(error instanceof Error ? error : new Error(String(error)))
        return
      } finally {
        clearTimeout(deadline)
        stream.removeEventListener('message', onFirstByte)
        request.reading = false
      }
      const answer = await this.answer(frame, remote, reservation)
      const sending = AbortSignal.timeout(this.responseTimeoutMs)
      await messages.write(answer, { signal: sending })
      await stream.close({ signal: sending })
    } catch (error) {
      this.log.error('chunk stream from %s failed: %s', remote, errorText(error))
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    } finally {
      this.inFlight.delete(request)
      this.answerBytesInFlight -= reservation.reserved
      this.active--
      const left = (this.activeByPeer.get(remote) ?? 1) - 1
      if (left === 0) this.activeByPeer.delete(remote)
      else this.activeByPeer.set(remote, left)
    }
  }

  /**
   * Every slot is taken: frees one for `peer` when another peer holds at least two more requests than `peer` does
   * and one of them has been arriving for `slowRequestMs` or more (the oldest such is reset). True when a slot was
   * freed. A request arriving at a normal pace is never reset this way: the newcomer gets BUSY instead.
   */
  private evictFor (peer: string): boolean {
    const own = this.activeByPeer.get(peer) ?? 0
    const slowSince = Date.now() - this.slowRequestMs
    let victim: InboundRequest | undefined
    let victimCount = own + 1
    for (const request of this.inFlight) {
      if (!request.reading || request.peer === peer || request.startedAt > slowSince) continue
      const count = this.activeByPeer.get(request.peer) ?? 0
      if (count > victimCount || (count === victimCount && victim !== undefined && request.startedAt < victim.startedAt)) {
        if (count > own + 1) {
          victim = request
          victimCount = count
        }
      }
    }
    if (victim === undefined) return false
    this.inFlight.delete(victim)
    victim.reading = false
    victim.abort(new ChunkRequestTimeoutError(`slot given to a peer with fewer requests here (this peer holds ${victimCount})`))
    this.log('gave a slot of %s (%d requests, still sending) to %s (%d)', victim.peer, victimCount, peer, own)
    return true
  }

  /** FETCH answer bytes being built or sent now (see `maxAnswerBytesInFlight`). */
  get answerBytes (): number {
    return this.answerBytesInFlight
  }

  /**
   * The encoded answer to one request frame (without its length prefix) from `remote`, as a stream gets it; the
   * per-peer and overall request caps are applied by the stream handler, not here. Never throws: whatever the
   * frame holds, the answer is a status (INTERNAL only for a storage failure or a bug, which is logged).
   * FETCH shard bytes count against `maxAnswerBytesInFlight` in `reservation` until the caller releases them
   * (the stream handler, once the answer is sent); without a `reservation` they are released on return.
   */
  async answer (frame: Uint8Array, remote: string, reservation?: { reserved: number }): Promise<Uint8Array> {
    const held = reservation ?? { reserved: 0 }
    try {
      const reply = await this.respond(frame, remote, held)
      try {
        return encodeChunkResponse(reply)
      } catch (error) {
        this.log.error('the answer to a %s request from %s does not encode: %s', reply.status, remote, errorText(error))
        return encodeChunkResponse(refuse(ChunkStatus.INTERNAL, 'the holder failed to encode its answer'))
      }
    } finally {
      if (reservation === undefined) this.answerBytesInFlight -= held.reserved
    }
  }

  private async respond (frame: Uint8Array, remote: string, reservation: { reserved: number }): Promise<Reply> {
    let command: ChunkCommand
    try {
      command = decodeChunkRequest(frame, this.maxMessageBytes)
    } catch (error) {
      if (error instanceof UnsupportedVersionError) return refuse(ChunkStatus.UNSUPPORTED_VERSION, error.message)
      if (error instanceof OversizeMessageError) return refuse(ChunkStatus.OVERSIZE, error.message)
      return refuse(ChunkStatus.MALFORMED, error instanceof MalformedMessageError ? error.message : 'the request cannot be decoded')
    }
    try {
      switch (command.type) {
        case 'store': return await handleStore(this.context, command)
        case 'storeBatch': return await handleStoreBatch(this.context, command)
        case 'fetch':
          // Shard bytes are reserved as the page fills, and released once the answer is sent (or the stream fails).
          return await handleFetch(this.context, command, bytes => {
            if (this.answerBytesInFlight + bytes > this.maxAnswerBytesInFlight) return false
            this.answerBytesInFlight += bytes
            reservation.reserved += bytes
            return true
          })
        case 'delete': return await handleDelete(this.context, command)
        case 'list': return await handleList(this.context, command)
      }
    } catch (error) {
      // Storage failures and bugs: the requester learns only that it failed here, the operator gets the log.
      this.log.error('%s request from %s failed: %s', command.type.toUpperCase(), remote, errorText(error))
      return refuse(ChunkStatus.INTERNAL, `the holder failed to serve this ${command.type.toUpperCase()} request; try again or use another holder`)
    }
  }

  /** Answers without reading what the sender still sends (busy, oversize), then closes both ends. */
  private async answerUnread (stream: Stream, reply: Reply, signal: AbortSignal): Promise<void> {
    try {
      // Closing our readable end first discards anything still arriving, so an oversize sender cannot fill buffers.
      await stream.closeRead({ signal })
      await lpStream(stream).write(encodeChunkResponse(reply), { signal })
      await stream.close({ signal })
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    }
  }
}

/** js-libp2p service factory: `services: { chunks: chunkService({ store }) }`. */
export function chunkService (init: ChunkServiceInit): (components: ChunkServiceComponents) => ChunkService {
  return components => new ChunkService(components, init)
}

/**
 * Starts the service on a running node without declaring it in the libp2p builder: registers the handler with
 * `libp2p.handle`. The node's private key is passed in because libp2p does not expose it.
 */
export async function startChunkService (
  libp2p: ChunkRegistrar & { logger: ComponentLogger },
  privateKey: PrivateKey,
  init: ChunkServiceInit
): Promise<ChunkService> {
  const service = new ChunkService({ registrar: libp2p, privateKey, logger: libp2p.logger }, init)
  await service.start()
  return service
}

/** A request in progress: whose, since when, and whether its request frame is still arriving. */
interface InboundRequest {
  peer: string
  startedAt: number
  reading: boolean
  abort: (reason: Error) => void
}

function checkStripes (stripes: readonly Stripe[]): readonly Stripe[] {
  if (stripes.length === 0) throw new InvalidConfigError('allowedStripes must name at least one stripe')
  for (const { k, m } of stripes) {
    if (!Number.isInteger(k) || !Number.isInteger(m) || k < 1 || m < 0 || k + m > 256) {
      throw new InvalidConfigError(`allowed stripe ${k}+${m} is not a Reed-Solomon stripe (k >= 1, m >= 0, k + m <= 256)`)
    }
  }
  return stripes
}

/** @libp2p/utils' length-prefix reader's limit errors, matched by name (robust to duplicated package copies). */
function isLengthError (error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'InvalidMessageLengthError'
}


