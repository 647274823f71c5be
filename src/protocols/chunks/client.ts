/**
 * Client side of `/zentalk/chunks/1.0.0`. Each call opens one stream per request (FETCH and LIST follow pages).
 * Nothing unverified leaves this module: STORE acknowledgements are checked against the holder's libp2p key,
 * and every fetched shard against its owner-signed manifest.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { NS_DELETE, bytesEqual, toHex } from '../../crypto/index.ts'
import { addressFromBytes, type Signer, type WalletAddress } from '../../identity/index.ts'
import type { ObjectId, PeerIdString } from '../../types/index.ts'
import {
  ChunkStatus,
  MAX_CHUNK_RESPONSE_BYTES,
  comparePositions,
  decodeChunkResponse,
  deleteAuthorization,
  encodeChunkRequest,
  objectIdFromBytes,
  objectIdToBytes,
  storeAckDigest,
  type ChunkCommand,
  type ChunkResponse,
  type ShardPosition,
  type StoreAckMessage,
  type StoreCommand
} from '../../wire/index.ts'
import { isMuxerClosed } from '../../net/index.ts'
import { assertShardMatches, decodeSignedManifest, namedObjects, type SignedManifest } from '../../wire/index.ts'
import {
  CHUNKS_PROTOCOL,
  DEFAULT_CHECKED_MANIFESTS_ENTRIES,
  DEFAULT_CLIENT_TIMEOUT_MS,
  DEFAULT_MAX_FETCH_BYTES,
  DEFAULT_MAX_FETCH_MANIFEST_CHECKS,
  DEFAULT_MAX_FETCH_PAGES,
  DEFAULT_MAX_FETCH_REJECTED_MANIFESTS,
  DEFAULT_MAX_PAGES
} from './constants.ts'
import { ChunkPeerUnreachableError, FetchLimitExceededError, InvalidAckError, InvalidChunkResponseError, InvalidTombstoneError, remoteErrorFor } from './errors.ts'
import { isValidTombstone } from './handlers/delete.ts'
import { validateTombstone, type Tombstone } from '../../store/index.ts'
import { DEFAULT_PLACEMENT_RULES, assertPlacementAllowed, type PlacementRules } from '../../placement/index.ts'
import type { AbortOptions, Connection, PeerId, PublicKey, Stream } from '@libp2p/interface'

/** What the client needs from libp2p (a `Libp2p` node is one). */
export interface ChunkDialer {
  dial(peer: PeerId, options?: AbortOptions): Promise<Connection>
}

export interface ChunkCallOptions extends AbortOptions {
  /** Per request/response exchange (one page); default 60 s. Expiry throws ChunkPeerUnreachableError. */
  timeoutMs?: number
}

export interface StoreShardInput {
  /**
   * The object's manifest, decoded and signature-checked once by the caller (`decodeSignedManifest` or
   * `buildManifest`): a store sends k + m shards of one manifest, and need not check its signature k + m times.
   */
  manifest: SignedManifest
  /** The encoded owner-signed manifest (`encodeSignedManifest(manifest)`), sent as is. */
  manifestBytes: Uint8Array
  shardIndex: number
  shard: Uint8Array
  /**
   * This is to be the holder's only shard of the object (one shard per node): a holder keeping another one of
   * it refuses with `RemoteHoldsOtherShardError`. Leave unset only when fewer nodes than shards are live.
   */
  sole?: boolean
  /** The shard's inclusion proof under a version-2 manifest (`buildManifest`'s `shardProofs`); absent under version 1. */
  shardProof?: Uint8Array
  /**
   * Inbox objects: the recipient's contact pass for the sender, an encoded SignedManifest the recipient signed for
   * an object in the sender's inbox. Holders admit the object in the inbox's contacts lane (inbox-budget.ts).
   */
  inboxPass?: Uint8Array
}

/** A holder's verified, signed receipt for one shard; keep it as proof of placement. */
export interface StoreReceipt {
  holder: PeerIdString
  objectId: ObjectId
  shardIndex: number
  shardHash: Uint8Array
  /** The holder's libp2p-key signature over `storeAckDigest(objectId, shardIndex, shardHash)`. */
  signature: Uint8Array
  /** The holder's clock when it first stored the shard (not signed). */
  storedAt: number
}

export interface FetchedShard {
  /** Decoded and signature-verified. */
  manifest: SignedManifest
  manifestBytes: Uint8Array
  shardIndex: number
  /** Verified against the manifest: its listed hash (version 1) or, with `shardProof`, its signed root (version 2). */
  shard: Uint8Array
  /** The proof the shard was verified with (version 2); pass it on when storing the shard elsewhere. */
  shardProof?: Uint8Array
  /** SHA-256 of `shard`, as its verification computed it (readers need not hash the shard again). */
  shardHash?: Uint8Array
}

/** A shard a holder sent that failed verification; it was dropped. */
export interface RejectedShard {
  peer: string
  shardIndex: number
  /** Known when the manifest at least decoded. */
  objectId?: ObjectId
  reason: Error
}

export interface FetchShardsOptions extends ChunkCallOptions {
  /** Called for each dropped shard (bad manifest, foreign key, hash mismatch, duplicate). */
  onRejected?: (rejected: RejectedShard) => void
  /** Pages followed before the holder is deemed misbehaving; default DEFAULT_MAX_FETCH_PAGES (16). */
  maxPages?: number
  /** Bytes of shards and manifests taken from the holder in this call; default DEFAULT_MAX_FETCH_BYTES (64 MiB). */
  maxBytes?: number
  /** Manifests this call may check (signature recoveries); default DEFAULT_MAX_FETCH_MANIFEST_CHECKS (4096). */
  maxManifestChecks?: number
  /** Manifests checked in this call that may fail or not fit the request; default DEFAULT_MAX_FETCH_REJECTED_MANIFESTS (64). */
  maxRejectedManifests?: number
  /** Namespaces accepted and how their placement keys are checked; default: history only, as holders do. */
  placementRules?: PlacementRules
  /**
   * Manifests checked before, by their bytes in hex, shared between calls: every holder of an object sends the same
   * manifest, and checking its owner signature is the costly part of a FETCH. Filled in as manifests are checked,
   * holding at most DEFAULT_CHECKED_MANIFESTS_ENTRIES (the oldest go first).
   */
  checkedManifests?: Map<string, SignedManifest | Error>
  /**
   * With a placement key: only the shards of these objects (at most MAX_FETCH_OBJECT_IDS). A holder that sends
   * others anyway (one that predates the field) has them left out of the result, unchecked.
   */
  objectIds?: readonly ObjectId[]
}

export interface DeleteShardsOptions extends ChunkCallOptions {
  /** Delete one shard instead of every shard of the object the holder has. */
  shardIndex?: number
  /** Clock for the signed timestamp (ms since the epoch). */
  now?: () => number
}

export interface ListShardsOptions extends ChunkCallOptions {
  placementKey?: Uint8Array
  maxPages?: number
}

/** What a holder reports it holds (LIST); not verified, since no data comes with it. */
export interface HeldShard {
  objectId: ObjectId
  shardIndex: number
  shardHash: Uint8Array
  size: number
  placementKey: Uint8Array
  owner: WalletAddress
  storedAt: number
}

/**
 * Stores one shard on `peer` and returns its verified receipt. Checks the shard against the manifest first
 * (throws the local `ShardHashMismatchError` or `MalformedMessageError` without sending).
 * @throws {RemoteRejectedError} subclasses for refusals (e.g. `RemoteQuotaExceededError`, and
 *   `RemoteObjectDeletedError` for an object its owner deleted, which that holder will not take again),
 *   `InvalidAckError` for a receipt that does not verify, `ChunkPeerUnreachableError`, `InvalidChunkResponseError`
 */
export async function storeShard (libp2p: ChunkDialer, peer: PeerId | string, input: StoreShardInput, options: ChunkCallOptions = {}): Promise<StoreReceipt> {
  const shardHash = assertShardMatches(input.manifest, input.shardIndex, input.shard, input.shardProof)
  const { response, remotePeer } = await exchange(libp2p, peer, storeCommandOf(input), options)
  return await receiptFrom(remotePeer, input, shardHash, expectOk(response, remotePeer.toString()).ack)
}

/**
 * Stores several shards on `peer` in one request (2 to MAX_STORE_BATCH), each checked and answered as a STORE
 * alone: per shard, its verified receipt or the error a STORE of it alone would have thrown. Checks every shard
 * against its manifest first (throws without sending). A holder that does not know batches answers MALFORMED
 * (`RemoteMalformedError`, thrown for the whole batch): send the shards one by one with `storeShard` instead.
 * @throws {RemoteRejectedError} subclasses for a refusal of the whole request (e.g. `RemoteBusyError`),
 *   `ChunkPeerUnreachableError`, `InvalidChunkResponseError` (also for an answer without one result per shard)
 */
export async function storeShardBatch (libp2p: ChunkDialer, peer: PeerId | string, inputs: readonly StoreShardInput[],
  options: ChunkCallOptions = {}): Promise<Array<StoreReceipt | Error>> {
  const shardHashes = inputs.map(input => assertShardMatches(input.manifest, input.shardIndex, input.shard, input.shardProof))
  const { response, remotePeer } = await exchange(libp2p, peer, { type: 'storeBatch', stores: inputs.map(storeCommandOf) }, options)
  const holder = remotePeer.toString()
  const { results } = expectOk(response, holder)
  if (results.length !== inputs.length) {
    throw new InvalidChunkResponseError(`peer ${holder} answered a batch of ${inputs.length} STOREs with ${results.length} results`)
  }
  return await Promise.all(inputs.map(async (input, i) => {
    const result = results[i]
    if (result.status !== ChunkStatus.OK) return remoteErrorFor(result.status, holder, result.message)
    try {
      return await receiptFrom(remotePeer, input, shardHashes[i], result.ack)
    } catch (error) {
      return error instanceof Error ? error : new InvalidAckError(String(error))
    }
  }))
}

function storeCommandOf (input: StoreShardInput): StoreCommand {
  return {
    type: 'store', manifest: input.manifestBytes, shardIndex: input.shardIndex, shard: input.shard, sole: input.sole, shardProof: input.shardProof,
    ...(input.inboxPass !== undefined ? { inboxPass: input.inboxPass } : {})
  }
}

/** The holder's receipt for `input`, checked: the shard it names, and its signature by the holder's key. */
async function receiptFrom (remotePeer: PeerId, input: StoreShardInput, shardHash: Uint8Array, ack: StoreAckMessage | undefined): Promise<StoreReceipt> {
  const { manifest } = input
  const holder = remotePeer.toString()
  if (ack === undefined) {
    throw new InvalidAckError(`peer ${holder} answered STORE without a receipt`)
  }
  if (!bytesEqual(ack.objectId, objectIdToBytes(manifest.objectId)) || ack.shardIndex !== input.shardIndex || !bytesEqual(ack.shardHash, shardHash)) {
    throw new InvalidAckError(`peer ${holder} acknowledged a different shard than shard ${input.shardIndex} of ${manifest.objectId}`)
  }
  const receipt: StoreReceipt = {
    holder: holder as PeerIdString,
    objectId: manifest.objectId,
    shardIndex: input.shardIndex,
    shardHash,
    signature: Uint8Array.from(ack.signature),
    storedAt: ack.storedAt
  }
  const publicKey = remotePeer.publicKey
  if (publicKey === undefined) {
    throw new InvalidAckError(`the public key of peer ${holder} is unknown, so its receipt cannot be verified`)
  }
  if (!await verifyStoreReceipt(receipt, publicKey)) {
    throw new InvalidAckError(`peer ${holder}'s receipt for shard ${input.shardIndex} of ${manifest.objectId} is not signed by its key`)
  }
  return receipt
}

/** True when `receipt` is signed by `holderKey` (for checking a receipt later, e.g. in an audit). */
export async function verifyStoreReceipt (receipt: StoreReceipt, holderKey: PublicKey): Promise<boolean> {
  try {
    return await holderKey.verify(storeAckDigest(receipt.objectId, receipt.shardIndex, receipt.shardHash), receipt.signature)
  } catch {
    return false
  }
}

/**
 * Fetches every shard `peer` holds for a placement key, or of one object (`{ objectId }`), following pages.
 * Every returned shard has been verified: manifest signature, the requested key or object, the namespace's
 * placement rule, and the shard's size and hash (version 2: its proof up to the manifest's signed root). Shards failing any check are dropped and passed to `onRejected`.
 * What one call takes from the holder is bounded (pages, bytes, manifests to check, manifests failing their
 * check): past any bound the answer is cut and the call fails, so a hostile holder costs this node a bounded
 * amount of memory and signature checks.
 * @throws {RemoteRejectedError} subclasses, `ChunkPeerUnreachableError`, `InvalidChunkResponseError` (its
 *   subclass `FetchLimitExceededError` for an answer past a bound)
 */
export async function fetchShards (libp2p: ChunkDialer, peer: PeerId | string, target: Uint8Array | { objectId: ObjectId },
  options: FetchShardsOptions = {}): Promise<FetchedShard[]> {
  const wanted = target instanceof Uint8Array ? namedObjects(options.objectIds) : undefined
  const fetchTarget = target instanceof Uint8Array
    ? { placementKey: target, ...(wanted === undefined ? {} : { objectIds: [...wanted] }) }
    : { objectId: target.objectId }
  const rules = options.placementRules ?? DEFAULT_PLACEMENT_RULES
  const peerName = peer.toString()
  const verified = options.checkedManifests ?? new Map<string, SignedManifest | Error>()
  const seen = new Set<string>()
  const result: FetchedShard[] = []
  const reject = (rejected: Omit<RejectedShard, 'peer'>): void => options.onRejected?.({ peer: peerName, ...rejected })
  const budget = new FetchBudget(peerName, options)

  await followPages(options.maxPages ?? DEFAULT_MAX_FETCH_PAGES, peerName, async after => {
    const { response } = await exchange(libp2p, peer, { type: 'fetch', target: fetchTarget, after }, options)
    expectOk(response, peerName)
    let last: ShardPosition | undefined
    for (const entry of response.shards) {
      budget.received(entry.shard.length + entry.manifest.length + (entry.shardProof?.length ?? 0))
      const { manifest, checkedNow } = verifyManifest(verified, entry.manifest, budget)
      if (manifest instanceof Error) {
        if (checkedNow) budget.rejectedManifest()
        reject({ shardIndex: entry.shardIndex, reason: manifest })
        continue
      }
      const position = { objectId: manifest.objectId, shardIndex: entry.shardIndex }
      if (last === undefined || comparePositions(position, last) > 0) last = position
      if (wanted !== undefined && !wanted.has(manifest.objectId)) continue
      const checked = checkShard(manifest, entry.shardIndex, entry.shard, entry.shardProof, fetchTarget, rules)
      const problem = checked instanceof Error ? checked : undefined
      const key = `${manifest.objectId}/${entry.shardIndex}`
      if (problem !== undefined || seen.has(key)) {
        if (checkedNow) budget.rejectedManifest()
        reject({ shardIndex: entry.shardIndex, objectId: manifest.objectId, reason: problem ?? new InvalidChunkResponseError(`duplicate shard ${key}`) })
        continue
      }
      seen.add(key)
      // Copies: plain Uint8Arrays that do not keep the whole response frame alive.
      result.push({
        manifest,
        manifestBytes: Uint8Array.from(entry.manifest),
        shardIndex: entry.shardIndex,
        shard: Uint8Array.from(entry.shard),
        ...(entry.shardProof === undefined ? {} : { shardProof: Uint8Array.from(entry.shardProof) }),
        shardHash: checked as Uint8Array
      })
    }
    return { more: response.more, last }
  })
  return result
}

/**
 * Asks `peer` to delete an object's shards (or one shard), signed by the owner's wallet; returns how many went.
 * A holder answers a repeated authorisation with 0.
 * @throws {RemoteNotOwnerError} | {RemoteNotFoundError} | {RemoteBadSignatureError} | {RemoteExpiredError} and
 *   the other `RemoteRejectedError` subclasses, `ChunkPeerUnreachableError`, `InvalidChunkResponseError`
 */
export async function deleteShards (libp2p: ChunkDialer, peer: PeerId | string, wallet: Signer, objectId: ObjectId,
  options: DeleteShardsOptions = {}): Promise<number> {
  const timestamp = Math.floor((options.now ?? Date.now)())
  const signature = wallet.sign(NS_DELETE, deleteAuthorization(objectId, options.shardIndex, timestamp))
  const { response, remotePeer } = await exchange(libp2p, peer, {
    type: 'delete', objectId, shardIndex: options.shardIndex, owner: wallet.address, timestamp, signature
  }, options)
  return expectOk(response, remotePeer.toString()).deleted
}

/**
 * Passes a tombstone on to `peer`: the owner's signed delete of the whole object, sent as the DELETE the owner signed,
 * for a holder that missed it (src/repair/tombstone-relay.ts). The holder applies it as it would the owner's own,
 * within the tombstone's retention (handlers/delete.ts). Checked here first: nothing that no holder would apply is
 * sent. Returns how many shards went.
 * @throws {InvalidTombstoneError} for a malformed tombstone, or one whose signature is not its owner's delete of the
 *   object; `RemoteNotFoundError` when the peer keeps no shard of it, the other `RemoteRejectedError` subclasses,
 *   `ChunkPeerUnreachableError`, `InvalidChunkResponseError`
 */
export async function passOnTombstone (libp2p: ChunkDialer, peer: PeerId | string, tombstone: Tombstone, options: ChunkCallOptions = {}): Promise<number> {
  try {
    validateTombstone(tombstone)
  } catch (cause) {
    throw new InvalidTombstoneError(`tombstone not passed on: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
  if (!isValidTombstone(tombstone)) {
    throw new InvalidTombstoneError(`tombstone of ${tombstone.objectId} not passed on: its signature is not ${tombstone.owner}'s delete of the object at ${tombstone.deletedAt}`)
  }
  const { objectId, owner, deletedAt, signature } = tombstone
  const { response, remotePeer } = await exchange(libp2p, peer, {
    type: 'delete', objectId, shardIndex: undefined, owner: owner as WalletAddress, timestamp: deletedAt, signature
  }, options)
  return expectOk(response, remotePeer.toString()).deleted
}

/** Lists what `peer` holds (optionally for one placement key), following pages. For repair and audit. */
export async function listShards (libp2p: ChunkDialer, peer: PeerId | string, options: ListShardsOptions = {}): Promise<HeldShard[]> {
  const peerName = peer.toString()
  const result: HeldShard[] = []
  await followPages(options.maxPages, peerName, async after => {
    const { response } = await exchange(libp2p, peer, { type: 'list', placementKey: options.placementKey, after }, options)
    expectOk(response, peerName)
    let last: ShardPosition | undefined
    for (const summary of response.summaries) {
      let held: HeldShard
      try {
        held = {
          objectId: objectIdFromBytes(summary.objectId),
          shardIndex: summary.shardIndex,
          shardHash: Uint8Array.from(summary.shardHash),
          size: summary.size,
          placementKey: Uint8Array.from(summary.placementKey),
          owner: addressFromBytes(summary.owner),
          storedAt: summary.storedAt
        }
      } catch (cause) {
        throw new InvalidChunkResponseError(`peer ${peerName} sent a malformed LIST entry`, { cause })
      }
      if (last !== undefined && comparePositions(held, last) <= 0) {
        throw new InvalidChunkResponseError(`peer ${peerName} sent LIST entries out of order`)
      }
      last = held
      result.push(held)
    }
    return { more: response.more, last }
  })
  return result
}

/** What one FETCH call has taken from a holder so far, against its bounds. */
class FetchBudget {
  private readonly peer: string
  private readonly maxBytes: number
  private readonly maxChecks: number
  private readonly maxRejected: number
  private bytes = 0
  private checks = 0
  private rejected = 0

  constructor (peer: string, options: FetchShardsOptions) {
    this.peer = peer
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES
    this.maxChecks = options.maxManifestChecks ?? DEFAULT_MAX_FETCH_MANIFEST_CHECKS
    this.maxRejected = options.maxRejectedManifests ?? DEFAULT_MAX_FETCH_REJECTED_MANIFESTS
  }

  received (bytes: number): void {
    this.bytes += bytes
    if (this.bytes > this.maxBytes) {
      throw new FetchLimitExceededError('bytes', `peer ${this.peer} sent more than ${this.maxBytes} bytes of shards and manifests for one FETCH; its answer was cut`)
    }
  }

  /** Called before each manifest check, so a check past the bound never runs. */
  checking (): void {
    if (++this.checks > this.maxChecks) {
      throw new FetchLimitExceededError('manifest checks', `peer ${this.peer} sent more than ${this.maxChecks} manifests to check for one FETCH; its answer was cut`)
    }
  }

  rejectedManifest (): void {
    if (++this.rejected > this.maxRejected) {
      throw new FetchLimitExceededError('rejected manifests', `peer ${this.peer} sent more than ${this.maxRejected} manifests that failed their check or did not fit the request; its answer was cut`)
    }
  }
}

/**
 * Runs pages until one says there is no more. Each page must advance past the previous page's last position,
 * so a faulty or hostile holder cannot keep the client looping.
 */
async function followPages (maxPages = DEFAULT_MAX_PAGES, peer: string,
  page: (after: ShardPosition | undefined) => Promise<{ more: boolean, last?: ShardPosition }>): Promise<void> {
  let after: ShardPosition | undefined
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) {
      throw new FetchLimitExceededError('pages', `peer ${peer} still had more after ${maxPages} pages; raise maxPages if it really holds that much`)
    }
    const { more, last } = await page(after)
    if (!more) return
    if (last === undefined || (after !== undefined && comparePositions(last, after) <= 0)) {
      throw new InvalidChunkResponseError(`peer ${peer} announced more entries but its page did not advance`)
    }
    after = last
  }
}

/** The manifest `bytes` encode, from the cache or checked now (`budget` counts the checks). */
function verifyManifest (cache: Map<string, SignedManifest | Error>, bytes: Uint8Array,
  budget: FetchBudget): { manifest: SignedManifest | Error, checkedNow: boolean } {
  const key = toHex(bytes)
  const cached = cache.get(key)
  if (cached !== undefined) return { manifest: cached, checkedNow: false }
  budget.checking()
  let manifest: SignedManifest | Error
  try {
    manifest = decodeSignedManifest(bytes)
  } catch (error) {
    manifest = error instanceof Error ? error : new Error(String(error))
  }
  // Insertion order is age: the oldest entries make room.
  for (const oldest of cache.keys()) {
    if (cache.size < DEFAULT_CHECKED_MANIFESTS_ENTRIES) break
    cache.delete(oldest)
  }
  cache.set(key, manifest)
  return { manifest, checkedNow: true }
}

/** The shard's SHA-256 when it is what was asked for and verifies against its manifest, else why not. */
function checkShard (manifest: SignedManifest, shardIndex: number, shard: Uint8Array, shardProof: Uint8Array | undefined,
  target: { placementKey: Uint8Array } | { objectId: ObjectId }, rules: PlacementRules): Uint8Array | Error {
  if ('placementKey' in target && !bytesEqual(manifest.placementKey, target.placementKey)) {
    return new InvalidChunkResponseError(`shard ${shardIndex} of ${manifest.objectId} belongs to placement key ${toHex(manifest.placementKey)}, not the one requested`)
  }
  if ('objectId' in target && manifest.objectId !== target.objectId) {
    return new InvalidChunkResponseError(`shard ${shardIndex} belongs to object ${manifest.objectId}, not ${target.objectId}`)
  }
  try {
    assertPlacementAllowed(manifest, rules)
    return assertShardMatches(manifest, shardIndex, shard, shardProof)
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}

function expectOk (response: ChunkResponse, peer: string): ChunkResponse {
  if (response.status !== ChunkStatus.OK) {
    throw remoteErrorFor(response.status, peer, response.message)
  }
  return response
}

/** One request/response exchange on a fresh stream. */
async function exchange (libp2p: ChunkDialer, peer: PeerId | string, command: ChunkCommand,
  options: ChunkCallOptions): Promise<{ response: ChunkResponse, remotePeer: PeerId }> {
  const peerId = typeof peer === 'string' ? peerIdFromString(peer) : peer
  const request = encodeChunkRequest(command) // local mistakes throw here, before any network traffic
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
  let connection: Connection
  let frame: Uint8Array
  for (let attempt = 1; ; attempt++) {
    let stream: Stream | undefined
    try {
      connection = await libp2p.dial(peerId, { signal })
      if (isMuxerClosed(connection)) {
        // libp2p hands out a connection whose stream muxer closed under it until a ping fails, tens of seconds
        // later; every stream on it fails. End it and dial afresh.
        connection.abort(new Error('stream muxer closed'))
        connection = await libp2p.dial(peerId, { signal })
      }
      stream = await connection.newStream(CHUNKS_PROTOCOL, { signal })
      const messages = lpStream(stream, { maxDataLength: MAX_CHUNK_RESPONSE_BYTES, maxBufferSize: MAX_CHUNK_RESPONSE_BYTES + 16 })
      await messages.write(request, { signal })
      await stream.close({ signal }) // our writable end only: the answer still comes in
      frame = (await messages.read({ signal })).subarray()
      break
    } catch (error) {
      stream?.abort(error instanceof Error ? error : new Error(describe(error)))
      if (options.signal?.aborted === true) throw options.signal.reason
      const name = (error as { name?: unknown } | null)?.name
      if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
        throw new InvalidChunkResponseError(`peer ${peerId} sent a response over the ${MAX_CHUNK_RESPONSE_BYTES}-byte limit`, { cause: error })
      }
      // A WebRTC data channel that closed before it opened carried nothing, so one more try on a new stream is
      // safe for every command; it happens when a connection is replaced while streams are being opened.
      if (isChannelClosedBeforeOpen(error) && attempt < 2 && !signal.aborted) continue
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : describe(error)
      throw new ChunkPeerUnreachableError(`chunk request to peer ${peerId} failed: ${why}`, { cause: error })
    }
  }
  try {
    return { response: decodeChunkResponse(frame), remotePeer: connection.remotePeer }
  } catch (cause) {
    throw new InvalidChunkResponseError(`peer ${peerId} sent an undecodable chunk response`, { cause })
  }
}

/** @libp2p/webrtc aborts a stream with the data channel's bare `close` or `error` Event when it never opened. */
function isChannelClosedBeforeOpen (error: unknown): boolean {
  return typeof Event !== 'undefined' && error instanceof Event
}

function describe (error: unknown): string {
  if (isChannelClosedBeforeOpen(error)) return `the WebRTC data channel ${(error as Event).type === 'close' ? 'closed' : 'failed'} before it opened`
  return error instanceof Error ? error.message : String(error)
}
