/**
 * Keeps a node woven into the mesh, on top of what libp2p and kad-dht do by themselves:
 * - stays connected to a relay, redialling while it is away (a tab that loses the relay comes back by itself);
 * - remembers which peers are storage nodes (they serve STORAGE_NODE_PROTOCOL, seen through identify);
 * - re-adds DHT peers to the routing table once they have addresses;
 * - holds direct connections to the storage nodes it knows, up to `targetPeers`, so that lookups run over
 *   open connections and keep working while the relay (the only WebRTC signalling path) is down.
 * Simultaneous WebRTC dials in both directions race and both fail, so for each pair the node with the smaller
 * peer ID dials first and the other one waits `dialerGraceMs` before dialling itself.
 */
import { ConnectionClosedError, KEEP_ALIVE } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { raceAbort } from '../async/index.ts'
import { compareDistance, kadIdOf, meetsNodeIdWork, rankByDistance, xorDistance } from '../placement/index.ts'
import { KAD_PROTOCOL, STORAGE_NODE_PROTOCOL } from '../wire/index.ts'
import { askClosest } from './closest-protocol.ts'
import { lostLastConnection } from './connection-budget.ts'
import { addToRoutingTable, removeFromRoutingTable } from './routing-table.ts'
import { isMuxerClosed, isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import type { Connection, Peer, PeerId, IdentifyResult, Logger, PeerUpdate } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface PeerKeeperOptions {
  relayAddrs: string[]
  /** How often to look for missing connections and a missing relay. */
  intervalMs: number
  /**
   * How often to look up our own and a random ID in the DHT, to learn of nodes we have not met. A lookup that
   * teaches the node no new storage node doubles the pause, up to `DISCOVERY_MAX_BACKOFF` times this; a new
   * storage node met in any way brings it back to this.
   */
  discoveryIntervalMs: number
  targetPeers: number
  /**
   * The node's connection budget (`ConnectionBudget`), when it has one: the keeper then holds at most
   * `neighbourhoodTarget(budget)` connections, to the storage nodes nearest its own ID, and leaves the rest of the
   * budget to the connections of lookups and stores.
   */
  connectionBudget?: number
  /**
   * This node is an operator node, part of the DHT's backbone: peers with a connection budget stay out of its routing
   * table (its DHT walks would dial into their budgets; see `dhtLeavesOut` in libp2p.ts).
   */
  dhtBackbone?: boolean
  /**
   * Node-ID work a storage node's peer ID must carry to count as one (`nodeIdWorkBits`): a peer that serves the
   * storage protocol without it is kept as a non-storage peer, so nothing places shards on it, asks it for closest
   * peers, vouches for it or spends the neighbourhood's connections on it.
   */
  nodeIdWorkBits?: number
  /** Whether this node's connection budget closed `connection` to make room (not the peer closing it). */
  closedForRoom?: (connection: Connection) => boolean
  dialTimeoutMs: number
  dialerGraceMs: number
  maxParallelDials: number
  /** Called when the last connection to a relay closes. */
  onRelayLost?: () => void
  /** Called when a relay connection opens again after `onRelayLost`: how long it took, how many dials failed. */
  onRelayRegained?: (info: RelayRegained) => void
}

export interface RelayRegained {
  downMs: number
  failedDials: number
  lastError?: string
  /** How long before the relay was back the last failed dial to it ended. */
  lastFailureMsAgo?: number
}

/**
 * How many storage nodes a node with a connection budget keeps connected: the budget less the relay and a quarter
 * (at least 2) left for the connections its lookups and stores open.
 */
export function neighbourhoodTarget (budget: number, targetPeers: number): number {
  return Math.max(1, Math.min(targetPeers, budget - 1 - Math.max(2, Math.floor(budget / 4))))
}

interface PeerState {
  firstSeen: number
  failures: number
  nextAttempt: number
  lastError?: string
  /** Connections the peer closed in a row (within a budget: see `backOffAfterRemoteClose`). */
  remoteCloses?: number
}

/** The first pause before redialling a peer that closed this budgeted node's connection; it doubles per close. */
const REMOTE_CLOSE_BACKOFF_MS = 30_000
const MAX_REMOTE_CLOSE_BACKOFF_MS = 10 * 60_000
/** A connection that lasted this long was not closed for room: the peer's pause starts over. */
const STABLE_CONNECTION_MS = 10 * 60_000

export interface PendingPeer { peerId: string, failures: number, lastError?: string, retryInMs: number }

/**
 * Dials the keepers of this JavaScript realm run at once. A WebRTC handshake costs real CPU (DTLS, SCTP, ICE), and
 * a headless process may host dozens of nodes: dozens of parallel handshakes on two cores all time out together.
 */
let realmDialsInFlight = 0
export const REALM_MAX_PARALLEL_DIALS = 6
const MAX_BACKOFF_MS = 15_000
/** The storage nodes closest to this node whose arrival brings discovery back to its base pace (Kademlia's k). */
const NEIGHBOURHOOD = 20
/** Connected storage nodes a node with a budget asks for its neighbourhood at each discovery. */
const ASK_FOR_NEIGHBOURS = 3
/** The longest a keeper goes without looking through the peer store for peers to dial. */
const SCAN_FALLBACK_MS = 30_000
/** Identify runs started again at once by one keeper. */
const MAX_PARALLEL_REIDENTIFY = 2
const RELAY_RETRY_MS = 500
/**
 * A relay dial that has not connected in this long is given up and retried. A relay that just restarted accepts
 * every node and tab at once and can take several seconds per handshake on a busy machine; giving up sooner threw
 * that work away and queued the node behind everyone else again (seen: 15 s to reconnect with 5 s).
 */
const RELAY_DIAL_TIMEOUT_MS = 10_000
/**
 * A WebRTC connection whose peer connection has reported 'disconnected' (or 'failed') for this long is ended. A
 * peer that crashed sends no TCP reset over WebRTC: libp2p keeps such a connection open until its peer connection
 * is closed or a ping times out (in the heal suite a tab kept its connections to crashed nodes for 18 s), and
 * meanwhile every request to the peer waits out its deadline on it and the health monitor counts the open
 * connection as an answer. Chromium reports 'disconnected' some seconds after the peer goes silent; the margin here
 * lets a brief network blip recover.
 */
export const WEBRTC_LOST_CONTACT_MS = 4_000
/**
 * A quiet mesh is looked through this many times less often than `discoveryIntervalMs` at most. In a settled mesh
 * the discovery lookups were most of an idle node's work: every node looked up two IDs every 30 s, so the relay's
 * 15 embedded nodes answered one another's DHT queries without pause.
 */
export const DISCOVERY_MAX_BACKOFF = 8

/** How a browser tab's libp2p introduces itself (identify's agent version): `zentalk-tab/<version> <browser>`. */
export const TAB_AGENT_PREFIX = 'zentalk-tab/'

/** Decodes the identify agent kept in peer metadata (one decoder for every update). */
const AGENT_DECODER = new TextDecoder()

/** The peer-store metadata key identify keeps a peer's agent under. */
const AGENT_METADATA = 'AgentVersion'

/**
 * Identify has completed for this peer (it stores the agent): its protocol list is then whole, not just the one
 * protocol the DHT met it by.
 */
export function isIdentified (peer: Pick<Peer, 'metadata'>): boolean {
  return peer.metadata.has(AGENT_METADATA)
}

export function isTabAgent (agentVersion: string): boolean {
  return agentVersion.startsWith(TAB_AGENT_PREFIX)
}

/** How a node with a connection budget says so in its identify agent: ` budget/<N>` after the agent. */
const BUDGET_AGENT = / budget\/(\d+)(?: |$)/

/** The identify agent of a node with `budget` (unchanged without one). */
export function agentWithBudget (agentVersion: string, budget: number | undefined): string {
  return budget === undefined ? agentVersion : `${agentVersion} budget/${budget}`
}

/** The connection budget a peer announced in its identify agent, if any. */
export function budgetOfAgent (agentVersion: string): number | undefined {
  const match = BUDGET_AGENT.exec(agentVersion)
  return match === null ? undefined : Number(match[1])
}

/**
 * Whether a tab's shard store is persistent storage, as the browser answered `navigator.storage.persist()`:
 * 'best-effort' storage may be evicted by the browser under storage pressure, shards included.
 */
export type StoragePersistence = 'persistent' | 'best-effort'

/** How a tab says what storage it has in its identify agent: ` storage/persistent` or ` storage/best-effort`. */
const STORAGE_AGENT = / storage\/(persistent|best-effort)(?: |$)/

/** The identify agent of a node whose storage is `persistent` or not (unchanged when not said: headless nodes). */
export function agentWithStorage (agentVersion: string, persistent: boolean | undefined): string {
  return persistent === undefined ? agentVersion : `${agentVersion} storage/${persistent ? 'persistent' : 'best-effort'}`
}

/** The storage a peer announced in its identify agent; undefined when it did not say (older nodes, headless nodes). */
export function storageOfAgent (agentVersion: string): StoragePersistence | undefined {
  return STORAGE_AGENT.exec(agentVersion)?.[1] as StoragePersistence | undefined
}

/**
 * What a peer is as a holder of shards, by the agent it announced: a browser tab ('tab'), a tab whose browser storage
 * is best-effort ('best-effort-tab': the browser may evict its shards under storage pressure while it is closed), any
 * other identified peer ('operator': headless storage nodes, and software that is no tab), or 'unknown' while its
 * agent has not been read. Repair waits for a dead holder according to its class (see src/repair, holder-grace.ts).
 */
export type HolderClass = 'operator' | 'tab' | 'best-effort-tab' | 'unknown'

/** The class a peer announcing `agentVersion` is in. */
export function holderClassOfAgent (agentVersion: string): Exclude<HolderClass, 'unknown'> {
  if (!isTabAgent(agentVersion)) return 'operator'
  return storageOfAgent(agentVersion) === 'best-effort' ? 'best-effort-tab' : 'tab'
}

/** Whether `holderClass` is a browser tab's, whatever its storage. */
export function isTabClass (holderClass: HolderClass): boolean {
  return holderClass === 'tab' || holderClass === 'best-effort-tab'
}

/**
 * Operator nodes (storage nodes that are not tabs) a node with a connection budget keeps connected besides its
 * nearest neighbours: they hold connections to the whole mesh and answer its lookups (see closest-protocol.ts).
 */
export const BACKBONE_OPERATORS = 2

/**
 * The tag kad-dht puts on the 20 peers closest to this node, with which libp2p redials such a peer as soon as its
 * connection closes. The keeper removes it wherever a budget decides which connections stay (see `onPeerUpdate`).
 */
export const KAD_KEEP_ALIVE_TAG = `${KEEP_ALIVE}-kad-dht`

export class PeerKeeper {
  private readonly libp2p: MeshLibp2p
  private readonly options: PeerKeeperOptions
  private readonly relayAddrs: Multiaddr[]
  readonly relayPeerIds: Set<string>
  /** Peers known to serve STORAGE_NODE_PROTOCOL, and peers known not to (relays, other software). */
  readonly storagePeers = new Set<string>()
  readonly nonStoragePeers = new Set<string>()
  /** Peers that announced themselves as browser tabs (their identify agent starts with TAB_AGENT_PREFIX). */
  readonly tabPeers = new Set<string>()
  /**
   * Peers that announced a connection budget (`agentWithBudget`). They choose which connections they keep; a node
   * without a budget does not dial them (it would take a place they need, be closed for room and dial again).
   */
  readonly budgetedPeers = new Set<string>()
  /** The class each identified peer announced (`holderClassOfAgent`), kept after it disconnects. */
  private readonly classes = new Map<string, Exclude<HolderClass, 'unknown'>>()
  private readonly state = new Map<string, PeerState>()
  private readonly dialing = new Set<string>()
  /** Identify runs this keeper started again (a peer whose identify at connection time failed), by peer. */
  private readonly identifying = new Map<string, Promise<string[] | undefined>>()
  private timer?: ReturnType<typeof setInterval>
  private relayTimer?: ReturnType<typeof setInterval>
  private relayDialing = false
  private discovering = false
  private nextDiscovery = 0
  /** The pause after the current one: `discoveryIntervalMs` doubled per quiet lookup, capped. */
  private discoveryPauseMs: number
  /** Whether this node's discovery walked the DHT at least once (see `discover`). */
  private walkedDht = false
  private stopped = false

  private readonly log: Logger

  constructor (libp2p: MeshLibp2p, options: PeerKeeperOptions) {
    this.libp2p = libp2p
    this.log = libp2p.logger.forComponent('zentalk:peer-keeper')
    this.options = options
    this.relayAddrs = options.relayAddrs.map(a => multiaddr(a))
    this.relayPeerIds = new Set(this.relayAddrs.map(a => a.getComponents().findLast(c => c.name === 'p2p')?.value).filter((v): v is string => v != null))
    this.discoveryPauseMs = options.discoveryIntervalMs
    this.target = options.connectionBudget === undefined ? options.targetPeers : neighbourhoodTarget(options.connectionBudget, options.targetPeers)
  }

  /** How many storage nodes this keeper keeps connected (`targetPeers`, or less within a connection budget). */
  readonly target: number
  /** The `target` known storage nodes nearest this node, and the distance of the farthest when there are that many. */
  private neighbourhoodCache?: { size: number, at: number, peers: Set<string>, farthest?: Uint8Array }

  private neighbourhood (): { peers: Set<string>, farthest?: Uint8Array } {
    const now = Date.now()
    const cached = this.neighbourhoodCache
    if (cached !== undefined && cached.size === this.storagePeers.size && now - cached.at <= this.options.intervalMs) return cached
    const self = this.libp2p.peerId.toString()
    const others = [...this.storagePeers].filter(p => p !== self)
    // Within a budget: the operator nodes nearest this node first (those it asks for lookups), then its nearest.
    const backbone = this.options.connectionBudget === undefined
      ? []
      : rankByDistance(kadIdOf(self), others.filter(p => !this.tabPeers.has(p)), kadIdOf).slice(0, Math.min(BACKBONE_OPERATORS, this.target - 1)).map(r => r.item)
    const wanted = this.target - backbone.length
    const near = rankByDistance(kadIdOf(self), others.filter(p => !backbone.includes(p)), kadIdOf).slice(0, wanted)
    this.neighbourhoodCache = {
      size: this.storagePeers.size,
      at: now,
      peers: new Set([...backbone, ...near.map(r => r.item)]),
      farthest: near.length < wanted ? undefined : near[near.length - 1].distance
    }
    return this.neighbourhoodCache
  }

  /**
   * Whether `peerId` is among the `target` storage nodes nearest this node that it knows: the connections a node
   * with a connection budget keeps, and never closes to make room for others.
   */
  isNeighbour (peerId: string): boolean {
    return this.neighbourhood().peers.has(peerId)
  }

  /**
   * Whether `peerId` would belong to that neighbourhood: a known storage node in it, or a peer not classified yet
   * that is nearer than its farthest member (every peer, while the node knows fewer than `target`).
   */
  private wouldBeNeighbour (peerId: string): boolean {
    const { peers, farthest } = this.neighbourhood()
    if (this.storagePeers.has(peerId)) return peers.has(peerId)
    return farthest === undefined || compareDistance(xorDistance(kadIdOf(this.libp2p.peerId.toString()), kadIdOf(peerId)), farthest) < 0
  }

  /** The pause before the next DHT discovery (grows while lookups find nobody new). */
  discoveryPause (): number {
    return this.discoveryPauseMs
  }

  start (): void {
    this.libp2p.addEventListener('connection:close', this.onConnectionClose)
    this.libp2p.addEventListener('connection:open', this.onConnectionOpen)
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.libp2p.addEventListener('peer:update', this.onPeerUpdate)
    for (const id of this.relayPeerIds) {
      // KEEP_ALIVE makes libp2p itself reconnect too; our own loop covers a relay that stays down for long.
      void this.libp2p.peerStore.merge(peerIdFromString(id), { tags: { [KEEP_ALIVE]: { value: 1 } }, multiaddrs: this.relayAddrs.filter(a => a.toString().includes(id)) }).catch(() => {})
    }
    this.timer = setInterval(() => { void this.tick() }, this.options.intervalMs)
    // The relay is every tab's only signalling path: while it is away, knock twice a second, not once a tick.
    this.relayTimer = setInterval(() => { if (!this.stopped && !this.relayConnected()) void this.dialRelay() }, RELAY_RETRY_MS)
    void this.tick()
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.timer)
    clearInterval(this.relayTimer)
    this.libp2p.removeEventListener('connection:close', this.onConnectionClose)
    this.libp2p.removeEventListener('connection:open', this.onConnectionOpen)
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.libp2p.removeEventListener('peer:update', this.onPeerUpdate)
  }

  /** Storage nodes we know of but hold no direct connection to, with why (node panel). */
  pending (): PendingPeer[] {
    const direct = this.usablePeerIds()
    const now = Date.now()
    return [...this.state.entries()]
      .filter(([id, s]) => !direct.has(id) && s.failures > 0 && !this.nonStoragePeers.has(id))
      .map(([peerId, s]) => ({ peerId, failures: s.failures, lastError: s.lastError, retryInMs: Math.max(0, s.nextAttempt - now) }))
  }

  /** Peers we hold a usable (open, not limited) connection to. */
  private usablePeerIds (): Set<string> {
    return new Set(this.libp2p.getConnections().filter(isUsableConnection).map(c => c.remotePeer.toString()))
  }

  /**
   * Peers with an inbound relayed (limited) connection opened less than two dial timeouts ago: the signalling of
   * a WebRTC dial they are making to us. An older one is a leftover of a dial that did not finish.
   */
  private peersDialingUs (): Set<string> {
    const now = Date.now()
    return new Set(this.libp2p.getConnections()
      .filter(c => c.direction === 'inbound' && c.limits != null && c.status === 'open' && now - c.timeline.open < this.options.dialTimeoutMs * 2)
      .map(c => c.remotePeer.toString()))
  }

  isRelay (peerId: string): boolean {
    return this.relayPeerIds.has(peerId)
  }

  relayConnected (): boolean {
    return this.libp2p.getConnections().some(c => this.relayPeerIds.has(c.remotePeer.toString()) && c.status === 'open')
  }

  /** Resolves once a relay connection is open (or the keeper stops). */
  async waitForRelay (signal?: AbortSignal): Promise<void> {
    while (!this.relayConnected()) {
      if (this.stopped) throw new Error('node stopped')
      signal?.throwIfAborted()
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }

  /** When each peer was last known to be alive: an open connection, or the moment its last one closed. */
  private readonly lastSeen = new Map<string, number>()

  /** Milliseconds since `peerId` was last known alive (Infinity if never). */
  sinceSeen (peerId: string): number {
    const direct = this.libp2p.getConnections().some(c => c.remotePeer.toString() === peerId && isUsableConnection(c))
    if (direct) return 0
    const seen = this.lastSeen.get(peerId)
    return seen == null ? Infinity : Date.now() - seen
  }

  private readonly onConnectionClose = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail
    this.scanNeeded = true
    if (connection.limits == null) this.lastSeen.set(connection.remotePeer.toString(), Date.now())
    this.backOffAfterRemoteClose(connection)
    if (this.relayPeerIds.has(connection.remotePeer.toString()) && !this.relayConnected()) {
      this.log('lost the relay connection %a', connection.remoteAddr)
      this.relayOutage ??= { since: Date.now(), failedDials: 0 }
      this.options.onRelayLost?.()
      // Come back at once rather than at the next tick.
      void this.dialRelay()
    }
  }

  /**
   * Within a connection budget, a peer that closed this node's last connection to it (its own budget needed the
   * room: this node is in its way, not in its neighbourhood) is not dialled again at once. Redialling at once made
   * two tabs take turns closing each other's connections, thousands of times an hour; instead the pause doubles per
   * such close, from REMOTE_CLOSE_BACKOFF_MS up to MAX_REMOTE_CLOSE_BACKOFF_MS, and a connection that lasted
   * STABLE_CONNECTION_MS clears it. The peer still counts as live for the liveness grace, and may dial this node.
   */
  private backOffAfterRemoteClose (connection: Connection): void {
    const id = connection.remotePeer.toString()
    if (this.options.connectionBudget === undefined || this.relayPeerIds.has(id)) return
    if (!lostLastConnection(this.libp2p, connection, this.options.closedForRoom)) return
    const now = Date.now()
    let s = this.state.get(id)
    if (s == null) {
      s = { firstSeen: now, failures: 0, nextAttempt: 0 }
      this.state.set(id, s)
    }
    const lasted = (connection.timeline.close ?? now) - connection.timeline.open
    if (lasted >= STABLE_CONNECTION_MS) s.remoteCloses = 0
    s.remoteCloses = (s.remoteCloses ?? 0) + 1
    const pause = Math.min(MAX_REMOTE_CLOSE_BACKOFF_MS, REMOTE_CLOSE_BACKOFF_MS * 2 ** (s.remoteCloses - 1)) * (0.75 + Math.random() / 2)
    s.nextAttempt = Math.max(s.nextAttempt, now + pause)
  }

  /** Set while the relay is away: since when, and what our dials to it met. */
  private relayOutage?: { since: number, failedDials: number, lastError?: string, lastFailureAt?: number }

  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    const outage = this.relayOutage
    if (outage == null || !this.relayPeerIds.has(evt.detail.remotePeer.toString())) return
    this.relayOutage = undefined
    const now = Date.now()
    this.options.onRelayRegained?.({
      downMs: now - outage.since,
      failedDials: outage.failedDials,
      lastError: outage.lastError,
      lastFailureMsAgo: outage.lastFailureAt === undefined ? undefined : now - outage.lastFailureAt
    })
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols, agentVersion } = evt.detail
    this.classify(peerId, protocols)
    this.classifyAgent(peerId, agentVersion)
  }

  /**
   * A peer another node vouches for as a storage node with a connection budget (the backbone directory), which this
   * node has not identified itself: like a peer that announced its budget, a node without one does not dial it.
   */
  noteBudgeted (peerId: string): void {
    if (this.storagePeers.has(peerId) || this.nonStoragePeers.has(peerId)) return
    this.markBudgeted(peerIdFromString(peerId))
  }

  /**
   * Records a peer as budgeted; the DHT backbone (operator nodes) also takes it out of its routing table, where
   * identify may have put it before its agent was known.
   */
  private markBudgeted (peerId: PeerId): void {
    const id = peerId.toString()
    if (this.budgetedPeers.has(id)) return
    if (this.options.dhtBackbone === true) void removeFromRoutingTable(this.libp2p, peerId).catch(() => {})
    this.budgetedPeers.add(id)
  }

  /**
   * `peers` with operator nodes (not tabs) first, each group in its given order: whom to ask for closest peers, since
   * operators hold connections to the most of the mesh.
   */
  operatorsFirst (peers: readonly string[]): string[] {
    return [...peers.filter(id => !this.tabPeers.has(id)), ...peers.filter(id => this.tabPeers.has(id))]
  }

  /**
   * The class `peerId` announced in its identify agent ('unknown' until its agent has been read). Kept after it
   * disconnects: the class of a dead holder is what repair needs.
   */
  classOf (peerId: string): HolderClass {
    return this.classes.get(peerId) ?? 'unknown'
  }

  private classifyAgent (peerId: PeerId, agentVersion: string | undefined): void {
    if (agentVersion === undefined) return
    this.classes.set(peerId.toString(), holderClassOfAgent(agentVersion))
    if (isTabAgent(agentVersion)) this.tabPeers.add(peerId.toString())
    else this.tabPeers.delete(peerId.toString())
    if (budgetOfAgent(agentVersion) !== undefined) this.markBudgeted(peerId)
    else this.budgetedPeers.delete(peerId.toString())
  }

  private readonly onPeerUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    const { peer, previous } = evt.detail
    this.scanNeeded = true
    // Identify stores the agent in the peer's metadata; a peer identified before this keeper started is seen here.
    // Only an identified peer's protocols are its whole list: the DHT records the one protocol it met a peer by
    // (kad) before identify has run, which must not make a storage node count as non-storage.
    if (isIdentified(peer) && peer.protocols.length > 0) this.classify(peer.id, peer.protocols)
    const agent = peer.metadata.get(AGENT_METADATA)
    if (agent !== undefined) this.classifyAgent(peer.id, AGENT_DECODER.decode(agent))
    // libp2p redials a peer kad-dht tagged keep-alive the moment its connection closes. Within a budget, that redial
    // closed another connection for room, whose peer was redialled in turn; and a node without a budget redialled
    // every budgeted peer that closed its connection for room: in a simulated mesh of 30 nodes with tab budgets of
    // 8, over 5,000 dials a tab an hour. Where a budget decides, the keeper's own dialling (with its back-off) keeps
    // the neighbourhood instead: a budgeted node drops the tag from every peer, other nodes from budgeted peers.
    if (peer.tags.has(KAD_KEEP_ALIVE_TAG) && (this.options.connectionBudget !== undefined || this.budgetedPeers.has(peer.id.toString()))) {
      void this.libp2p.peerStore.merge(peer.id, { tags: { [KAD_KEEP_ALIVE_TAG]: undefined } }).catch(() => {})
    }
    // A peer whose first addresses just arrived: kad-dht dropped it at identify time, add it now (the DHT backbone's
    // routing table refuses budgeted peers itself: `keepOutOfRoutingTable`).
    if ((previous?.addresses.length ?? 0) === 0 && peer.addresses.length > 0 && peer.protocols.includes(KAD_PROTOCOL)) {
      void addToRoutingTable(this.libp2p, peer.id).catch(() => {})
    }
  }

  private classify (peerId: PeerId, protocols: string[]): void {
    const id = peerId.toString()
    if (protocols.includes(STORAGE_NODE_PROTOCOL) && meetsNodeIdWork(id, this.options.nodeIdWorkBits ?? 0)) {
      const isNew = !this.storagePeers.has(id)
      this.storagePeers.add(id)
      if (isNew) this.metNewStorageNode(id)
      this.nonStoragePeers.delete(id)
    } else if (protocols.length > 0) {
      if (protocols.includes(STORAGE_NODE_PROTOCOL) && !this.nonStoragePeers.has(id)) this.log('%s serves storage without the node-ID work: not a storage node here', id)
      this.nonStoragePeers.add(id)
      this.storagePeers.delete(id)
    }
  }

  /**
   * The mesh changed near this node: discover at the base pace again (more newcomers tend to follow the first).
   * Only a newcomer among the NEIGHBOURHOOD storage nodes closest to this node counts: the discovery lookups keep
   * that neighbourhood (whose keys this node shares) complete, and in a large mesh a newcomer somewhere far away
   * arrives every few seconds and kept every node looking at the base pace.
   */
  private metNewStorageNode (id: string): void {
    if (this.discoveryPauseMs === this.options.discoveryIntervalMs) return
    if (this.storagePeers.size > NEIGHBOURHOOD) {
      const self = this.libp2p.peerId.toString()
      const near = rankByDistance(kadIdOf(self), [...this.storagePeers].filter(p => p !== self), kadIdOf).slice(0, NEIGHBOURHOOD)
      if (!near.some(r => r.item === id)) return
    }
    this.discoveryPauseMs = this.options.discoveryIntervalMs
    this.nextDiscovery = Math.min(this.nextDiscovery, Date.now() + this.discoveryPauseMs)
  }

  /**
   * The peer's protocols from identify, running identify again over an open connection when it has not completed
   * (libp2p runs it once per connection, and a busy peer can miss its deadline: the peer then never counts as a
   * storage node). Undefined when no usable connection is open or identify fails again.
   */
  async identifyPeer (peerId: PeerId, signal?: AbortSignal): Promise<string[] | undefined> {
    const id = peerId.toString()
    let running = this.identifying.get(id)
    if (running === undefined) {
      const connection = this.libp2p.getConnections(peerId).find(isUsableConnection)
      if (connection === undefined) return undefined
      running = (async () => {
        try {
          const result = await this.libp2p.services.identify.identify(connection, { signal: AbortSignal.timeout(this.options.dialTimeoutMs) })
          return result.protocols
        } catch (err: any) {
          this.log('identify of %p failed again - %s', peerId, err?.message ?? String(err))
          return undefined
        } finally {
          this.identifying.delete(id)
        }
      })()
      this.identifying.set(id, running)
    }
    if (signal === undefined) return await running
    return await raceAbort(running, signal).catch(() => undefined)
  }

  /**
   * Connected peers this keeper has not classified yet: those identified before it started are classified from the
   * peer store; those open for a dial timeout without any identify result are identified again.
   */
  private async identifyAgain (): Promise<void> {
    const now = Date.now()
    let started = this.identifying.size
    for (const connection of this.libp2p.getConnections()) {
      if (started >= MAX_PARALLEL_REIDENTIFY) return
      const id = connection.remotePeer.toString()
      if (this.storagePeers.has(id) || this.nonStoragePeers.has(id) || this.relayPeerIds.has(id) || this.identifying.has(id)) continue
      if (!isUsableConnection(connection) || now - connection.timeline.open < this.options.dialTimeoutMs) continue
      const peer = await this.libp2p.peerStore.get(connection.remotePeer).catch(() => undefined)
      if (peer !== undefined && isIdentified(peer)) {
        this.classify(peer.id, peer.protocols)
        continue
      }
      started++
      void this.identifyPeer(connection.remotePeer)
    }
  }

  private async tick (): Promise<void> {
    if (this.stopped) return
    this.abortBrokenConnections()
    await this.identifyAgain().catch(() => {})
    if (!this.relayConnected()) void this.dialRelay()
    if (Date.now() >= this.nextDiscovery) {
      this.nextDiscovery = Date.now() + this.discoveryPauseMs
      void this.discover()
    }
    await this.fillConnections().catch(() => {})
  }

  /**
   * Asks the DHT for the neighbourhood of our own ID and of a random ID. The answers name peers we have not
   * met, which the next ticks connect to: this is how nodes already in the mesh learn of newcomers that
   * happened to dial someone else first.
   */
  private async discover (): Promise<void> {
    if (this.discovering) return
    this.discovering = true
    const known = this.storagePeers.size
    try {
      // A node's first discovery walks the DHT even within a budget: the walk makes the node known to the tabs near
      // its ID that it reaches (they meet it), which asking its own connections would not. Operator nodes learn of it
      // from the backbone directory instead: they leave budgeted nodes out of their DHT.
      if (this.options.connectionBudget !== undefined && this.walkedDht && await this.discoverFromConnected() !== 'nobody') return
      this.walkedDht = true
      const targets = [this.libp2p.peerId.toMultihash().bytes, crypto.getRandomValues(new Uint8Array(32))]
      for (const key of targets) {
        const signal = AbortSignal.timeout(this.options.dialTimeoutMs * 2)
        try {
          for await (const _event of this.libp2p.services.dht.getClosestPeers(key, { signal })) {
            if (this.stopped) return
          }
        } catch {}
      }
      // Operator nodes leave tabs with a budget out of their DHT answers: such a walk names no tab, the operators the
      // walk connected this node to do.
      if (this.options.connectionBudget !== undefined) await this.discoverFromConnected().catch(() => 'unanswered')
    } finally {
      this.discovering = false
      // Nobody new met during the lookups, and every known storage node connected (or as many as wanted): wait
      // longer next time. A lookup that found someone keeps the pace, as do the dials it leads to.
      if (this.storagePeers.size <= known && this.connectedToKnownStoragePeers()) {
        this.discoveryPauseMs = Math.min(this.discoveryPauseMs * 2, this.options.discoveryIntervalMs * DISCOVERY_MAX_BACKOFF)
        this.nextDiscovery = Date.now() + this.discoveryPauseMs
      }
    }
  }

  /**
   * Discovery within a connection budget: up to ASK_FOR_NEIGHBOURS connected storage nodes (operator nodes first:
   * they hold connections to the most of the mesh) are asked which live storage nodes they know closest to this
   * node's ID, over /zentalk/closest (answered from what they know: no lookup, no dial), and the addresses of those
   * named go to the peer store for the next fill. A DHT walk from a node with a budget of 8 in a simulated mesh of
   * 30 dialled about 12 peers per lookup, each dial closing another connection for room. 'nobody' when the node has
   * no storage node to ask (the DHT walk runs then). Asked nodes that did not answer in time ('unanswered') do not
   * start a walk: on a busy node a walk's dials made the next asks slower still (a simulated mesh of 100 nodes
   * walked after three asks in five, and its tabs opened over a thousand connections an hour at idle).
   */
  private async discoverFromConnected (): Promise<'answered' | 'unanswered' | 'nobody'> {
    const self = this.libp2p.peerId.toString()
    const connected = this.usablePeerIds()
    const usable = [...connected].filter(id => this.storagePeers.has(id) && !this.relayPeerIds.has(id))
    const askers = this.operatorsFirst(usable).slice(0, ASK_FOR_NEIGHBOURS)
    if (askers.length === 0) return 'nobody'
    const signal = AbortSignal.timeout(this.options.dialTimeoutMs)
    const key = this.libp2p.peerId.toMultihash().bytes
    const answers = await Promise.allSettled(askers.map(async id => await askClosest(this.libp2p, peerIdFromString(id), key, NEIGHBOURHOOD, signal)))
    let answered = 0
    for (const answer of answers) {
      if (answer.status !== 'fulfilled') continue
      answered++
      for (const peer of answer.value) {
        if (peer.peerId === self || peer.addrs.length === 0 || connected.has(peer.peerId)) continue
        await this.libp2p.peerStore.merge(peerIdFromString(peer.peerId), { multiaddrs: peer.addrs }).catch(() => {})
      }
    }
    return answered > 0 ? 'answered' : 'unanswered'
  }

  /**
   * Every storage node known has a usable connection (or is being dialled), or the node holds its target. A node
   * without a budget does not count the budgeted peers it leaves unconnected (it never dials them).
   */
  private connectedToKnownStoragePeers (): boolean {
    const usable = this.usablePeerIds()
    const budgeted = this.options.connectionBudget !== undefined
    let open = 0
    let missing = 0
    for (const id of this.storagePeers) {
      if (usable.has(id)) open++
      else if (!this.dialing.has(id) && (budgeted || !this.budgetedPeers.has(id))) missing++
    }
    return missing === 0 || open >= this.target
  }

  private async dialRelay (): Promise<void> {
    if (this.relayDialing || this.relayAddrs.length === 0) return
    this.relayDialing = true
    try {
      for (const addr of this.relayAddrs) {
        try {
          await this.libp2p.dial(addr, { signal: AbortSignal.timeout(Math.min(this.options.dialTimeoutMs, RELAY_DIAL_TIMEOUT_MS)) })
          return
        } catch (err) {
          if (this.relayOutage != null) {
            this.relayOutage.failedDials++
            this.relayOutage.lastError = `${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`
            this.relayOutage.lastFailureAt = Date.now()
          }
        }
      }
    } finally {
      this.relayDialing = false
    }
  }

  /**
   * Ends connections that cannot carry a request although libp2p holds them open: those whose stream muxer closed
   * under them (see `isMuxerClosed`), and WebRTC connections that lost contact with their peer for
   * WEBRTC_LOST_CONTACT_MS. Left alone, such a connection fails or stalls every request and every redial of its
   * peer until libp2p's ping notices, tens of seconds later.
   */
  private abortBrokenConnections (): void {
    const now = Date.now()
    const open = new Set<string>()
    for (const connection of this.libp2p.getConnections()) {
      open.add(connection.id)
      if (isMuxerClosed(connection)) {
        this.log('aborting a connection to %p whose stream muxer closed (%a)', connection.remotePeer, connection.remoteAddr)
        connection.abort(new ConnectionClosedError('the stream muxer of this connection closed'))
        continue
      }
      const state = webRtcState(connection)
      if (state !== 'disconnected' && state !== 'failed') {
        this.lostContactSince.delete(connection.id)
        continue
      }
      const since = this.lostContactSince.get(connection.id) ?? now
      this.lostContactSince.set(connection.id, since)
      if (now - since < WEBRTC_LOST_CONTACT_MS) continue
      this.log('aborting a WebRTC connection to %p that lost contact %d ms ago (%s)', connection.remotePeer, now - since, state)
      connection.abort(new ConnectionClosedError(`the WebRTC connection lost contact with its peer (${state} for ${now - since} ms)`))
    }
    for (const id of this.lostContactSince.keys()) if (!open.has(id)) this.lostContactSince.delete(id)
  }

  /** Per WebRTC connection ID: since when its peer connection has been 'disconnected' or 'failed'. */
  private readonly lostContactSince = new Map<string, number>()

  /**
   * The peer store is scanned for peers to dial only when that can find something new: a peer changed (new peer,
   * addresses, protocols), a connection closed, more candidates were found than dialled, or a wait below ends
   * (`nextScanAt`). A settled node used to read and decode every known peer from the peer store every tick.
   */
  private scanNeeded = true
  private nextScanAt = 0

  private async fillConnections (): Promise<void> {
    // A limited (relayed signalling) connection does not count: none of our protocols run over it.
    const connected = this.usablePeerIds()
    const self = this.libp2p.peerId.toString()
    // Within a connection budget only the neighbourhood's connections count: those of lookups and stores come and go.
    // Without one, the connections budgeted peers chose to open do not count either: an operator node that tabs
    // connect to keeps dialling the other operators (the backbone its directory and lookups need) however many tabs
    // hold connections to it; counting them, an operator with `targetPeers` tabs connected would dial no one.
    const budgeted = this.options.connectionBudget !== undefined
    let open = [...connected].filter(id => !this.relayPeerIds.has(id) && (budgeted ? this.isNeighbour(id) : !this.budgetedPeers.has(id))).length
    const now = Date.now()
    if (open + this.dialing.size >= this.target) return
    if (!this.scanNeeded && now < this.nextScanAt) return
    this.scanNeeded = false
    this.nextScanAt = now + SCAN_FALLBACK_MS
    const waitUntil = (at: number): void => { this.nextScanAt = Math.min(this.nextScanAt, at) }
    const dialingUs = this.peersDialingUs()
    const candidates: PeerId[] = []
    for (const peer of await this.libp2p.peerStore.all()) {
      const id = peer.id.toString()
      if (id === self || connected.has(id) || this.dialing.has(id) || this.relayPeerIds.has(id) || this.nonStoragePeers.has(id)) continue
      if (peer.addresses.length === 0) continue
      // A peer with a budget dials the nodes it wants (this one among them if it is an operator it asks).
      if (!budgeted && this.budgetedPeers.has(id)) continue
      // Only peers that are (or may be) mesh nodes: they speak our DHT or our storage protocol, or we have
      // not learned their protocols yet (peers heard of in FIND_NODE replies).
      if (peer.protocols.length > 0 && !peer.protocols.includes(KAD_PROTOCOL) && !peer.protocols.includes(STORAGE_NODE_PROTOCOL)) continue
      let s = this.state.get(id)
      if (s == null) {
        s = { firstSeen: now, failures: 0, nextAttempt: 0 }
        this.state.set(id, s)
      }
      if (s.nextAttempt > now) {
        waitUntil(s.nextAttempt)
        continue
      }
      // The peer is dialling us right now (its WebRTC signalling runs over an inbound relayed connection):
      // dialling back would race it and both handshakes fail or make a second connection. Wait for its dial; if
      // it fails, the grace below starts again.
      if (dialingUs.has(id)) {
        s.firstSeen = now
        waitUntil(now + this.options.dialerGraceMs)
        continue
      }
      // The smaller peer ID dials; the larger waits so both sides do not dial at the same moment. A node with a budget
      // dials a known node without one at once: that node leaves the dialling to it.
      const dialsUs = !(budgeted && this.storagePeers.has(id) && !this.budgetedPeers.has(id) && !this.tabPeers.has(id))
      if (dialsUs && self > id && now - s.firstSeen < this.options.dialerGraceMs) {
        waitUntil(s.firstSeen + this.options.dialerGraceMs)
        continue
      }
      candidates.push(peer.id)
    }
    const slots = Math.min(this.options.maxParallelDials - this.dialing.size, this.target - open - this.dialing.size,
      REALM_MAX_PARALLEL_DIALS - realmDialsInFlight)
    // Candidates left over for want of dial slots: look again next tick.
    if (candidates.length > Math.max(0, slots)) this.scanNeeded = true
    // Nearest to this node first: its own neighbourhood holds the keys it shares, and connecting there is how the
    // neighbourhood's routing tables learn of a newcomer (lookups for keys near it are answered there).
    // Within a budget, only peers that would be among the neighbourhood.
    const wanted = budgeted ? candidates.filter(peerId => this.wouldBeNeighbour(peerId.toString())) : candidates
    const nearestFirst = wanted.length <= slots && !budgeted
      ? wanted
      : rankByDistance(kadIdOf(self), wanted, peerId => kadIdOf(peerId.toString())).map(r => r.item)
    for (const peerId of nearestFirst.slice(0, Math.max(0, slots))) {
      open++
      void this.dialPeer(peerId)
    }
  }

  private async dialPeer (peerId: PeerId): Promise<void> {
    const id = peerId.toString()
    this.dialing.add(id)
    realmDialsInFlight++
    const s = this.state.get(id)!
    try {
      await this.libp2p.dial(peerId, { signal: AbortSignal.timeout(this.options.dialTimeoutMs) })
      s.failures = 0
    } catch (err: any) {
      s.failures++
      s.lastError = `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`
      this.log('dial %s failed (%d) - %s', id, s.failures, s.lastError)
      // Exponential back-off, capped, with jitter so a crowd of nodes does not redial in step.
      s.nextAttempt = Date.now() + Math.min(MAX_BACKOFF_MS, 500 * 2 ** s.failures) * (0.5 + Math.random())
      this.nextScanAt = Math.min(this.nextScanAt, s.nextAttempt)
    } finally {
      this.dialing.delete(id)
      realmDialsInFlight--
    }
  }
}

/**
 * The state of a WebRTC connection's RTCPeerConnection, or undefined for other transports. The peer connection is
 * not part of libp2p's Connection interface: this reads the implementation's fields (`maConn.peerConnection`).
 */
export function webRtcState (connection: Connection): RTCPeerConnectionState | undefined {
  const state = (connection as unknown as { maConn?: { peerConnection?: { connectionState?: unknown } } }).maConn?.peerConnection?.connectionState
  return typeof state === 'string' ? state as RTCPeerConnectionState : undefined
}
