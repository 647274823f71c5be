/**
 * The network layer: the only place that builds a libp2p node (`createMeshLibp2p`), the peer keeper that keeps a
 * node on its relay and connected to the storage nodes it knows, and the one `HolderSelector`: "who holds key K"
 * for store, fetch and repair alike; operator nodes share which budgeted tabs they hold (the backbone directory).
 */
export { connectionPingIntervalFor, createMeshLibp2p, DEFAULT_CONNECTION_PING_INTERVAL_MS, dialable, MAX_CONNECTION_PING_INTERVAL_MS, isDirect, isMuxerClosed, isPlainRelayed, isUsableConnection, relayAddressMatcher } from './libp2p.ts'
export type { DialPolicy, MeshLibp2p, MeshLibp2pOptions, MeshRTCConfiguration, MeshServices, MeshTransport } from './libp2p.ts'
export type { PeerStoreCacheOptions } from './peer-store-cache.ts'
export { BOOTSTRAP_PATH, fetchBootstrapInfo, relayAddrFromUrl } from './bootstrap.ts'
export type { BootstrapInfo } from './bootstrap.ts'
export { agentWithBudget, agentWithStorage, BACKBONE_OPERATORS, budgetOfAgent, holderClassOfAgent, isTabAgent, isTabClass, KAD_KEEP_ALIVE_TAG, neighbourhoodTarget, PeerKeeper, storageOfAgent, TAB_AGENT_PREFIX, type HolderClass, type StoragePersistence } from './peer-keeper.ts'
export { ConnectionBudget, lostLastConnection, type ConnectionBudgetOptions, type ConnectionBudgetStats } from './connection-budget.ts'
export type { PendingPeer, RelayRegained } from './peer-keeper.ts'
export { hasReservation, keepOutOfRoutingTable, pingOnlyConnected, removeFromRoutingTable, routingTablePeers, whenJoined } from './routing-table.ts'
export { MeshHolderSelector, type HolderSelector, type HolderSelectorOptions, type LookupStep, type SelectOptions } from './holder-selector.ts'
export { DEFAULT_CLOSEST_CACHE_MS } from './closest-cache.ts'
export { ICE_PROBE_TIMEOUT_MS, probeIceCandidates, type IceProbeResult } from './webrtc-probe.ts'
export { decodeNeighbourhood, dialNeighbours, encodeNeighbourhood, neighbourhoodSnapshot, REMEMBERED_NEIGHBOURS, restoreNeighbourhood, type RememberedPeer } from './neighbourhood.ts'
export { askClosest, serveClosest, type ClosestPeerAnswer } from './closest-protocol.ts'
export { BackboneDirectory, DIRECTORY_DEBOUNCE_MS, MAX_VOUCHED, type BackboneDirectoryOptions } from './backbone-directory.ts'
