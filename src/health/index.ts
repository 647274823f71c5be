/**
 * Health checks (seed §4): every health interval a node checks its routing-table peers and the co-holders of
 * its shards; a peer that fails the check and its retries is dead, leaves placement, and its shards are rebuilt
 * by the repairer (src/repair). `HealthMonitor` keeps the verdicts; probes decide what counts as an answer.
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
export { healthService, type HealthService, type HealthServiceComponents, type HealthServiceInit } from './service.ts'
