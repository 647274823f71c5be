/**
 * The health monitor as a node service: `healthService(init)(components)`. It checks the node's routing-table
 * peers (within a connection budget only its neighbourhood and the ones it is connected to) and the peers other
 * services ask it to watch (the co-holders of the node's shards), with a probe that counts an open connection as an
 * answer and does not blame a relay-only peer for this node's own lost relay.
 * A dead peer leaves the routing table; a peer that connects is alive again at once; a storage node (not a tab)
 * whose last connection closes is checked at once, unless this node's own connection budget closed it.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { dialable, isUsableConnection, lostLastConnection, relayAddressMatcher, removeFromRoutingTable, routingTablePeers, type MeshLibp2p, type PeerKeeper } from '../net/index.ts'
import { DEFAULT_RETRY_DELAY_MS, HealthMonitor, type DeadPeer, type HealthEvents } from './health.ts'
import { chunkServiceProbe, connectedOrProbe, unlessIsolated } from './probes.ts'
import type { Connection, PeerId, Startable } from '@libp2p/interface'

export interface HealthServiceInit {
  intervalMs: number
  retries: number
  allowPrivateAddresses: boolean
  /** This node dials other nodes' plain WebSocket addresses (headless nodes). */
  dialWebSocketPeers?: boolean
  /** This node dials `/webrtc-direct` addresses (a browser): a peer listening for it is reachable without the relay. */
  dialWebRTCDirect?: boolean
  /** False: this node cannot open WebRTC, so a peer reachable only over WebRTC is no sign of isolation. */
  webrtc?: boolean
  /**
   * Whether this node's connection budget closed `connection` to make room: the peer did nothing, and is not
   * checked for it (a check dials, which within a full budget closes another connection, whose close led to the
   * next check: thousands of dials an hour).
   */
  closedForRoom?: (connection: Connection) => boolean
  /**
   * This node has a connection budget: of its routing table it checks only its neighbourhood (the peers its keeper
   * keeps connected, which share its keys) and the peers it is connected to, besides the watched ones. A check of an
   * unconnected peer dials it, and a tab's routing table holds more peers than its budget: in a simulated mesh of 100
   * nodes (tab budgets of 16) every tab's round dialled dozens of peers, each dial closing another connection for
   * room: 1,400 to 4,100 connections opened per tab and idle hour, 28 without those checks.
   */
  budgeted?: boolean
  log?: (message: string) => void
}

export interface HealthServiceComponents {
  libp2p: MeshLibp2p
  keeper: Pick<PeerKeeper, 'isRelay' | 'isNeighbour' | 'nonStoragePeers' | 'relayConnected' | 'relayPeerIds' | 'tabPeers'>
}

export interface HealthService extends Startable {
  /** The monitor's verdict: a dead peer is left out of placement and repair until it answers again. */
  isDead(peerId: string): boolean
  deadPeers(): DeadPeer[]
  on<K extends keyof HealthEvents>(type: K, listener: (detail: HealthEvents[K]) => void): () => void
  /**
   * Checks a storage node now, out of turn, as when its connection closes: another service could not reach it (a
   * repair survey's LIST). A tab, the relay and non-storage peers wait for the round.
   */
  checkSoon(peerId: string): void
  /** Adds peers to check every round besides the routing table's (the repairer's co-holders). */
  watch(peers: () => Iterable<string>): void
  /** Starts the checks; the first round comes `firstRoundInMs` later (a node still connecting has dead-looking peers). */
  startChecks(firstRoundInMs: number): void
}

/**
 * The routing-table peers a health round checks: all of them, or within a connection budget (`budgeted`) only the
 * node's neighbourhood and the peers it is connected to (see `HealthServiceInit.budgeted`).
 */
export function routingTablePeersToCheck (
  peers: readonly PeerId[],
  budgeted: boolean,
  keeper: Pick<PeerKeeper, 'isNeighbour'>,
  libp2p: { getConnections(peerId?: PeerId): unknown[] }
): string[] {
  return peers.filter(peerId => !budgeted || keeper.isNeighbour(peerId.toString()) || libp2p.getConnections(peerId).length > 0).map(String)
}

export function healthService (init: HealthServiceInit) {
  return (components: HealthServiceComponents): HealthService => {
    const { libp2p, keeper } = components
    const watched: Array<() => Iterable<string>> = []
    const isRelayAddress = relayAddressMatcher(() => keeper.relayPeerIds)
    const isDialable = (addr: string): boolean => {
      try {
        return dialable(multiaddr(addr), { dialWebSocketPeers: init.dialWebSocketPeers, dialWebRTCDirect: init.dialWebRTCDirect, webrtc: init.webrtc, allowPrivateAddresses: init.allowPrivateAddresses, isRelayAddress })
      } catch {
        return false
      }
    }
    const monitor = new HealthMonitor({
      // Storage nodes only: the relay is in the routing table too, but serves no shards.
      peers: () => [...routingTablePeersToCheck(routingTablePeers(libp2p), init.budgeted === true, keeper, libp2p), ...watched.flatMap(source => [...source()])]
        .filter(id => !keeper.isRelay(id) && !keeper.nonStoragePeers.has(id)),
      probe: connectedOrProbe(libp2p, unlessIsolated(libp2p, () => keeper.relayConnected(), chunkServiceProbe(libp2p), isDialable)),
      self: libp2p.peerId.toString(),
      aliveNow: peerId => libp2p.getConnections(peerIdFromString(peerId)).some(isUsableConnection),
      intervalMs: init.intervalMs,
      retries: init.retries,
      // Retries 2 s apart, or closer when the interval is short (tests), so that a check fits in one interval: a
      // round waits for its slowest check, and a peer that died just after its check would wait a long round more.
      retryDelayMs: Math.min(DEFAULT_RETRY_DELAY_MS, init.intervalMs / (init.retries + 1)),
      log: init.log
    })
    const offDead = monitor.on('dead', ({ peerId }) => {
      void removeFromRoutingTable(libp2p, peerIdFromString(peerId)).catch(() => {})
    })
    const onConnect = (event: CustomEvent<PeerId>): void => { monitor.noteAlive(event.detail.toString()) }
    // A headless storage node's connections close at once when its process dies: it is checked then, not at the
    // next round. A tab's close as often means a reload, and waits for the round like any silence.
    const checkStorageNodeSoon = (peerId: string): void => {
      if (keeper.isRelay(peerId) || keeper.nonStoragePeers.has(peerId) || keeper.tabPeers.has(peerId)) return
      monitor.checkSoon(peerId)
    }
    // The last usable connection to the peer closed, and not by this node's budget.
    const onClose = (event: CustomEvent<Connection>): void => {
      if (lostLastConnection(libp2p, event.detail, init.closedForRoom)) checkStorageNodeSoon(event.detail.remotePeer.toString())
    }
    let listening = false
    return {
      isDead: peerId => monitor.isDead(peerId),
      deadPeers: () => monitor.deadPeers(),
      on: (type, listener) => monitor.on(type, listener),
      watch: peers => { watched.push(peers) },
      checkSoon: checkStorageNodeSoon,
      start: () => {
        if (listening) return
        listening = true
        libp2p.addEventListener('peer:connect', onConnect)
        libp2p.addEventListener('connection:close', onClose)
      },
      startChecks: firstRoundInMs => { monitor.start(firstRoundInMs) },
      stop: async () => {
        libp2p.removeEventListener('peer:connect', onConnect)
        libp2p.removeEventListener('connection:close', onClose)
        listening = false
        offDead()
        await monitor.stop()
      }
    }
  }
}
