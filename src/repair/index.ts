/**
 * Repair of the shards this node holds: rebuild of lost shards, hand-off to closer nodes, removal of surplus
 * copies and scrub of corrupted ones (Repairer). The node runs it as a service next to the health monitor
 * (src/health), whose verdicts (`isDead`, the 'dead' and 'alive' events) start and steer its rounds; the panel
 * reads `repairer.status()` (pending and finished tasks, totals).
 */
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
  InvalidGraceRecordError,
  KeeperMissingShardError,
  LocalShardCorruptError,
  NoShardTargetError,
  RebuiltShardMismatchError,
  RepairShortOfShardsError
} from './errors.ts'
export { ManifestCache } from './manifest-cache.ts'
export { REPAIR_START_DELAY_MS, REPAIR_SWEEP_EVERY_HEALTH_ROUNDS, repairTimings, type RepairTimings } from './repair-settings.ts'
export { GRACE_RECORD_NAME, repairService, type LocalRecords, type RepairService, type RepairServiceComponents, type RepairServiceInit } from './service.ts'
