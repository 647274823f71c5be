/**
 * The seed's "gateway" role, run by the sender's own node: erasure-code an object, place shard i on the i-th
 * closest live storage node to the owner's placement key and collect their signed receipts; retrieve an owner's
 * objects by asking those holders in parallel and decoding each object from the first k verified shards.
 * Nothing here sees plaintext: objects are end-to-end-encrypted before they arrive.
 */
import { NS_HISTORY } from '../crypto/index.ts'
import { DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS, encode } from '../erasure/index.ts'
import type { Signer } from '../identity/index.ts'
import type { HolderSelector } from '../net/index.ts'
import { deleteAuthorityOf, operatorHoldersOf, placementKeyOf, placementOrder, stripeOfNamespace, type NamespaceStripe, type Stripe, type StripeOperators } from '../placement/index.ts'
import { ChunkPeerUnreachableError, type ChunkExchange, type StoreReceipt } from '../protocols/index.ts'
import type { ChunkStore, ShardRecord } from '../store/index.ts'
import type { ObjectId } from '../types/index.ts'
import { MANIFEST_VERSION, buildManifest, decodeSignedManifest, encodeSignedManifest, type ManifestVersion, type SignedManifest } from '../wire/index.ts'
import { NoHoldersReachableError, ObjectNotFoundError, ReadDeadlineError, StoreFailedError, type ShardPlacementFailure } from './errors.ts'
import { collectShards, type FailedObject, type GatherStats, type RetrievedObject } from './gather.ts'
import { DEFAULT_HEDGE_FACTOR, DEFAULT_HEDGE_FLOOR_MS, DEFAULT_MAX_HEDGES, LongTail, checkLongTailSettings, type LongTailSettings } from './long-tail.ts'

export type { FailedObject, GatherStats, RetrievedObject } from './gather.ts'
export { DEFAULT_HEDGE_FACTOR, DEFAULT_HEDGE_FLOOR_MS, DEFAULT_MAX_HEDGES } from './long-tail.ts'

export const DEFAULT_STORE_TIMEOUT_MS = 20_000
export const DEFAULT_FETCH_TIMEOUT_MS = 15_000
/** Next-closest nodes asked for when a holder fails, to take over its shard. */
export const DEFAULT_SPARE_HOLDERS = 5
/**
 * Next-closest nodes a read may ask beyond the k + m closest, one for each holder that fails or answers without a
 * verified shard: as many as there are holders, so a read still finds the shards when every one of the k + m
 * closest nodes is a newcomer that keeps nothing (node IDs cost nothing, so a stranger can put 15 nodes next to a
 * user's keys). A read asks at most 2 (k + m) remote holders, 30 by default.
 */
export const DEFAULT_READ_SPARE_HOLDERS = 15
/** Connected-first reads: holders asked at once beyond k, so one slow or empty holder does not stall the read. */
export const READ_FIRST_WAVE_SLACK = 2
/** Connected-first reads: after this long without enough shards, every holder not asked yet is asked. */
export const READ_WAVE_DELAY_MS = 1_500
/** Below a holder's own per-peer cap (4), leaving room for this node's other chunk traffic (repair, audit). */
export const DEFAULT_REQUESTS_PER_HOLDER = 3
/**
 * A whole read (every holder, spares included) ends by then with what it has. Twice the per-holder timeout: a
 * holder timing out and the spare asked in its place both fit; one slow holder cannot hold a read for minutes.
 */
export const DEFAULT_READ_DEADLINE_MS = 30_000
/**
 * Bytes of objects one read may rebuild. Each holder may make the read keep a k-th of it in shards (an honest holder
 * keeps one shard per object); what a holder sends past its share is dropped.
 */
export const DEFAULT_MAX_READ_BYTES = 256 * 1024 * 1024

export interface ObjectStoreDeps {
  /** The owner identity that signs manifests and delete authorisations. */
  wallet: Signer
  /**
   * Who holds a key: the exact closest live storage nodes, nearest first, this node included where it ranks. It
   * may answer from a short-lived cache, except when asked for a `fresh` answer: the object store asks for one
   * once a holder has failed.
   */
  holders: HolderSelector
  /**
   * Chunk requests to holders, this node's own store included (built with the placement rules holders apply, so
   * fetched key bundles and presence records pass the same checks), under a per-holder cap below a holder's own.
   */
  exchange: ChunkExchange
  /** This node's own store: an undone store and an owner's delete clear it directly. */
  selfStore: ChunkStore
  /** Data shards per object (default 10). */
  k?: number
  /** Parity shards per object (default 5). */
  m?: number
  /**
   * Namespaces whose objects are written with another stripe than k + m (`stripeOfNamespace`: an exact namespace, or
   * a family ending in '/'); reads and deletes of such a namespace ask that stripe's k + m holders.
   */
  namespaceStripes?: readonly NamespaceStripe[]
  /**
   * Stripes placed by class (`placementOrder`): their `operators` holders are the operator nodes closest to the key,
   * the others the closest tabs. Default none: every stripe on its k + m closest nodes.
   */
  operatorHolders?: readonly StripeOperators[]
  /**
   * Manifest format of the objects this store writes (default MANIFEST_VERSION, 2). Version 1 only for tests that
   * keep version-1 objects covered: every version is read, repaired and deleted whatever this says.
   */
  manifestVersion?: ManifestVersion
  /** Per holder and shard, from when the request is sent (default 20 s). */
  storeTimeoutMs?: number
  /** Per holder, from when the request is sent (default 15 s). */
  fetchTimeoutMs?: number
  /**
   * A whole read, from its start (default 30 s, or twice `fetchTimeoutMs` if that is longer): then requests still
   * out are cancelled and the objects not rebuilt yet fail with ReadDeadlineError.
   */
  readDeadlineMs?: number
  /**
   * Bytes of objects one read may rebuild (default 256 MiB): each holder may make it keep a k-th of that in
   * shards; objects whose shards came past a holder's share fail with ReadBudgetExceededError.
   */
  maxReadBytes?: number
  /** Next-closest nodes a store moves a failing holder's shard to (default DEFAULT_SPARE_HOLDERS). */
  spareHolders?: number
  /**
   * Next-closest nodes a read may ask in place of failing or empty holders (default: k + m of the namespace's stripe,
   * DEFAULT_READ_SPARE_HOLDERS for 10+5).
   */
  readSpareHolders?: number
  /**
   * Reads ask the holders this node is connected to first, and dial others only to make up k + READ_FIRST_WAVE_SLACK
   * (then one per failing or empty holder, and all of them after READ_WAVE_DELAY_MS). For a node within a
   * connection budget, where every holder dialled closes another connection. Default false: every holder at once.
   */
  readConnectedFirst?: boolean
  /** Connected-first reads: how long before every holder not asked yet is asked (default READ_WAVE_DELAY_MS). */
  readWaveDelayMs?: number
  /**
   * Long-tail stores: shards of one object whose STORE, still out well after k shards have receipts, is also sent
   * to the next spare node, the first receipt winning and the other request being cancelled (m, 5, is a good
   * value). Default 0, off: every shard waits for its own holder until it answers, fails or times out, so that every
   * object sits on exactly its 15 closest nodes; a hedge that wins places its shard on a spare node instead.
   */
  maxHedges?: number
  /** A request is hedged once out longer than this (default DEFAULT_HEDGE_FLOOR_MS, 2 s) and than `hedgeFactor` × the median. */
  hedgeFloorMs?: number
  /** ...and longer than this multiple of the object's median receipt time so far (default DEFAULT_HEDGE_FACTOR, 3). */
  hedgeFactor?: number
  /** Clock for `createdAt` and delete authorisations (ms since the epoch). */
  now?: () => number
}

export interface StoreOptions {
  /**
   * Content namespace (default NS_HISTORY); the placement key is derived from it and the owner, or for an inbox
   * namespace (`inboxNamespace(recipient)`) from the recipient: the object then goes into that user's inbox.
   */
  namespace?: string
  signal?: AbortSignal
  /** Told each time one more shard has a holder (for "stored 7 of 15" progress). */
  onShardPlaced?: (placed: number, total: number) => void
  /**
   * A holder refusal for which the whole store fails instead of moving the shard to the next-closest node. For
   * refusals every holder of the key gives alike (an inbox's per-sender rate limit): a shard moved past the
   * closest holders would sit where readers do not look, and the writer would wrongly believe it stored.
   */
  stopOn?: (error: Error) => boolean
  /**
   * Inbox objects: the recipient's contact pass for this owner (an encoded manifest the recipient signed for an
   * object in this owner's inbox), sent with every shard so holders admit it in the inbox's contacts lane.
   */
  inboxPass?: Uint8Array
}

export interface StoreResult {
  objectId: ObjectId
  createdAt: number
  /** Holder of shard i at index i. */
  holders: string[]
  /** Receipt for shard i at index i; verify with `verifyStoreReceipt` and the holder's public key. */
  receipts: StoreReceipt[]
  /** Fewer than k + m distinct nodes hold the shards, so losing one node loses more than one shard. */
  reducedRedundancy: boolean
  /** Holders that failed along the way, whose shards went to the next-closest nodes. */
  failures: ShardPlacementFailure[]
}

export interface FetchOptions {
  /** Content namespace (default NS_HISTORY); an inbox namespace, or NS_INBOX with the recipient as owner, reads an inbox. */
  namespace?: string
  signal?: AbortSignal
  /** This read's deadline instead of the store's `readDeadlineMs`. */
  deadlineMs?: number
}

export interface FetchResult {
  /** Sorted by manifest createdAt, then objectId. */
  objects: RetrievedObject[]
  /**
   * Objects seen but not rebuilt (too few shards, shards that contradict each other or the signed manifest, the
   * read's deadline or byte budget reached); same order.
   */
  failed: FailedObject[]
  stats: GatherStats
}

/** Pause before asking a still-connected holder again after a failed STORE (lets a replaced connection settle). */
const STORE_ASK_AGAIN_AFTER_MS = 250

export class ObjectStore {
  private readonly deps: ObjectStoreDeps
  private readonly k: number
  private readonly m: number
  private readonly storeTimeoutMs: number
  private readonly fetchTimeoutMs: number
  private readonly readDeadlineMs: number
  private readonly maxReadBytes: number
  private readonly spareHolders: number
  private readonly readSpareHolders: number | undefined
  private readonly longTail: Omit<LongTailSettings, 'after'>
  private readonly now: () => number
  /** Stores `withSigner` made, one per identity. */
  private readonly signers = new Map<string, ObjectStore>()

  constructor (deps: ObjectStoreDeps) {
    this.deps = deps
    this.k = deps.k ?? DEFAULT_DATA_SHARDS
    this.m = deps.m ?? DEFAULT_PARITY_SHARDS
    this.storeTimeoutMs = deps.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS
    this.fetchTimeoutMs = deps.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
    this.readDeadlineMs = deps.readDeadlineMs ?? Math.max(DEFAULT_READ_DEADLINE_MS, 2 * this.fetchTimeoutMs)
    this.maxReadBytes = deps.maxReadBytes ?? DEFAULT_MAX_READ_BYTES
    this.spareHolders = deps.spareHolders ?? DEFAULT_SPARE_HOLDERS
    this.readSpareHolders = deps.readSpareHolders
    this.longTail = { maxHedges: deps.maxHedges ?? DEFAULT_MAX_HEDGES, floorMs: deps.hedgeFloorMs ?? DEFAULT_HEDGE_FLOOR_MS, factor: deps.hedgeFactor ?? DEFAULT_HEDGE_FACTOR }
    checkLongTailSettings({ ...this.longTail, after: this.k })
    this.now = deps.now ?? Date.now
  }

  /** The stripe objects of `namespace` are written with, and their reads ask k + m holders of. */
  stripeOf (namespace: string): Stripe {
    return stripeOfNamespace(namespace, this.deps.namespaceStripes ?? [], { k: this.k, m: this.m })
  }

  /**
   * The `count` nodes first in placement order for an object of `stripe` under `placementKey`: its k + m holders,
   * then the spares. For a stripe placed by class, the closest operator nodes and the closest tabs are selected apart,
   * each class its places and the spares, and merged; a class that runs short is made up by more of the other.
   */
  private async holdersFor (placementKey: Uint8Array, stripe: Stripe, count: number, fresh = false): Promise<string[]> {
    const operators = operatorHoldersOf(stripe, this.deps.operatorHolders)
    if (operators === 0) return await this.deps.holders.select(placementKey, count, fresh ? { fresh } : undefined)
    const total = stripe.k + stripe.m
    const of = async (nodeClass: 'operator' | 'tab', wanted: number): Promise<string[]> =>
      wanted <= 0 ? [] : await this.deps.holders.select(placementKey, wanted, { nodeClass, ...(fresh ? { fresh } : {}) })
    const opPlaces = Math.min(operators, total)
    let [ops, tabs] = await Promise.all([of('operator', count - (total - opPlaces)), of('tab', count - opPlaces)])
    // Asking a class for more than it has would repeat a short answer's lookup on every store; only a class that ran
    // short makes the other class fill its places.
    if (ops.length < opPlaces) tabs = await of('tab', count - ops.length)
    else if (tabs.length < total - opPlaces) ops = await of('operator', count - tabs.length)
    return placementOrder(placementKey, [...ops, ...tabs], total, operators).slice(0, count)
  }

  /** Nodes a read of a stripe asks beyond its k + m holders, one for each that fails or answers empty. */
  private readSparesOf (stripe: Stripe): number {
    return this.readSpareHolders ?? stripe.k + stripe.m
  }

  /** The owner address whose objects this store writes. */
  get owner (): string {
    return this.deps.wallet.address
  }

  /**
   * The same store (holders, exchange, limits) writing and deleting as `wallet`: for objects a user keeps under a
   * second identity of its own (the chat history's pseudonymous owner). One store per identity: asked again, the same one.
   */
  withSigner (wallet: Signer): ObjectStore {
    if (wallet.address === this.owner) return this
    let store = this.signers.get(wallet.address)
    if (store === undefined) {
      store = new ObjectStore({ ...this.deps, wallet })
      this.signers.set(wallet.address, store)
    }
    return store
  }

  /**
   * Erasure-codes `bytes` (already encrypted) into k + m shards (the namespace's stripe, `stripeOf`), signs its
   * manifest and places shard i on the i-th closest storage node (i-th in placement order for a stripe placed by
   * class), all in parallel. A failing holder's shard goes to the next-closest node that holds
   * none of this object yet, found by a fresh lookup; only when no such node is left are shards doubled up on
   * nodes that hold one already, and `reducedRedundancy` is set. Succeeds only when every shard is placed somewhere.
   * One slow holder does not hold the store: once k shards have receipts, a shard whose request is still out well
   * past the others (`hedgeFloorMs`, `hedgeFactor`) also goes to the next spare node, and the first receipt wins
   * (`maxHedges` shards per object at most; 0 turns this off).
   * @throws {StoreFailedError} naming how many shards were placed
   */
  async storeObject (bytes: Uint8Array, options: StoreOptions = {}): Promise<StoreResult> {
    const { namespace = NS_HISTORY, signal, onShardPlaced, stopOn, inboxPass } = options
    const stripe = this.stripeOf(namespace)
    const { k, m } = stripe
    const total = k + m
    const placementKey = placementKeyOf(namespace, this.owner)
    const closest = unique(await this.holdersFor(placementKey, stripe, total)).slice(0, total)
    signal?.throwIfAborted()
    if (closest.length === 0) throw new StoreFailedError(0, total, 'no storage node is known yet; wait until this node has joined the mesh')

    const encoded = await encode(bytes, k, m)
    const createdAt = Math.floor(this.now())
    const { manifest, objectId, shardProofs } = buildManifest(this.deps.wallet, {
      namespace, placementKey, k, m, originalLength: encoded.originalLength, shards: encoded.shards, createdAt,
      version: this.deps.manifestVersion ?? MANIFEST_VERSION
    })
    const manifestBytes = encodeSignedManifest(manifest)
    const shardOf = (index: number, sole: boolean) => ({ manifest, manifestBytes, shardIndex: index, shard: encoded.shards[index], shardProof: shardProofs[index], sole, ...(inboxPass !== undefined ? { inboxPass } : {}) })
    const placement = new Placement(closest, async () => await this.holdersFor(placementKey, stripe, total + this.spareHolders, true))
    let placedCount = 0
    const placedOne = (): void => { onShardPlaced?.(++placedCount, total) }
    let stopped = false
    // A second shard of the object for a node that holds one already (`sole` false: a holder asked for a sole
    // shard, as in hedgedPut below, refuses to take two).
    const putAnother = async (holder: string, index: number): Promise<StoreReceipt> => {
      const receipt = await this.deps.exchange.store(holder, shardOf(index, false), { signal, timeoutMs: this.storeTimeoutMs })
      placedOne()
      return receipt
    }
    const longTail = new LongTail({ ...this.longTail, after: k })
    /**
     * Shard `index` to `holder`, hedged: if the request is still out when `longTail` says it is due, the shard goes
     * to the next spare node too, and the first receipt wins; the other request is cancelled. Rejects with the
     * holder's error once every request sent failed (the hedge's failure, if any, is recorded in `failures`).
     *
     * A request that lost the race may still have stored its copy (the holder wrote it before the cancel arrived).
     * It is kept, not deleted: the result names one holder per shard (the winner), and the copy is harmless. Both
     * nodes are among the closest k + m + spareHolders, which the owner's `deleteObject` asks, and the repairers
     * drop a copy of an index that another expected holder keeps (src/repair/plan.ts `drops`), deleting it from
     * their own store. An owner-signed DELETE (`forget`) would be worse than the copy: it removes the whole object
     * from that node and leaves a tombstone, which that node's repairer passes on to every node still holding
     * shards of the object, so the object would be deleted everywhere.
     */
    const hedgedPut = async (holder: string, index: number): Promise<StoreReceipt> => await new Promise((resolve, reject) => {
      let settled = false
      let out = 0
      let holderError: unknown
      const requests: AbortController[] = []
      const settle = (winner?: AbortController): void => {
        settled = true
        stopWatching()
        for (const request of requests) if (request !== winner) request.abort(new Error(`shard ${index} was stored elsewhere first`))
      }
      const send = (to: string, hedge: boolean): void => {
        const request = new AbortController()
        requests.push(request)
        out++
        const sentAt = longTail.now()
        this.deps.exchange.store(to, shardOf(index, true), {
          signal: signal === undefined ? request.signal : AbortSignal.any([signal, request.signal]),
          timeoutMs: this.storeTimeoutMs
        }).then(receipt => {
          out--
          if (settled) return // lost the race; its copy is kept (above)
          settle(request)
          // The holder failed while its hedge was out: the shard went to the spare, as after any failure.
          if (holderError !== undefined) placement.failed(index, holder, holderError)
          longTail.receipt(longTail.now() - sentAt)
          placedOne()
          resolve(receipt)
        }, (error: unknown) => {
          out--
          if (settled) return
          if (hedge) placement.failed(index, to, error)
          else holderError = error
          if (signal?.aborted === true) {
            settle()
            reject(signal.reason)
          } else if (out === 0) {
            settle()
            reject(holderError)
          }
        })
      }
      const stopWatching = longTail.watch(index, () => {
        void placement.nextSpare().then(spare => {
          if (spare !== undefined && !settled && !stopped) send(spare, true)
        })
      })
      send(holder, false)
    })

    // Shard i to the i-th closest; a failure passes the shard on to the next spare node. A short answer (fewer
    // nodes than shards) can be a passing view of a larger mesh: the shards past it go to spare nodes a fresh
    // lookup finds, and double up on a node (below) only when there is none. Each node here holds one shard.
    try {
      await Promise.all(encoded.shards.map(async (_, index) => {
        let holder: string | undefined = index < closest.length ? closest[index] : await placement.nextSpare()
        let askedAgain = false
        while (holder !== undefined) {
          // A holder this node was connected to when it asked: a failure is more likely the connection than the node.
          const connectedBefore = askedAgain || this.deps.exchange.connected(holder)
          try {
            placement.placed(index, await hedgedPut(holder, index))
            return
          } catch (error) {
            signal?.throwIfAborted()
            // The request failed on a holder that was connected (a connection replaced, reset or dropped
            // mid-request): ask it once more, dialling again if need be, before its shard goes to a node further
            // away. A holder that really went away costs one more dial.
            if (!askedAgain && error instanceof ChunkPeerUnreachableError && (connectedBefore || this.deps.exchange.connected(holder))) {
              askedAgain = true
              await new Promise(resolve => setTimeout(resolve, STORE_ASK_AGAIN_AFTER_MS))
              signal?.throwIfAborted()
              continue
            }
            askedAgain = false
            placement.failed(index, holder, error)
            if (stopped || (stopOn !== undefined && error instanceof Error && stopOn(error))) {
              stopped = true
              return
            }
            holder = await placement.nextSpare()
          }
        }
      }))
    } finally {
      longTail.close()
    }
    // No distinct node left: double up on holders that took a shard and never failed, least loaded first, the
    // shards in parallel, each starting at its own place in that order so that they spread.
    const unplaced = stopped ? [] : placement.unplaced(total)
    const fallback = placement.fallbackHolders()
    await Promise.all(unplaced.map(async (index, i) => {
      for (let tried = 0; tried < fallback.length; tried++) {
        const holder = fallback[(i + tried) % fallback.length]
        if (placement.hasFailed(holder)) continue
        try {
          placement.placed(index, await putAnother(holder, index))
          return
        } catch (error) {
          signal?.throwIfAborted()
          placement.failed(index, holder, error)
        }
      }
    }))

    const placed = placement.receipts.filter(receipt => receipt !== undefined).length
    if (placed < total) {
      await this.forget(objectId, placement.receipts.flatMap(receipt => receipt === undefined ? [] : [receipt.holder]), undefined, true)
      const first = placement.failures[0]?.error
      throw new StoreFailedError(placed, total, `${placement.failures.length} placement attempts failed on ` +
        `${new Set(placement.failures.map(failure => failure.holder)).size} nodes and no other node was left to try ` +
        `(first: ${first?.name}: ${first?.message}); nothing was kept: retry when more storage nodes are online`, placement.failures)
    }
    const holders = placement.receipts.map(receipt => receipt!.holder as string)
    return {
      objectId,
      createdAt,
      holders,
      receipts: placement.receipts as StoreReceipt[],
      reducedRedundancy: new Set(holders).size < total,
      failures: placement.failures
    }
  }

  /**
   * Retrieves every object of `owner` (default: this store's own) under the namespace's placement key: asks the
   * k + m closest holders and this node's store in parallel (a holder that fails or sends no verified shard is
   * replaced by the next-closest node, up to k + m of them: DEFAULT_READ_SPARE_HOLDERS for 10+5), decodes each object from its
   * first k verified shards, and stops waiting once every object seen is decoded and at least k holders have sent
   * verified shards (an owner with no objects: once every holder and spare has answered); otherwise once every
   * holder has answered, failed or timed out, or the read's deadline passed. Objects short of shards come back in
   * `failed`. What hostile holders can make a read keep or check is bounded per holder: by the chunk client's
   * FETCH limits (pages, bytes, manifests checked), and by a k-th of `maxReadBytes` of shards kept.
   * @throws {NoHoldersReachableError} when no remote holder answered and this node holds nothing for the key
   */
  async fetchObjects (owner: string = this.owner, options: FetchOptions = {}): Promise<FetchResult> {
    const { namespace = NS_HISTORY, signal } = options
    const started = Date.now()
    const placementKey = placementKeyOf(namespace, owner)
    const stripe = this.stripeOf(namespace)
    const total = stripe.k + stripe.m
    const holders = unique(await this.holdersFor(placementKey, stripe, total)).slice(0, total)
    const answeredEnough = Math.min(stripe.k, holders.length)
    const { collector, stats, remoteAnswered, ending } = await collectShards({
      ...this.gatherBase(stripe, holders, signal, started, options.deadlineMs),
      target: placementKey,
      spares: async () => await this.holdersFor(placementKey, stripe, total + this.readSparesOf(stripe), true),
      enough: (shards, supplied) => supplied >= answeredEnough && shards.allRebuildable()
    })
    const remoteHolders = holders.filter(holder => holder !== this.deps.exchange.selfId).length
    if (remoteAnswered === 0 && stats.localShards === 0 && (remoteHolders > 0 || holders.length === 0)) {
      throw new NoHoldersReachableError(remoteHolders, `${stats.offline} offline, ${stats.refused} refused` +
        (ending.deadlineMs === undefined ? '' : `, ${stats.cancelled} not done within the read's ${ending.deadlineMs} ms deadline`))
    }
    return { ...(await collector.results(stats, ending)), stats }
  }

  /**
   * Retrieves one object of `owner` (default: own) by its ID, returning as soon as k verified shards are in.
   * @throws {NotEnoughShardsError} | {ObjectNotFoundError} | {NoHoldersReachableError} | {ReadDeadlineError} |
   *   {InconsistentObjectError}
   */
  async fetchObject (objectId: ObjectId, options: FetchOptions & { owner?: string } = {}): Promise<RetrievedObject> {
    const { namespace = NS_HISTORY, signal, owner = this.owner } = options
    const started = Date.now()
    const placementKey = placementKeyOf(namespace, owner)
    const stripe = this.stripeOf(namespace)
    const total = stripe.k + stripe.m
    const holders = unique(await this.holdersFor(placementKey, stripe, total))
    const { collector, stats, remoteAnswered, ending } = await collectShards({
      ...this.gatherBase(stripe, holders, signal, started, options.deadlineMs),
      target: { objectId },
      spares: async () => await this.holdersFor(placementKey, stripe, total + this.readSparesOf(stripe), true),
      enough: shards => shards.rebuildable(objectId)
    })
    const { objects, failed } = await collector.results(stats, ending)
    const object = objects.find(candidate => candidate.objectId === objectId)
    if (object !== undefined) return object
    const failure = failed.find(candidate => candidate.objectId === objectId)
    if (failure !== undefined) throw failure.error
    if (ending.deadlineMs !== undefined) throw new ReadDeadlineError(ending.deadlineMs, 0, stripe.k)
    if (remoteAnswered === 0 && stats.localShards === 0) {
      throw new NoHoldersReachableError(holders.filter(holder => holder !== this.deps.exchange.selfId).length, `${stats.offline} offline, ${stats.refused} refused`)
    }
    throw new ObjectNotFoundError(`none of the ${stats.answered} holders that answered has a shard of object ${objectId}`)
  }

  /**
   * Asks the closest nodes (with spares) and this node's store to delete an object's shards, signed by the
   * owner's wallet. Best effort: unreachable holders keep theirs. Returns how many shards were deleted.
   * For an object in this owner's inbox, pass `namespace: inboxNamespace(owner)` (or NS_INBOX).
   */
  async deleteObject (objectId: ObjectId, options: FetchOptions = {}): Promise<number> {
    const { namespace = NS_HISTORY, signal } = options
    const stripe = this.stripeOf(namespace)
    const total = stripe.k + stripe.m
    const holders = unique(await this.holdersFor(placementKeyOf(namespace, this.owner), stripe, total + this.spareHolders))
    return await this.forget(objectId, holders, signal)
  }

  /** What every read's gather shares; its deadline counts from `started` (holder selection included). */
  private gatherBase (stripe: Stripe, holders: string[], signal: AbortSignal | undefined, started: number, deadlineMs = this.readDeadlineMs) {
    return {
      exchange: this.deps.exchange,
      holders,
      timeoutMs: this.fetchTimeoutMs,
      signal,
      deadline: { ms: deadlineMs, startedAt: started },
      maxKeptBytesPerHolder: Math.ceil(this.maxReadBytes / stripe.k),
      connectedFirst: this.deps.readConnectedFirst === true
        ? { connected: (holder: string) => this.deps.exchange.connected(holder), firstWave: stripe.k + READ_FIRST_WAVE_SLACK, waveDelayMs: this.deps.readWaveDelayMs ?? READ_WAVE_DELAY_MS }
        : undefined
    }
  }

  /**
   * Deletes the object's shards on `holders` and in this node's store; returns the count, never throws.
   * `undoingStore`: cleaning up after this owner's own failed store, so its own shards go from this node's store
   * even where holders would refuse its DELETE (in someone else's inbox).
   */
  private async forget (objectId: ObjectId, holders: readonly string[], signal?: AbortSignal, undoingStore = false): Promise<number> {
    const counts = await Promise.all(unique(holders).map(async holder => {
      if (holder === this.deps.exchange.selfId) return 0
      try {
        return await this.deps.exchange.delete(holder, this.deps.wallet, objectId, { signal, timeoutMs: this.storeTimeoutMs, now: this.now })
      } catch {
        // Best effort by design: an unreachable holder, or one without the shards (RemoteNotFoundError), counts 0.
        return 0
      }
    }))
    let local = 0
    try {
      const own = await this.deps.selfStore.listObjectShards(objectId)
      const mayDelete = (record: ShardRecord): boolean => (undoingStore && record.owner === this.owner) ||
        deleteAuthorityOf(decodeSignedManifest(record.manifest)) === this.owner
      if (own.length > 0 && own.every(mayDelete)) {
        local = await this.deps.selfStore.delete(objectId)
      }
    } catch {}
    return counts.reduce((sum, n) => sum + n, local)
  }
}

/** Bookkeeping of one object's placement: who holds which shard, who failed, which spare nodes are left. */
class Placement {
  readonly receipts: Array<StoreReceipt | undefined> = []
  readonly failures: ShardPlacementFailure[] = []
  /** Every node given (or offered) a shard of this object, so no spare gets two. */
  private readonly used: Set<string>
  private readonly failedHolders = new Set<string>()
  private readonly ranking: string[]
  private spares: Promise<string[]> | undefined
  private readonly findSpares: () => Promise<string[]>

  constructor (closest: string[], findSpares: () => Promise<string[]>) {
    this.ranking = [...closest]
    this.used = new Set(closest)
    this.findSpares = findSpares
  }

  placed (index: number, receipt: StoreReceipt): void {
    this.receipts[index] = receipt
  }

  failed (index: number, holder: string, error: unknown): void {
    this.failures.push({ shardIndex: index, holder, error: error instanceof Error ? error : new Error(String(error)) })
    this.failedHolders.add(holder)
  }

  /** The closest node not yet given a shard of this object, or undefined when none is left. */
  async nextSpare (): Promise<string | undefined> {
    this.spares ??= this.findSpares().then(unique, () => [])
    for (const candidate of await this.spares) {
      if (this.used.has(candidate)) continue
      this.used.add(candidate)
      this.ranking.push(candidate)
      return candidate
    }
    return undefined
  }

  hasFailed (holder: string): boolean {
    return this.failedHolders.has(holder)
  }

  unplaced (total: number): number[] {
    return Array.from({ length: total }, (_, index) => index).filter(index => this.receipts[index] === undefined)
  }

  /** Nodes holding a shard that have not failed, fewest shards first, then nearest first. */
  fallbackHolders (): string[] {
    const load = new Map<string, number>()
    for (const receipt of this.receipts) if (receipt !== undefined) load.set(receipt.holder, (load.get(receipt.holder) ?? 0) + 1)
    return [...load.keys()]
      .filter(holder => !this.failedHolders.has(holder))
      .sort((a, b) => (load.get(a)! - load.get(b)!) || (this.ranking.indexOf(a) - this.ranking.indexOf(b)))
  }
}

function unique (ids: readonly string[]): string[] {
  return [...new Set(ids)]
}
