/**
 * "Who holds key K": the `count` live storage nodes closest to a key, the set every placement decision rests on.
 * Store, fetch and repair all ask this one selector, so they rank the same candidates with the same rules.
 *
 * Stock `getClosestPeers` is not an exact top-k in a small, busy mesh (it counts only peers that answered in
 * time). So: run the iterative DHT lookup with a deadline, merge every peer it heard of with the peers this node
 * already knows (routing table, open connections, known storage nodes, itself), rank them all by XOR distance,
 * then walk the ranking and keep the first `count` that are live storage nodes. A peer is live when it has an
 * open connection or answers a dial in time; a storage node is one that serves STORAGE_NODE_PROTOCOL. Peers the
 * health checks declared dead, relays and non-storage peers are never candidates.
 *
 * A caller that asks often and cheaply (repair surveys its keys every few seconds) asks `localOnly`: the same
 * candidates and rules without the lookup and without dials, i.e. the storage nodes this node already knows.
 * With the mesh small enough that every node holds connections to all storage nodes, both answers are exact and
 * equal; beyond that the lookup converges on the true closest set, and every storage node it finds joins the
 * known set the local answers rank.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { EventTypes } from '@libp2p/kad-dht'
import { kadIdOf, kadIdOfKey, meetsNodeIdWork, nodeClassOf, rankByDistance, type NodeClass } from '../placement/index.ts'
import { STORAGE_NODE_PROTOCOL } from '../wire/index.ts'
import { cachedClosest, DEFAULT_CLOSEST_CACHE_MS, type CachedClosestLookup } from './closest-cache.ts'
import { isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import { isIdentified, type PeerKeeper } from './peer-keeper.ts'
import { routingTablePeers } from './routing-table.ts'
import { askClosest, type ClosestPeerAnswer } from './closest-protocol.ts'
import type { Connection, Logger, PeerId } from '@libp2p/interface'

/** Connected storage nodes a node with a connection budget asks at once for a key's closest (`askConnected`): a wave. */
const ASK_CONNECTED = 3
/** Waves of asks at most (`askConnected`): ASK_CONNECTED × ASK_WAVES connected storage nodes. */
const ASK_WAVES = 3
/**
 * The next wave of asks goes out when nobody asked has answered this long after the last wave (at most a quarter of
 * the lookup's deadline), or at once when every ask out has failed. A busy node must not hold a lookup to its
 * deadline while other connected nodes are idle: a tab with a budget of 16 among 60 headless nodes on a loaded
 * machine got no answer from its first three asked nodes within 8 s in about one lookup of ten, and fell back to the
 * storage nodes it knew itself (up to 8 of 15 wrong); the next ones it was connected to answered in a second.
 */
export const ASK_HEDGE_MS = 1_500

/** An ask of a later wave that never went out: somebody answered first, or the lookup ended. */
export class NotAskedError extends Error {
  constructor () {
    super('not asked: another asked node answered first, or the lookup ended')
    this.name = 'NotAskedError'
  }
}

/**
 * When each wave of asks may go out (`askInWaves`): wave 0 at once, wave w once w × `hedgeMs` passed or every ask
 * out failed, none once an ask was answered.
 */
class AskWaves {
  private opened = 0
  private out = 0
  private answeredOnce = false
  private readonly waiting = new Set<{ wave: number, resolve: () => void, reject: (error: Error) => void }>()
  private readonly timers: Array<ReturnType<typeof setTimeout>> = []

  constructor (waves: number, hedgeMs: number) {
    for (let wave = 1; wave < waves; wave++) this.timers.push(setTimeout(() => { this.openUpTo(wave) }, wave * hedgeMs))
  }

  /** Resolves when `wave` may go out; rejects with NotAskedError once an ask was answered or `signal` aborts. */
  async gate (wave: number, signal: AbortSignal): Promise<void> {
    if (this.answeredOnce || signal.aborted) throw new NotAskedError()
    if (wave <= this.opened) return
    await new Promise<void>((resolve, reject) => {
      const entry = { wave, resolve, reject }
      this.waiting.add(entry)
      signal.addEventListener('abort', () => { this.waiting.delete(entry); reject(new NotAskedError()) }, { once: true })
    })
  }

  started (): void { this.out++ }

  failed (): void {
    this.out--
    if (this.out === 0 && !this.answeredOnce) this.openUpTo(this.opened + 1)
  }

  answered (): void {
    this.out--
    this.answeredOnce = true
    for (const entry of this.waiting) entry.reject(new NotAskedError())
    this.waiting.clear()
    this.stop()
  }

  stop (): void {
    for (const timer of this.timers) clearTimeout(timer)
  }

  private openUpTo (wave: number): void {
    if (this.answeredOnce || wave <= this.opened) return
    this.opened = wave
    for (const entry of this.waiting) {
      if (entry.wave <= wave) {
        this.waiting.delete(entry)
        entry.resolve()
      }
    }
  }
}

/**
 * Asks `ids` in waves of `perWave` (see AskWaves), and settles like `firstAnswers` over all of them: an ask of a wave
 * that never went out is rejected with NotAskedError.
 */
export async function askInWaves<T> (
  ids: string[],
  ask: (id: string, stop: AbortSignal) => Promise<T>,
  options: { perWave: number, hedgeMs: number, signal: AbortSignal }
): Promise<Array<PromiseSettledResult<T>>> {
  const waves = new AskWaves(Math.ceil(ids.length / options.perWave), options.hedgeMs)
  try {
    return await firstAnswers(ids.map((id, i) => async (stop: AbortSignal) => {
      const signal = AbortSignal.any([stop, options.signal])
      await waves.gate(Math.floor(i / options.perWave), signal)
      waves.started()
      let value: T
      try {
        value = await ask(id, signal)
      } catch (error) {
        waves.failed()
        throw error
      }
      waves.answered()
      return value
    }))
  } finally {
    waves.stop()
  }
}

/**
 * Once one asked node answered, the others get this many times as long as it took (at least ASK_STRAGGLER_MIN_MS):
 * a node busy elsewhere must not hold every lookup to the whole deadline (a tab among 60 headless nodes on a loaded
 * machine waited out 8 s per lookup for one asked node while the others had answered in a fraction of that).
 */
export const ASK_STRAGGLER_FACTOR = 3
export const ASK_STRAGGLER_MIN_MS = 1_000

/**
 * Runs `asks` at once and settles like `Promise.allSettled`, except that once the first has answered, those still out
 * after max(ASK_STRAGGLER_MIN_MS, ASK_STRAGGLER_FACTOR × its time) are stopped (their signal aborts) and count as
 * failed.
 */
export async function firstAnswers<T> (asks: Array<(stop: AbortSignal) => Promise<T>>, now: () => number = Date.now): Promise<Array<PromiseSettledResult<T>>> {
  const stop = new AbortController()
  const started = now()
  let timer: ReturnType<typeof setTimeout> | undefined
  const results = asks.map(async ask => {
    const value = await ask(stop.signal)
    if (timer === undefined && !stop.signal.aborted) {
      const allowance = Math.max(ASK_STRAGGLER_MIN_MS, ASK_STRAGGLER_FACTOR * (now() - started))
      timer = setTimeout(() => { stop.abort(new Error(`no answer within ${allowance} ms, when another asked node had answered`)) }, allowance)
    }
    return value
  })
  try {
    return await Promise.allSettled(results)
  } finally {
    clearTimeout(timer)
  }
}

/** How long a selector waits for the identify libp2p runs on a new connection before running it itself. */
const IDENTIFY_WAIT_MS = 2_000

export interface SelectOptions {
  /** A holder just failed: look up afresh instead of reusing a recent answer (and keep the new one). */
  fresh?: boolean
  /** Only the storage nodes this node knows now: no DHT lookup, no dial. */
  localOnly?: boolean
  signal?: AbortSignal
  /** Told when each step of a network answer finishes, for startup traces (only with `signal`). */
  onStep?: (step: LookupStep) => void
  /**
   * Only storage nodes of this class (`nodeClassOf`, read from the peer ID): placement by class asks for the closest
   * operator nodes and the closest tabs apart. Such an answer comes from this node's own view and the DHT, never
   * from connected nodes' closest-peers answers (they rank every class together).
   */
  nodeClass?: NodeClass
}

/**
 * A step of a network answer: the first DHT answer (the node's DHT is bootstrapped: it has heard of peers near the
 * key), the end of the lookup, and the liveness checks of the candidates.
 */
export interface LookupStep { kind: 'first-answer' | 'lookup' | 'checked', text: string }

export interface HolderSelector {
  /** Peer IDs of the `count` live storage nodes closest to `key`, nearest first, this node included where it ranks. */
  select(key: Uint8Array, count: number, options?: SelectOptions): Promise<string[]>
}

export interface HolderSelectorOptions {
  lookupTimeoutMs: number
  dialTimeoutMs: number
  /** Does this node itself store shards? (tabs and headless storage nodes do; the relay does not) */
  selfIsStorage: boolean
  /**
   * A storage node that cannot be reached now but was alive this recently still counts: nodes must not
   * drop a peer on one failed dial (while the relay, the only WebRTC signalling path, is down, nobody can
   * dial anybody new), and all nodes apply the same grace, so they agree on who is dead.
   */
  livenessGraceMs: number
  /** Peers the health checks marked dead: left out of every answer until they are seen alive again. */
  isDead?: (peerId: string) => boolean
  /**
   * Node-ID work a peer ID must carry to be a candidate (`nodeIdWorkBits`, `src/placement/node-id-work.ts`): IDs
   * generated for free next to a key never hold it, whoever names them (a DHT answer, a closest-peers answer, an
   * operator's directory).
   */
  nodeIdWorkBits?: number
  /** How long a network answer for a key is reused (a burst of stores under one key does one lookup). */
  cacheMs?: number
  /**
   * A node with a connection budget: while it knows more storage nodes than its budget lets it keep connected
   * (the keeper's `target`), network answers ask the storage nodes it is connected to (operator nodes first) over
   * the closest-peers protocol, instead of a DHT lookup and liveness dials that would each open a connection; so does
   * a node that knows fewer storage nodes than an answer needs. The DHT lookup remains the way in a mesh small enough
   * to keep connected, and when no connected storage node answers.
   */
  askConnected?: boolean
  /**
   * Storage nodes that connected operator nodes vouch for (the backbone directory): tabs with a budget that hold a
   * connection to another operator. They are candidates like the storage nodes this node met, and live while vouched.
   */
  vouched?: { has: (peerId: string) => boolean, peers: () => Iterable<string> }
  /** How a budgeted node asks a connected storage node for the closest to a key (default: the closest-peers protocol). */
  ask?: (peerId: PeerId, key: Uint8Array, count: number, signal: AbortSignal) => Promise<ClosestPeerAnswer[]>
  now?: () => number
}

/** Storage nodes remembered as named by a closest-peers answer (`MeshHolderSelector.named`); the oldest go first. */
const MAX_NAMED = 4_096

export class MeshHolderSelector implements HolderSelector {
  private readonly libp2p: MeshLibp2p
  private readonly keeper: PeerKeeper
  private readonly options: HolderSelectorOptions
  private readonly cached: CachedClosestLookup
  /** Recent answers for one class of storage node (`SelectOptions.nodeClass`). */
  private readonly cachedByClass: Record<NodeClass, CachedClosestLookup>
  private readonly log: Logger
  /**
   * When a connected storage node's answer last named each storage node (a budgeted node's asks): the answering node
   * knew it as live then. Within the liveness grace it counts as live when no connected node answers (`knownLive`).
   * Before, that fallback knew only the storage nodes this node had itself been connected to lately, and a tab with a
   * budget of 16 among 60 headless nodes answered up to 8 of 15 wrong by it.
   */
  private readonly named = new Map<string, number>()

  constructor (libp2p: MeshLibp2p, keeper: PeerKeeper, options: HolderSelectorOptions) {
    this.libp2p = libp2p
    this.keeper = keeper
    this.options = options
    this.log = libp2p.logger.forComponent('zentalk:holder-selector')
    this.cached = cachedClosest(async (key, count) => await this.find(key, count), options.cacheMs ?? DEFAULT_CLOSEST_CACHE_MS, options.now)
    const ofClass = (only: NodeClass): CachedClosestLookup =>
      cachedClosest(async (key, count) => await this.find(key, count, undefined, undefined, only), options.cacheMs ?? DEFAULT_CLOSEST_CACHE_MS, options.now)
    this.cachedByClass = { operator: ofClass('operator'), tab: ofClass('tab') }
  }

  async select (key: Uint8Array, count: number, options: SelectOptions = {}): Promise<string[]> {
    const only = options.nodeClass
    if (options.localOnly === true) return this.known(key, count, only)
    if (options.signal !== undefined) return await this.find(key, count, options.signal, options.onStep, only)
    return await (only === undefined ? this.cached : this.cachedByClass[only])(key, count, { fresh: options.fresh })
  }

  /** The network answer: the DHT lookup merged with the known peers, each checked live (of class `only`, if given). */
  private async find (key: Uint8Array, count: number, signal?: AbortSignal, onStep?: (step: LookupStep) => void, only?: NodeClass): Promise<string[]> {
    // Also when it knows fewer storage nodes than it is asked for: a tab that has met only its neighbourhood and two
    // operators (its budget's worth) cannot rank the mesh, and a DHT lookup does not show it the tabs elsewhere
    // (operator nodes leave budgeted tabs out of their DHT answers). In a simulated mesh of 100 nodes such a tab
    // answered 11 of 15 right by the DHT; asked again once it knew more, by its operators, 15.
    const knowsTooFew = this.keeper.storagePeers.size < count
    const knowsMoreThanItKeeps = this.keeper.storagePeers.size > this.keeper.target
    if (only === undefined && this.options.askConnected === true && (knowsMoreThanItKeeps || knowsTooFew)) {
      const asked = await this.askConnected(key, count, signal, onStep)
      if (asked !== undefined) return asked
      // Nobody answered in time. A node that knows more storage nodes than its budget keeps connected ranks those it
      // knows to be live instead of walking the DHT: the walk and its liveness checks dial one candidate after
      // another, each closing a connection for room (a tab with a budget of 16 among 60 headless nodes opened over
      // a hundred connections a minute that way, and lost the connections its next asks needed). Only when it knows
      // too few live ones does the walk run.
      if (!knowsTooFew) {
        const known = this.knownLive(key, count)
        if (known.length === count) {
          onStep?.({ kind: 'checked', text: `${known.length} live storage nodes known; no connected storage node answered` })
          return known
        }
      }
    }
    const self = this.libp2p.peerId.toString()
    const heard = await this.lookup(key, count, signal, onStep, only)
    onStep?.({ kind: 'lookup', text: `DHT lookup heard of ${heard.length} peers` })
    const candidates = this.candidates([...heard, ...this.knownPeers()], undefined, only)
    const ranked = rankByDistance(kadIdOfKey(key), candidates, kadIdOf).map(r => r.item)
    const chosen: string[] = []
    let next = 0
    // Check candidates in order, a batch of the still-missing size at a time, so a dead or foreign peer is
    // replaced by the next closest one without serialising every check.
    while (chosen.length < count && next < ranked.length) {
      const batch = ranked.slice(next, next + (count - chosen.length))
      next += batch.length
      const live = await Promise.all(batch.map(async id => id === self ? true : await this.isLiveStorageNode(id, signal)))
      batch.forEach((id, i) => { if (live[i]) chosen.push(id) })
    }
    onStep?.({ kind: 'checked', text: `${chosen.length} live storage nodes checked of ${next} candidates` })
    // Batches finish out of order; restore distance order.
    const rank = new Map(ranked.map((id, i) => [id, i]))
    return chosen.sort((a, b) => rank.get(a)! - rank.get(b)!).slice(0, count)
  }

  /**
   * The answer of a node with a connection budget: ASK_CONNECTED connected storage nodes (operator nodes first: they
   * hold the most connections and know the most of the mesh; then those nearest the key) are asked which live storage
   * nodes they know closest to the key, and the next ones in further waves while nobody has answered (`askInWaves`).
   * Their answers and this node's own knowledge are ranked together; a candidate counts as live when this node holds
   * a connection to it, an answer named it (the answering node knows it as a live storage node), or it was connected
   * within the liveness grace. Undefined when no connected storage node answered.
   */
  private async askConnected (key: Uint8Array, count: number, signal?: AbortSignal, onStep?: (step: LookupStep) => void): Promise<string[] | undefined> {
    const self = this.libp2p.peerId.toString()
    const connected = new Set(this.libp2p.getConnections().filter(isUsableConnection).map(c => c.remotePeer.toString()))
    const storage = [...connected].filter(id => this.keeper.storagePeers.has(id) && !this.keeper.isRelay(id) && this.options.isDead?.(id) !== true)
    if (storage.length === 0) return undefined
    const byDistance = rankByDistance(kadIdOfKey(key), storage, kadIdOf).map(r => r.item)
    const ordered = this.keeper.operatorsFirst(byDistance)
    const timeout = AbortSignal.timeout(this.options.lookupTimeoutMs)
    const deadline = signal == null ? timeout : AbortSignal.any([signal, timeout])
    const vouched = new Map<string, ClosestPeerAnswer>()
    const askers = ordered.slice(0, ASK_CONNECTED * ASK_WAVES)
    const ask = this.options.ask ?? (async (peerId, key, count, signal) => await askClosest(this.libp2p, peerId, key, count, signal))
    const answers = await askInWaves(askers, async (id, stop) => await ask(peerIdFromString(id), key, count, AbortSignal.any([deadline, stop])), {
      perWave: ASK_CONNECTED, hedgeMs: Math.min(ASK_HEDGE_MS, this.options.lookupTimeoutMs / (ASK_WAVES + 1)), signal: deadline
    })
    if (signal?.aborted === true) throw signal.reason
    let answered = 0
    let asked = 0
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 'fulfilled') {
        answered++
        asked++
        for (const peer of answer.value) vouched.set(peer.peerId, peer)
      } else if (!(answer.reason instanceof NotAskedError)) {
        asked++
        this.log('asking %s for the closest to a key failed - %s', askers[i], (answer.reason as Error)?.message ?? String(answer.reason))
      }
    }
    if (answered === 0) return undefined
    this.remember(vouched.keys())
    onStep?.({ kind: 'first-answer', text: `${answered} of ${asked} connected storage nodes answered` })
    // A storage node an answer names counts even when this node's own health checks hold it dead: the answering node
    // holds a connection to it or checked it itself, while this node, within its budget, had to dial it, and on a
    // loaded machine such dials time out. A tab with a budget of 16 among 60 headless nodes held 3 to 6 live
    // headless nodes dead that way and answered up to 6 of 15 wrong; every node's answer must agree with the mesh's.
    const ranked = rankByDistance(kadIdOfKey(key), this.candidates([...vouched.keys(), ...this.knownPeers()], vouched), kadIdOf).map(r => r.item)
    // Live: named by an answer (the answering node knows it as a live storage node), or live as this node knows it.
    const chosen = ranked.filter(id => vouched.has(id) || this.knownToBeLive(id, connected)).slice(0, count)
    // Addresses of the chosen peers this node is not connected to: a store dials them next.
    for (const id of chosen) {
      const peer = vouched.get(id)
      if (peer === undefined || connected.has(id) || id === self || peer.addrs.length === 0) continue
      void this.libp2p.peerStore.merge(peerIdFromString(id), { multiaddrs: peer.addrs }).catch(() => {})
    }
    onStep?.({ kind: 'checked', text: `${chosen.length} live storage nodes from ${answered} answers and ${connected.size} connections` })
    return chosen
  }

  /**
   * Live as far as this node knows without asking anyone: itself, connected, vouched for by a connected operator, or
   * a storage node it was connected to within the liveness grace (the rule of every answer: a node is not dropped
   * because this node closed its connection for room); with `orNamed` (no connected node answered now), also a
   * storage node an earlier answer named within the grace. While answers come in they decide instead: a node they
   * stopped naming may have left.
   */
  private knownToBeLive (id: string, connected: Set<string>, orNamed = false): boolean {
    return id === this.libp2p.peerId.toString() || connected.has(id) || this.options.vouched?.has(id) === true ||
      (this.keeper.storagePeers.has(id) && this.keeper.sinceSeen(id) < this.options.livenessGraceMs) ||
      (orNamed && this.now() - (this.named.get(id) ?? -Infinity) < this.options.livenessGraceMs)
  }

  /** Notes that an answer named `peers` just now (see `named`). */
  private remember (peers: Iterable<string>): void {
    const now = this.now()
    for (const id of peers) {
      this.named.delete(id)
      this.named.set(id, now)
    }
    for (const id of this.named.keys()) {
      if (this.named.size <= MAX_NAMED) break
      this.named.delete(id)
    }
  }

  private now (): number {
    return this.options.now?.() ?? Date.now()
  }

  /**
   * The `count` storage nodes closest to `key` among those this node knows to be live (`knownToBeLive`, named ones
   * too); no dial.
   */
  private knownLive (key: Uint8Array, count: number): string[] {
    const connected = new Set(this.libp2p.getConnections().filter(isUsableConnection).map(c => c.remotePeer.toString()))
    const ranked = rankByDistance(kadIdOfKey(key), this.candidates([...this.knownPeers(), ...this.named.keys()]), kadIdOf).map(r => r.item)
    return ranked.filter(id => this.knownToBeLive(id, connected, true)).slice(0, count)
  }

  /** The local answer: the storage nodes the peer keeper confirmed (of class `only`, if given), ranked; no lookup, no dial. */
  private known (key: Uint8Array, count: number, only?: NodeClass): string[] {
    const candidates = this.candidates([...this.keeper.storagePeers, ...this.options.vouched?.peers() ?? []], undefined, only)
    return rankByDistance(kadIdOfKey(key), candidates, kadIdOf).slice(0, count).map(r => r.item)
  }

  /**
   * `peers` and this node (when it stores), without relays, non-storage peers, peers declared dead (except those in
   * `aliveByAnswer`), peer IDs without the node-ID work, and with `only`, peers of another class.
   */
  private candidates (peers: Iterable<string>, aliveByAnswer?: { has: (peerId: string) => boolean }, only?: NodeClass): Set<string> {
    const self = this.libp2p.peerId.toString()
    const candidates = new Set<string>(peers)
    if (this.options.selfIsStorage) candidates.add(self)
    else candidates.delete(self)
    for (const id of candidates) {
      if (only !== undefined && nodeClassOf(id) !== only) {
        candidates.delete(id)
        continue
      }
      if (id === self) continue
      if (!this.mayHold(id) || (this.options.isDead?.(id) === true && aliveByAnswer?.has(id) !== true)) candidates.delete(id)
    }
    return candidates
  }

  /** Whether `id` may be a storage node at all: not a relay, not known as non-storage, with the node-ID work. */
  private mayHold (id: string): boolean {
    return !this.keeper.isRelay(id) && !this.keeper.nonStoragePeers.has(id) && meetsNodeIdWork(id, this.options.nodeIdWorkBits ?? 0)
  }

  /**
   * Every peer the DHT lookup heard of: peers that answered and the closer peers they named. The lookup stops
   * as Kademlia's does, once the `count` closest storage candidates heard of have all answered (or failed):
   * nobody closer can be learned after that. Slow peers elsewhere in the mesh are not waited for.
   */
  private async lookup (key: Uint8Array, count: number, signal?: AbortSignal, onStep?: (step: LookupStep) => void, only?: NodeClass): Promise<string[]> {
    const self = this.libp2p.peerId.toString()
    const target = kadIdOfKey(key)
    // Only peers the lookup itself heard of can block its end: a peer we know of but no DHT peer names
    // will never be queried, and is merged in afterwards anyway.
    const heard = new Set<string>()
    const settled = new Set<string>()
    const timeout = AbortSignal.timeout(this.options.lookupTimeoutMs)
    const lookupSignal = signal == null ? timeout : AbortSignal.any([signal, timeout])
    const closestSettled = (): boolean => {
      const storage = [...heard].filter(id => id !== self && this.mayHold(id))
      // Without a relay, a peer we hold no connection to cannot be asked: do not wait for the dial to fail.
      const unreachable = (id: string): boolean => !this.keeper.relayConnected() && this.keeper.sinceSeen(id) > 0
      const done = (ids: readonly string[]): boolean => ids.length > 0 && ids.every(id => settled.has(id) || unreachable(id))
      const top = rankByDistance(target, storage, kadIdOf).slice(0, count).map(r => r.item)
      if (only === undefined) return done(top)
      // One class: its `count` closest heard have answered, or every class's `count` closest have (the walk reached the
      // key; class members heard of but not asked are candidates all the same). Waiting for the class alone, a rare
      // class, or one whose nodes the walk never asks, kept a first answer to the lookup's deadline.
      const ofClass = rankByDistance(target, storage.filter(id => nodeClassOf(id) === only), kadIdOf).slice(0, count).map(r => r.item)
      return (ofClass.length >= count && done(ofClass)) || done(top)
    }
    try {
      for await (const event of this.libp2p.services.dht.getClosestPeers(key, { signal: lookupSignal })) {
        if (event.type === EventTypes.FINAL_PEER) heard.add(event.peer.id.toString())
        else if (event.type === EventTypes.PEER_RESPONSE) {
          heard.add(event.from.toString())
          settled.add(event.from.toString())
          for (const peer of event.closer) heard.add(peer.id.toString())
          if (settled.size === 1) onStep?.({ kind: 'first-answer', text: `first DHT answer: ${heard.size} peers heard of` })
          if (closestSettled()) break
        } else if (event.type === EventTypes.QUERY_ERROR) {
          settled.add(event.from.toString())
          if (closestSettled()) break
        }
      }
    } catch (err) {
      // A lookup that runs out of time still heard of peers; only a caller's own abort is an error.
      if (signal?.aborted === true) throw err
    }
    return [...heard]
  }

  private knownPeers (): string[] {
    const ids = new Set<string>([...this.keeper.storagePeers, ...this.options.vouched?.peers() ?? []])
    for (const c of this.libp2p.getConnections()) ids.add(c.remotePeer.toString())
    for (const p of routingTablePeers(this.libp2p)) ids.add(p.toString())
    return [...ids]
  }

  private async isLiveStorageNode (id: string, signal?: AbortSignal): Promise<boolean> {
    let peerId: PeerId
    try {
      peerId = peerIdFromString(id)
    } catch {
      return false
    }
    const open = this.libp2p.getConnections(peerId).some(isUsableConnection)
    // A storage node a connected operator holds a connection to: live, without a dial into its budget.
    if (!open && this.options.vouched?.has(id) === true) return true
    if (!open) {
      const recentlyAlive = this.keeper.sinceSeen(id) < this.options.livenessGraceMs
      // Without a relay only direct addresses can be dialled; do not wait on a dial that cannot work.
      if (!(recentlyAlive && !this.keeper.relayConnected())) {
        try {
          await this.dialOrMeet(peerId, signal)
        } catch {
          if (!recentlyAlive) return false
        }
      }
    }
    if (this.keeper.storagePeers.has(id)) return true
    if (this.keeper.nonStoragePeers.has(id)) return false
    // Connected but identify has not finished yet: its protocols arrive within a moment, or identify failed (a busy
    // peer missed its deadline) and runs again.
    const protocols = await this.protocolsOf(peerId, signal)
    if (protocols.includes(STORAGE_NODE_PROTOCOL)) return true
    if (protocols.length > 0) return false
    return (await this.keeper.identifyPeer(peerId, signal))?.includes(STORAGE_NODE_PROTOCOL) === true
  }

  /**
   * Dials `peerId`, and is done as soon as a usable connection to it opens by any path: the peer keeper's own dial,
   * or the peer dialling this node. A tab's first WebRTC dials race one another; the one that loses can wait out
   * its whole timeout while the other connected long before, and must not make a live node count as dead (a store
   * by such an answer put two shards on one node). Throws when neither happens in time.
   */
  private async dialOrMeet (peerId: PeerId, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.options.dialTimeoutMs)
    const deadline = signal == null ? timeout : AbortSignal.any([signal, timeout])
    let onOpen: ((event: CustomEvent<Connection>) => void) | undefined
    const met = new Promise<void>(resolve => {
      onOpen = event => { if (event.detail.remotePeer.equals(peerId) && isUsableConnection(event.detail)) resolve() }
      this.libp2p.addEventListener('connection:open', onOpen)
    })
    const dialled = this.libp2p.dial(peerId, { signal: deadline })
    try {
      if (this.libp2p.getConnections(peerId).some(isUsableConnection)) return
      await Promise.race([dialled, met])
    } finally {
      if (onOpen !== undefined) this.libp2p.removeEventListener('connection:open', onOpen)
      // The dial goes on to its own deadline when the other path won; its outcome no longer matters.
      dialled.catch(() => {})
    }
  }

  private async protocolsOf (peerId: PeerId, signal?: AbortSignal): Promise<string[]> {
    const deadline = Date.now() + IDENTIFY_WAIT_MS
    while (Date.now() < deadline && signal?.aborted !== true) {
      try {
        const peer = await this.libp2p.peerStore.get(peerId)
        if (peer.protocols.length > 0 && isIdentified(peer)) return peer.protocols
      } catch {}
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    return []
  }
}
