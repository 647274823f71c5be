/**
 * Both ends of `/zentalk/deliver/1.0.0`: one request (an envelope) and one response (a status, and on success
 * the recipient's signed receipt) per stream. The handler only moves bytes and maps outcomes to statuses; what
 * "accepting" an envelope means (verify, open, show) is the chat service's `accept` callback.
 */
import { lpStream } from '@libp2p/utils'
import { InvalidSignatureError, type WalletAddress } from '../../identity/index.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../../wire/index.ts'
import { EnvelopeDecryptError, KeyBundleOwnerMismatchError, NotRecipientError, PeerKeyMismatchError, UnknownPeerKeyError } from '../errors.ts'
import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_DELIVERIES,
  DEFAULT_MAX_INBOUND_DELIVERY_STREAMS,
  DELIVER_PROTOCOL
} from './constants.ts'
import {
  DeliverStatus,
  MAX_DELIVER_REQUEST_BYTES,
  MAX_DELIVER_RESPONSE_BYTES,
  decodeDeliverRequestParts,
  decodeDeliverResponse,
  encodeDeliverRequest,
  encodeDeliverResponse,
  encodeReadNoticeRequest,
  isDeliveryReceiptOf,
  type DeliverReply
} from './deliver-codec.ts'
import { DeliveryRefusedError, DeliveryUnreachableError, InvalidDeliveryResponseError, KeyBundleNotFoundError } from './errors.ts'
import type { AbortOptions, Connection, PeerId, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface DeliveryRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string): Promise<void>
}

export interface DeliveryDialer {
  dial(peer: PeerId | Multiaddr | Multiaddr[], options?: AbortOptions): Promise<Connection>
}

/**
 * Verifies, opens and shows one delivered envelope, and returns the receipt (signed by this node's wallet).
 * `senderKeyBundle`, when the request carried one, is the sender's bundle as sent (unverified).
 * Throws the typed error of the first check that failed; `statusFor` maps it to the answer.
 */
export type AcceptEnvelope = (envelope: Uint8Array, remotePeer: string, senderKeyBundle?: Uint8Array) => Promise<Uint8Array>

/** Checks and takes one read notice (src/chat/read-notice.ts); throws the typed error of the first check that failed. */
export type AcceptReadNotice = (notice: Uint8Array, remotePeer: string) => Promise<void>

export interface DeliveryHandlerOptions {
  /** Where read notices go; without it a request carrying one is answered MALFORMED. */
  acceptReadNotice?: AcceptReadNotice
  maxConcurrent?: number
  maxInboundStreams?: number
  /** From the stream's opening to the answer's end: reading, checking (which may fetch a key bundle), writing. */
  timeoutMs?: number
}

/** The receiving end: answers every stream or resets it; nothing a peer sends escapes it. */
export class DeliveryHandler {
  private readonly registrar: DeliveryRegistrar
  private readonly accept: AcceptEnvelope
  private readonly acceptReadNotice: AcceptReadNotice | undefined
  private readonly maxConcurrent: number
  private readonly maxInboundStreams: number
  private readonly timeoutMs: number
  private active = 0
  private started = false

  constructor (registrar: DeliveryRegistrar, accept: AcceptEnvelope, options: DeliveryHandlerOptions = {}) {
    this.registrar = registrar
    this.accept = accept
    this.acceptReadNotice = options.acceptReadNotice
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_DELIVERIES
    this.maxInboundStreams = options.maxInboundStreams ?? DEFAULT_MAX_INBOUND_DELIVERY_STREAMS
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS
    this.handleStream = this.handleStream.bind(this)
  }

  async start (): Promise<void> {
    if (this.started) return
    // Unlike shard traffic, deliveries also run over the relay's limited connection: two tabs that cannot open a
    // direct connection still get messages and receipts within seconds. A request is one envelope (at most
    // MAX_DELIVER_REQUEST_BYTES) and the relay ends a limited connection after its own data and time limits.
    await this.registrar.handle(DELIVER_PROTOCOL, this.handleStream, { maxInboundStreams: this.maxInboundStreams, runOnLimitedConnection: true })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    await this.registrar.unhandle(DELIVER_PROTOCOL)
    this.started = false
  }

  async handleStream (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    const messages = lpStream(stream, { maxDataLength: MAX_DELIVER_REQUEST_BYTES, maxBufferSize: MAX_DELIVER_REQUEST_BYTES + 16 })
    if (this.active >= this.maxConcurrent) {
      await answer(stream, messages, { status: DeliverStatus.BUSY, message: `this node is checking ${this.active} deliveries, its maximum; the message waits in the inbox` }, signal)
      return
    }
    this.active++
    try {
      let reply: DeliverReply
      let frame: Uint8Array | undefined
      try {
        frame = (await messages.read({ signal })).subarray()
      } catch (error) {
        if (!isLengthError(error)) {
          stream.abort(error instanceof Error ? error : new Error(String(error)))
          return
        }
      }
      if (frame === undefined) {
        reply = { status: DeliverStatus.OVERSIZE, message: `delivery request is over the ${MAX_DELIVER_REQUEST_BYTES}-byte limit` }
      } else {
        try {
          const parts = decodeDeliverRequestParts(frame)
          if (parts.envelope !== undefined) {
            const receipt = await this.accept(parts.envelope, connection.remotePeer.toString(), parts.senderKeyBundle)
            reply = { status: DeliverStatus.DELIVERED, receipt }
          } else {
            if (this.acceptReadNotice === undefined) throw new MalformedMessageError('this node takes no read notices')
            await this.acceptReadNotice(parts.readNotice, connection.remotePeer.toString())
            reply = { status: DeliverStatus.DELIVERED }
          }
        } catch (error) {
          reply = { status: statusFor(error), message: error instanceof Error ? error.message : String(error) }
        }
      }
      await answer(stream, messages, reply, signal)
    } finally {
      this.active--
    }
  }
}

/** The answer for a failed check: what the sender may learn about why its envelope was not taken. */
export function statusFor (error: unknown): DeliverStatus {
  if (error instanceof OversizeMessageError) return DeliverStatus.OVERSIZE
  if (error instanceof UnsupportedVersionError) return DeliverStatus.UNSUPPORTED_VERSION
  if (error instanceof MalformedMessageError) return DeliverStatus.MALFORMED
  if (error instanceof InvalidSignatureError) return DeliverStatus.BAD_SIGNATURE
  if (error instanceof NotRecipientError) return DeliverStatus.NOT_RECIPIENT
  if (error instanceof EnvelopeDecryptError || error instanceof PeerKeyMismatchError || error instanceof UnknownPeerKeyError ||
    error instanceof KeyBundleNotFoundError || error instanceof KeyBundleOwnerMismatchError) {
    return DeliverStatus.UNREADABLE
  }
  return DeliverStatus.INTERNAL
}

export interface DeliverOptions extends AbortOptions {
  timeoutMs?: number
  /**
   * Deliver over this connection, or the connection of a dial to these relayed addresses of `peer`, instead of
   * dialling `peer` (a limited connection through the relay).
   */
  via?: Connection | Multiaddr[]
  /** The sender's own signed key bundle, sent along so the recipient need not look it up. */
  senderKeyBundle?: Uint8Array
}

/**
 * Hands `envelope` to `peer`, which must answer DELIVERED with a receipt signed by `recipient`'s wallet.
 * @throws {DeliveryUnreachableError} | {DeliveryRefusedError} (with the peer's status) | {InvalidDeliveryResponseError}
 */
export async function deliverEnvelope (dialer: DeliveryDialer, peer: PeerId, recipient: WalletAddress, envelope: Uint8Array,
  options: DeliverOptions = {}): Promise<Uint8Array> {
  const reply = await exchange(dialer, peer, encodeDeliverRequest(envelope, options.senderKeyBundle), options)
  if (reply.receipt === undefined || !isDeliveryReceiptOf(reply.receipt, envelope, recipient)) {
    throw new InvalidDeliveryResponseError(`peer ${peer} answered DELIVERED without a receipt signed by ${recipient}: it does not serve that user`)
  }
  return reply.receipt
}

/**
 * Hands a read notice (src/chat/read-notice.ts) to `peer`, the node of the messages' sender; resolves when it
 * answered DELIVERED. Same errors as `deliverEnvelope`.
 */
export async function deliverReadNotice (dialer: DeliveryDialer, peer: PeerId, notice: Uint8Array, options: DeliverOptions = {}): Promise<void> {
  await exchange(dialer, peer, encodeReadNoticeRequest(notice), options)
}

/** One request and its DELIVERED answer. */
async function exchange (dialer: DeliveryDialer, peer: PeerId, request: Uint8Array, options: DeliverOptions): Promise<DeliverReply> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
  let frame: Uint8Array
  let stream: Stream | undefined
  try {
    const via = options.via
    const connection = via === undefined ? await dialer.dial(peer, { signal }) : Array.isArray(via) ? await dialer.dial(via, { signal }) : via
    if (!connection.remotePeer.equals(peer)) throw new Error(`the connection reached ${connection.remotePeer}, not ${peer}`)
    stream = await connection.newStream(DELIVER_PROTOCOL, { signal, runOnLimitedConnection: via !== undefined })
    const messages = lpStream(stream, { maxDataLength: MAX_DELIVER_RESPONSE_BYTES, maxBufferSize: MAX_DELIVER_RESPONSE_BYTES + 16 })
    await messages.write(request, { signal })
    await stream.close({ signal }) // our writable end only: the answer still comes in
    frame = (await messages.read({ signal })).subarray()
  } catch (error) {
    stream?.abort(error instanceof Error ? error : new Error(String(error)))
    if (options.signal?.aborted === true) throw options.signal.reason
    if (isLengthError(error)) throw new InvalidDeliveryResponseError(`peer ${peer} sent a delivery response over the ${MAX_DELIVER_RESPONSE_BYTES}-byte limit`, { cause: error })
    const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.message : String(error)
    throw new DeliveryUnreachableError(`delivery to peer ${peer} failed: ${why}`, { cause: error })
  }
  let reply: DeliverReply
  try {
    reply = decodeDeliverResponse(frame)
  } catch (cause) {
    throw new InvalidDeliveryResponseError(`peer ${peer} sent an undecodable delivery response`, { cause })
  }
  if (reply.status !== DeliverStatus.DELIVERED) {
    throw new DeliveryRefusedError(reply.status, peer.toString(), reply.message ?? '')
  }
  return reply
}

/** Answers (best effort) and closes; a peer that went away gets its stream reset. */
async function answer (stream: Stream, messages: ReturnType<typeof lpStream>, reply: DeliverReply, signal: AbortSignal): Promise<void> {
  try {
    await messages.write(encodeDeliverResponse(reply), { signal })
    await stream.close({ signal })
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
  }
}

/** @libp2p/utils' length-prefix reader's limit errors, matched by name (robust to duplicated package copies). */
function isLengthError (error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'InvalidMessageLengthError'
}
