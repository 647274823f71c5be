/**
 * `ChunkExchange`: what the layers above (objects, repair) need of the chunk protocol, one call per message:
 * store, fetch, list, delete. Each call goes to one holder under this node's per-holder request cap, retries a
 * BUSY answer after a short pause, and serves a request addressed to this node itself from its own store with the
 * checks a remote holder runs (libp2p cannot dial itself). The layers above can be tested against a fake.
 */
import type { Signer } from '../../identity/index.ts'
import { DEFAULT_PLACEMENT_RULES, type PlacementRules } from '../../placement/index.ts'
import type { ChunkStore } from '../../store/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { namedObjects, type SignedManifest } from '../../wire/index.ts'
import { isUsableConnection } from '../../net/index.ts'
import {
  deleteShards,
  fetchShards,
  listShards,
  storeShard,
  type ChunkDialer,
  type FetchedShard,
  type HeldShard,
  type RejectedShard,
  type StoreReceipt
} from './client.ts'
import { DEFAULT_CLIENT_TIMEOUT_MS } from './constants.ts'
import { ChunkPeerUnreachableError, RemoteBusyError } from './errors.ts'
import { PeerRequestLimiter } from './request-limiter.ts'
import { readFromSelf, storeOnSelf, type SelfHolder } from './self-holder.ts'
import type { Connection, PeerId, PrivateKey } from '@libp2p/interface'

/** One shard to store, with its manifest already decoded and signature-checked by the caller. */
export interface OutgoingShard {
  manifest: SignedManifest
  /** `encodeSignedManifest(manifest)`, sent as is. */
  manifestBytes: Uint8Array
  shardIndex: number
  shard: Uint8Array
  /** The holder is to keep no other shard of the object (it refuses with `RemoteHoldsOtherShardError`). */
  sole?: boolean
  /** The shard's inclusion proof under a version-2 manifest; absent under version 1. */
  shardProof?: Uint8Array
  /** Inbox objects: the recipient's contact pass for the sender (`StoreShardInput.inboxPass`). */
  inboxPass?: Uint8Array
}

export interface ExchangeCallOptions {
  signal?: AbortSignal
  /** Per request, from when it is sent (a request waiting for a free slot is not timed). */
  timeoutMs?: number
}

export interface ExchangeFetchOptions extends ExchangeCallOptions {
  /** Called for each shard the holder sent that failed verification (it is dropped). */
  onRejected?: (rejected: RejectedShard) => void
  /** Manifests checked before, by their bytes in hex: each owner signature is checked once per map. */
  checkedManifests?: Map<string, SignedManifest | Error>
  /** With a placement key: only the shards of these objects (see FetchShardsOptions.objectIds). */
  objectIds?: readonly ObjectId[]
}

export interface ExchangeDeleteOptions extends ExchangeCallOptions {
  /** Clock for the signed timestamp (ms since the epoch). */
  now?: () => number
}

export interface ChunkExchange {
  /** This node's peer ID: requests to it are served from its own store. */
  readonly selfId: string
  /** Stores one shard on `holder` and returns its verified receipt. */
  store(holder: string, shard: OutgoingShard, options?: ExchangeCallOptions): Promise<StoreReceipt>
  /** Every verified shard `holder` keeps for a placement key or of one object. */
  fetch(holder: string, target: Uint8Array | { objectId: ObjectId }, options?: ExchangeFetchOptions): Promise<FetchedShard[]>
  /** What `holder` reports it keeps for a placement key (unverified summaries). Remote holders only. */
  list(holder: string, placementKey: Uint8Array, options?: ExchangeCallOptions): Promise<HeldShard[]>
  /** Asks `holder` to delete an object's shards, signed by `signer`; how many went. Remote holders only. */
  delete(holder: string, signer: Signer, objectId: ObjectId, options?: ExchangeDeleteOptions): Promise<number>
  /** Whether this node holds a usable connection to `holder` now. */
  connected(holder: string): boolean
}

export interface ChunkExchangeInit {
  libp2p: ChunkDialer & { readonly peerId: PeerId, getConnections(peer?: PeerId): Connection[] }
  /** This node's own shard store. */
  store: ChunkStore
  /** Namespaces accepted and how their placement keys are checked (as holders check them). */
  placementRules?: PlacementRules
  /** Signs receipts for shards this node keeps itself; without it those carry no signature. */
  nodeKey?: PrivateKey
  /** Requests in flight to one holder at once; below a holder's own per-peer cap, so none is refused BUSY. */
  requestsPerHolder: number
  /** Default per-request deadline. */
  timeoutMs?: number
  now?: () => number
}

const BUSY_RETRIES = 3

export function createChunkExchange (init: ChunkExchangeInit): ChunkExchange {
  const selfId = init.libp2p.peerId.toString()
  const placementRules = init.placementRules ?? DEFAULT_PLACEMENT_RULES
  const limiter = new PeerRequestLimiter(init.requestsPerHolder)
  const defaultTimeoutMs = init.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS
  const self: SelfHolder = { peerId: selfId, store: init.store, placementRules, nodeKey: init.nodeKey, now: init.now ?? Date.now }
  const remoteOnly = (holder: string, what: string): void => {
    if (holder === selfId) throw new RangeError(`${what} goes to remote holders; this node reads its own store directly`)
  }
  const call = async <T>(holder: string, options: ExchangeCallOptions, send: (timeoutMs: number) => Promise<T>): Promise<T> =>
    await callHolder(limiter, holder, options.timeoutMs ?? defaultTimeoutMs, options.signal, send)

  return {
    selfId,
    store: async (holder, shard, options = {}) => {
      if (holder === selfId) return await storeOnSelf(self, shard)
      return await call(holder, options, async timeoutMs => await storeShard(init.libp2p, holder, shard, { signal: options.signal, timeoutMs }))
    },
    fetch: async (holder, target, options = {}) => {
      if (holder === selfId) {
        const own = await readFromSelf(self, target, options.onRejected ?? (() => {}), options.checkedManifests)
        const wanted = namedObjects(options.objectIds)
        return wanted === undefined ? own : own.filter(shard => wanted.has(shard.manifest.objectId))
      }
      return await call(holder, options, async timeoutMs => await fetchShards(init.libp2p, holder, target, {
        signal: options.signal, timeoutMs, placementRules, onRejected: options.onRejected, checkedManifests: options.checkedManifests,
        objectIds: options.objectIds
      }))
    },
    list: async (holder, placementKey, options = {}) => {
      remoteOnly(holder, 'LIST')
      return await call(holder, options, async timeoutMs => await listShards(init.libp2p, holder, { placementKey, signal: options.signal, timeoutMs }))
    },
    delete: async (holder, signer, objectId, options = {}) => {
      remoteOnly(holder, 'DELETE')
      return await call(holder, options, async timeoutMs => await deleteShards(init.libp2p, holder, signer, objectId, { signal: options.signal, timeoutMs, now: options.now }))
    },
    connected: holder => init.libp2p.getConnections().some(c => c.remotePeer.toString() === holder && isUsableConnection(c))
  }
}

/**
 * One chunk call under the per-holder request cap. `timeoutMs` starts once a slot is free, so a request queued
 * behind others for a busy but healthy holder is not failed for waiting; one queued behind a request that found
 * the holder unreachable fails at once rather than wait out its own timeout. A BUSY answer (the holder is full
 * with other peers' requests) is retried after a short pause.
 */
async function callHolder<T> (limiter: PeerRequestLimiter, holder: string, timeoutMs: number, signal: AbortSignal | undefined,
  call: (timeoutMs: number) => Promise<T>): Promise<T> {
  const queuedAt = Date.now()
  return await limiter.run(holder, async () => {
    if (limiter.failedSince(holder, queuedAt)) {
      throw new ChunkPeerUnreachableError(`peer ${holder} failed another request while this one waited; not trying it again now`)
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(timeoutMs)
      } catch (error) {
        if (error instanceof ChunkPeerUnreachableError && signal?.aborted !== true) limiter.markUnreachable(holder)
        if (!(error instanceof RemoteBusyError) || attempt >= BUSY_RETRIES) throw error
        await pause(100 * 2 ** attempt * (1 + Math.random()), signal)
      }
    }
  }, signal)
}

async function pause (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason) }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
