/**
 * `ChunkExchange`: what the layers above (objects, repair) need of the chunk protocol, one call per message:
 * store, fetch, list, delete. Each call goes to one holder under this node's per-holder request cap, retries a
 * BUSY answer after a short pause, and serves a request addressed to this node itself from its own store with the
 * checks a remote holder runs (libp2p cannot dial itself). The layers above can be tested against a fake.
 */
import type { Signer } from '../../identity/index.ts'
import { DEFAULT_PLACEMENT_RULES, type PlacementRules } from '../../placement/index.ts'
import type { ChunkStore, Tombstone } from '../../store/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { MAX_STORE_BATCH, assertShardMatches, namedObjects, type SignedManifest } from '../../wire/index.ts'
import { isUsableConnection } from '../../net/index.ts'
import {
  deleteShards,
  fetchShards,
  listShards,
  passOnTombstone,
  storeShard,
  storeShardBatch,
  type ChunkDialer,
  type FetchedShard,
  type HeldShard,
  type RejectedShard,
  type StoreReceipt
} from './client.ts'
import { DEFAULT_CLIENT_TIMEOUT_MS } from './constants.ts'
import { ChunkPeerUnreachableError, RemoteBusyError, RemoteMalformedError } from './errors.ts'
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

export interface ExchangeStoreOptions extends ExchangeCallOptions {
  /**
   * May travel with other stores to the same holder: stores waiting for a free request slot to one holder, made with
   * the same `signal`, go as one batch request when a slot frees (at most MAX_STORE_BATCH, about STORE_BATCH_BYTES).
   * For many shards to the same few holders at once (a repair after a death); each still gets its own receipt or error.
   */
  coalesce?: boolean
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
  store(holder: string, shard: OutgoingShard, options?: ExchangeStoreOptions): Promise<StoreReceipt>
  /** Every verified shard `holder` keeps for a placement key or of one object. */
  fetch(holder: string, target: Uint8Array | { objectId: ObjectId }, options?: ExchangeFetchOptions): Promise<FetchedShard[]>
  /** What `holder` reports it keeps for a placement key (unverified summaries). Remote holders only. */
  list(holder: string, placementKey: Uint8Array, options?: ExchangeCallOptions): Promise<HeldShard[]>
  /** Asks `holder` to delete an object's shards, signed by `signer`; how many went. Remote holders only. */
  delete(holder: string, signer: Signer, objectId: ObjectId, options?: ExchangeDeleteOptions): Promise<number>
  /** Whether this node holds a usable connection to `holder` now. */
  connected(holder: string): boolean
}

/** What a holder's repairer needs beyond `ChunkExchange`: passing its tombstones on (src/repair/tombstone-relay.ts). */
export interface TombstoneExchange {
  /**
   * Passes this node's tombstone of an object on to `holder`, which still claims shards of it (`passOnTombstone`),
   * under the same per-holder cap and BUSY retries as the other calls; how many shards went. Remote holders only.
   */
  passOnTombstone(holder: string, tombstone: Tombstone, options?: ExchangeCallOptions): Promise<number>
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
/** Shard, manifest and proof bytes one batch of coalesced stores carries at most (one larger store goes alone). */
export const STORE_BATCH_BYTES = 1024 * 1024

/** A coalesced store waiting for a request slot to its holder. */
interface PendingStore {
  shard: OutgoingShard
  signal: AbortSignal | undefined
  resolve: (receipt: StoreReceipt) => void
  reject: (error: unknown) => void
}

function outgoingBytes (shard: OutgoingShard): number {
  return shard.shard.length + shard.manifestBytes.length + (shard.shardProof?.length ?? 0) + (shard.inboxPass?.length ?? 0)
}

export function createChunkExchange (init: ChunkExchangeInit): ChunkExchange & TombstoneExchange {
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

  /** Coalesced stores per holder, oldest first, until a request takes them. */
  const pendingStores = new Map<string, PendingStore[]>()
  /** Holders that answered a batch MALFORMED (a release without batches): they get one store per request. */
  const oneAtATime = new Set<string>()
  /** Takes `items` out of the holder's queue. */
  const unqueue = (holder: string, items: readonly PendingStore[]): void => {
    const left = (pendingStores.get(holder) ?? []).filter(item => !items.includes(item))
    if (left.length === 0) pendingStores.delete(holder)
    else pendingStores.set(holder, left)
  }

  /**
   * Queues the store and asks for a request slot for it. When the slot comes, that request carries this store and
   * every other one queued for the holder with the same signal (up to the batch limits), unless an earlier request
   * already took this one: then it sends nothing. Every store is settled by the request that took it.
   */
  const coalescedStore = async (holder: string, shard: OutgoingShard, options: ExchangeCallOptions): Promise<StoreReceipt> =>
    await new Promise<StoreReceipt>((resolve, reject) => {
      const own: PendingStore = { shard, signal: options.signal, resolve, reject }
      const queue = pendingStores.get(holder) ?? []
      queue.push(own)
      pendingStores.set(holder, queue)
      let taken: PendingStore[] | undefined
      const take = (): PendingStore[] => {
        const waiting = pendingStores.get(holder) ?? []
        if (!waiting.includes(own)) return []
        const batch: PendingStore[] = [own]
        let bytes = outgoingBytes(own.shard)
        for (const other of waiting) {
          if (batch.length >= MAX_STORE_BATCH) break
          if (other === own || other.signal !== own.signal || bytes + outgoingBytes(other.shard) > STORE_BATCH_BYTES) continue
          batch.push(other)
          bytes += outgoingBytes(other.shard)
        }
        unqueue(holder, batch)
        return batch
      }
      call(holder, options, async timeoutMs => {
        taken ??= take() // once: a BUSY answer is retried with the same stores
        if (taken.length === 0) return
        await sendStores(holder, taken, { signal: options.signal, timeoutMs })
      }).catch(error => {
        // No answer: the stores this request took fail with it. No slot: its own store, unless another request took it.
        if (taken !== undefined) {
          for (const item of taken) item.reject(error)
          return
        }
        if (!(pendingStores.get(holder) ?? []).includes(own)) return
        unqueue(holder, [own])
        reject(error)
      })
    })

  /** Sends `stores` in one request (a batch, unless one store or a holder without batches) and settles each. */
  const sendStores = async (holder: string, taken: readonly PendingStore[], options: { signal?: AbortSignal, timeoutMs: number }): Promise<void> => {
    // A shard that does not match its manifest fails alone, here, as storeShard would fail it before sending.
    const stores = taken.filter(item => {
      try {
        assertShardMatches(item.shard.manifest, item.shard.shardIndex, item.shard.shard, item.shard.shardProof)
        return true
      } catch (error) {
        item.reject(error)
        return false
      }
    })
    if (stores.length > 1 && !oneAtATime.has(holder)) {
      let results: Array<StoreReceipt | Error>
      try {
        results = await storeShardBatch(init.libp2p, holder, stores.map(item => item.shard), options)
      } catch (error) {
        if (!(error instanceof RemoteMalformedError)) throw error
        oneAtATime.add(holder)
        results = []
      }
      if (results.length === stores.length) {
        stores.forEach((item, i) => {
          const result = results[i]
          if (result instanceof Error) item.reject(result)
          else item.resolve(result)
        })
        return
      }
    }
    for (const item of stores) {
      try {
        item.resolve(await storeShard(init.libp2p, holder, item.shard, options))
      } catch (error) {
        if (error instanceof ChunkPeerUnreachableError || options.signal?.aborted === true) {
          for (const rest of stores.slice(stores.indexOf(item))) rest.reject(error)
          return
        }
        item.reject(error)
      }
    }
  }

  return {
    selfId,
    store: async (holder, shard, options = {}) => {
      if (holder === selfId) return await storeOnSelf(self, shard)
      if (options.coalesce === true) return await coalescedStore(holder, shard, options)
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
    passOnTombstone: async (holder, tombstone, options = {}) => {
      remoteOnly(holder, 'DELETE')
      return await call(holder, options, async timeoutMs => await passOnTombstone(init.libp2p, holder, tombstone, { signal: options.signal, timeoutMs }))
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
