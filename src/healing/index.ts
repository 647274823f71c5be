/**
 * Self-healing: health checks of peers (HealthMonitor), and repair of lost shards, hand-off to closer nodes and
 * removal of surplus copies (Repairer). A node wires them up roughly so:
 *
 *   const health = new HealthMonitor({
 *     peers: () => [...routingTablePeers(libp2p).map(String), ...repairer.coHolders()],
 *     probe: chunkServiceProbe(libp2p), self: libp2p.peerId.toString(),
 *     intervalMs: settings.healthIntervalMs, retries: settings.healthRetries
 *   })
 *   const repairer = new Repairer({
 *     libp2p, store, nodeKey: privateKey,
 *     closestPeers: (key, count) => closest.find(key, count),  // must skip health.isDead peers
 *     isDead: peer => health.isDead(peer),
 *     handoffGraceMs: settings.handoffGraceMs
 *   })
 *   health.on('dead', ({ peerId }) => { void removeFromRoutingTable(libp2p, peerIdFromString(peerId)); repairer.peerDied(peerId) })
 *   health.on('alive', () => repairer.requestRound())
 *   libp2p.addEventListener('peer:connect', event => health.noteAlive(event.detail.toString()))
 *   health.start(); repairer.start()   // and stop() both before libp2p.stop()
 *
 * The panel reads `health.deadPeers()` and `repairer.status()` (pending and finished tasks, totals).
 */
export {
  DEFAULT_FORGET_DEAD_AFTER_MS,
  DEFAULT_HEALTH_CONCURRENCY,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_RETRIES,
  DEFAULT_MAX_FAILING_FRACTION,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_RETRY_DELAY_MS,
  HealthMonitor,
  ProbeInconclusiveError,
  type DeadPeer,
  type HealthEvents,
  type HealthMonitorInit,
  type HealthProbe,
  type HealthRound,
  type PeerReturned
} from './health.ts'
export { chunkServiceProbe, connectedOrProbe, pingProbe, unlessIsolated, type AddressBook, type ConnectionsView, type PingCapable } from './probes.ts'
export { Repairer } from './repair.ts'
export {
  DEFAULT_FALLBACK_DELAY_MS,
  DEFAULT_HANDOFF_GRACE_MS,
  DEFAULT_MAX_CONCURRENT_KEYS,
  DEFAULT_MAX_CONCURRENT_OBJECTS,
  DEFAULT_NEW_OBJECT_GRACE_MS,
  DEFAULT_REPAIR_INTERVAL_MS,
  DEFAULT_REPAIR_REQUEST_TIMEOUT_MS,
  DEFAULT_REQUEST_JITTER_MS,
  DEFAULT_RESURVEY_AFTER_MS,
  DEFAULT_SCRUB_BYTES_PER_ROUND,
  DEFAULT_SURVEY_CONCURRENCY,
  DEFAULT_SURVEY_SPARES,
  DEFAULT_UNRESPONSIVE_ROUNDS,
  PROMPT_SURVEY_RANKS,
  type RepairRound,
  type RepairerInit
} from './repair-settings.ts'
export { planObject, type ObjectPlan, type ObjectSurvey, type ShardDrop, type ShardMove, type ShardRebuild } from './plan.ts'
export type { RepairCounters, RepairStatus, RepairTask, RepairTaskKind } from './report.ts'
export {
  KeeperMissingShardError,
  LocalShardCorruptError,
  NoShardTargetError,
  RebuiltShardMismatchError,
  RepairShortOfShardsError
} from './errors.ts'
