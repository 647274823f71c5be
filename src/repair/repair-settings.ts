/** The repairer's settings and what one round reports. */
import { MAX_LOST_AFTER_MS } from '../config/index.ts'
import { InvalidConfigError, nonNegative, positive } from '../errors/index.ts'
import type { HolderClass, HolderSelector } from '../net/index.ts'
import { DEFAULT_TOMBSTONE_RETENTION_MS, type ChunkExchangeInit } from '../protocols/index.ts'
import {
  DEFAULT_PASS_ONS_PER_PEER,
  DEFAULT_PASS_ONS_PER_ROUND,
  DEFAULT_PASS_ON_AGAIN_AFTER_MS,
  DEFAULT_TOMBSTONES_SCANNED_PER_ROUND,
  DEFAULT_TOMBSTONE_KEYS_PER_ROUND
} from './tombstone-relay.ts'
import { DEFAULT_ALLOWED_STRIPES, type PlacementRules, type Stripe, type StripeOperators } from '../placement/index.ts'
import type { ChunkStore } from '../store/index.ts'
import type { PrivateKey } from '@libp2p/interface'

export const DEFAULT_REPAIR_INTERVAL_MS = 5 * 60_000
export const DEFAULT_HANDOFF_GRACE_MS = 10 * 60_000
export const DEFAULT_FALLBACK_DELAY_MS = 60_000
/**
 * Objects whose shards this node received this recently are left alone: their owner may still be placing the
 * other shards, and a survey then would "repair" a store in progress.
 */
export const DEFAULT_NEW_OBJECT_GRACE_MS = 30_000
/** Next-closest nodes surveyed beyond the expected holders: where shards of nodes pushed out by newcomers are. */
export const DEFAULT_SURVEY_SPARES = 5
export const DEFAULT_MAX_CONCURRENT_OBJECTS = 4
export const DEFAULT_MAX_CONCURRENT_KEYS = 2
/**
 * LISTs (and spot-check FETCHes) in flight at once in a survey: one to every peer of a default ring (k + m +
 * surveySpares = 20, this node among them). A LIST is a few summaries, and each peer gets one per surveyor; asked
 * 8 at a time, the 19 peers took three round trips, 2.5 to 3.7 s of a repair round on a loaded two-core machine.
 */
export const DEFAULT_SURVEY_CONCURRENCY = 19
export const DEFAULT_REPAIR_REQUEST_TIMEOUT_MS = 15_000
/** Rounds a ring peer may fail to answer LIST before its holdings count as empty instead of unknown. */
export const DEFAULT_UNRESPONSIVE_ROUNDS = 3
/**
 * A key whose survey left an expected holder unanswered (its shards unknown, so nothing was rebuilt) is surveyed
 * again this soon rather than at the next regular round: by then the health monitor has declared that holder dead
 * or it answers again (a busy or overloaded holder, a LIST lost with a replaced connection). Doubled for each
 * further uncertain round of the key, up to the regular interval (`uncertainRetryDelay`).
 */
export const DEFAULT_UNCERTAIN_RETRY_MS = 30_000
export const DEFAULT_SCRUB_BYTES_PER_ROUND = 64 * 1024 * 1024
/**
 * Codeword bytes ((k + m) x shard size) this node rebuilds for one owner in one round; the rest waits for the
 * next round. Bounds what one owner (or one who stores under their own key to make the mesh work) costs a
 * repairer; the first rebuild of a round always runs, so no object is too big to repair.
 */
export const DEFAULT_MAX_REBUILD_BYTES_PER_OWNER = 256 * 1024 * 1024
/**
 * A key whose last survey found every object fully placed is surveyed again only when its ring or this node's
 * holdings change, or after this long: what a survey would find then is a live holder that lost a shard.
 */
export const DEFAULT_RESURVEY_AFTER_MS = 60 * 60_000
/**
 * Objects whose claimed shards each surveyed peer must produce (a FETCH checked against the manifest) before its
 * LIST claims count (spot-check.ts); 0 trusts LIST answers as they are.
 */
export const DEFAULT_SPOT_CHECK_OBJECTS = 1
/**
 * How long a peer that failed a challenge (a spot check of its LIST claims, or a hand-off or drop whose keeper sent
 * no valid copy back) stays out of this node's rings: no keeper, source or target of repair meanwhile.
 */
export const DEFAULT_DISTRUST_MS = 60 * 60_000
/** How long a peer whose LIST claims passed a spot check is not checked again by this node. */
export const DEFAULT_SPOT_CHECK_EVERY_MS = 10 * 60_000
/**
 * How long a holder the health monitor declared dead still counts as holding its shards: its shards are rebuilt
 * elsewhere only once it has stayed dead this long (a tab closed overnight is offline, not gone). 0: at once.
 * The grace of operator nodes and of holders whose class is not known; tabs have `tabLostAfterMs`, by default the same.
 */
export const DEFAULT_LOST_AFTER_MS = 0
/** The longest `lostAfterMs` and `tabLostAfterMs` accepted (30 days): the node setting's own bound. */
export { MAX_LOST_AFTER_MS }

/**
 * After a death, the nodes this near the key (0-based rank among the live ring and this node) survey at once: the
 * repairer is among them. The others wait one fallback delay, the earliest they could be asked to rebuild.
 */
export const PROMPT_SURVEY_RANKS = 3
/**
 * A requested round starts after a random pause up to this long: every node learns of a death at about the same
 * time, and their surveys would otherwise all hit the same holders in the same instant.
 */
export const DEFAULT_REQUEST_JITTER_MS = 1000

export interface RepairerInit {
  libp2p: ChunkExchangeInit['libp2p']
  /** This node's own store: the shards it holds and repairs. */
  store: ChunkStore
  /**
   * Who holds a key: the node's one holder selector (dead peers excluded, this node included where it ranks).
   * Repair asks it `localOnly`: see `Repairer`.
   */
  holders: HolderSelector
  /** The health monitor's verdict; a dead peer is never surveyed, read from or written to. */
  isDead?: (peerId: string) => boolean
  /**
   * Told of a peer that could not be reached for a survey's LIST: the health monitor checks it now rather than at
   * its next round, so the objects it holds are not left uncertain for a round longer than its death takes to show.
   */
  suspect?: (peerId: string) => void
  /** Peers (this node included) that take the repairer role only after all others: browser tabs (`repairOrder`). */
  repairsLast?: (peerId: string) => boolean
  /**
   * The class each peer announced (`PeerKeeper.classOf`): a dead tab keeps counting as a holder for `tabLostAfterMs`,
   * a dead tab with best-effort storage (the browser may evict its shards) for the shorter of `lostAfterMs` and
   * `tabLostAfterMs`, any other holder for `lostAfterMs`. Default 'unknown' for every peer: `lostAfterMs`.
   */
  classOf?: (peerId: string) => HolderClass
  /** Signs receipts for shards this node stores on itself. */
  nodeKey?: PrivateKey
  placementRules?: PlacementRules
  /** Stripes (k + m) repaired; objects of other stripes are left alone (holders refuse them; default 10 + 5). */
  allowedStripes?: readonly Stripe[]
  /**
   * Stripes placed by class: an object's expected holders are its `operators` closest operator nodes and its closest
   * tabs (`placementOrder`), not its k + m closest nodes. The same on every node of a mesh. Default none.
   */
  operatorHolders?: readonly StripeOperators[]
  /** Codeword bytes rebuilt per owner per round (see DEFAULT_MAX_REBUILD_BYTES_PER_OWNER). */
  maxRebuildBytesPerOwner?: number
  /** Between regular rounds; a round also runs when `requestRound()` is called and when a delay below ends. */
  intervalMs?: number
  requestJitterMs?: number
  handoffGraceMs?: number
  /** See DEFAULT_LOST_AFTER_MS (at most MAX_LOST_AFTER_MS): the grace of every holder that is not a tab (`classOf`). */
  lostAfterMs?: number
  /** The grace of holders that are tabs (`classOf`), at most MAX_LOST_AFTER_MS; default `lostAfterMs`. */
  tabLostAfterMs?: number
  /**
   * An object is rebuilt only when its counted shards (distinct shards on holders that answer, plus those of holders
   * dead for less than their grace, `lostAfterMs` or `tabLostAfterMs`) are this many or fewer; every shard it lacks
   * is then rebuilt at once. Must lie in k..k + m - 1 for every stripe in `allowedStripes`. Default k + m - 1 per
   * object: any missing shard.
   */
  repairThreshold?: number
  /** Per stripe, a threshold in place of `repairThreshold` for objects of that stripe (k..k + m - 1; a stripe of `allowedStripes`). */
  repairThresholds?: ReadonlyArray<{ k: number, m: number, threshold: number }>
  fallbackDelayMs?: number
  newObjectGraceMs?: number
  surveySpares?: number
  maxConcurrentObjects?: number
  maxConcurrentKeys?: number
  surveyConcurrency?: number
  /** Per chunk request (LIST, FETCH, STORE page). */
  requestTimeoutMs?: number
  requestsPerHolder?: number
  unresponsiveRounds?: number
  uncertainRetryMs?: number
  scrubBytesPerRound?: number
  /** 0 surveys every key every round. */
  resurveyAfterMs?: number
  /** See DEFAULT_SPOT_CHECK_OBJECTS; 0 turns spot checks off. */
  spotCheckObjects?: number
  /** See DEFAULT_DISTRUST_MS. */
  distrustMs?: number
  /** See DEFAULT_SPOT_CHECK_EVERY_MS; 0 checks every surveyed peer every time. */
  spotCheckEveryMs?: number
  /**
   * How long the holders' tombstones bar a deleted object (the chunk service's `tombstoneRetentionMs`, default 90
   * days): tombstones are passed on to co-holders that missed the delete for that long (tombstone-relay.ts).
   */
  tombstoneRetentionMs?: number
  /** See DEFAULT_TOMBSTONES_SCANNED_PER_ROUND. */
  tombstonesScannedPerRound?: number
  /** See DEFAULT_TOMBSTONE_KEYS_PER_ROUND. */
  tombstoneKeysPerRound?: number
  /** See DEFAULT_PASS_ONS_PER_PEER. */
  passOnsPerPeer?: number
  /** See DEFAULT_PASS_ONS_PER_ROUND. */
  passOnsPerRound?: number
  /** See DEFAULT_PASS_ON_AGAIN_AFTER_MS. */
  passOnAgainAfterMs?: number
  finishedTasksKept?: number
  now?: () => number
  log?: (message: string) => void
}

export interface RepairRound {
  startedAt: number
  durationMs: number
  placementKeys: number
  objects: number
  /** Shards this node rebuilt and stored. */
  rebuilt: number
  handedOff: number
  dropped: number
  corrupt: number
  /** Keys left unsurveyed: fully placed at the last survey, and neither their ring nor this node's shards changed. */
  unchangedKeys: number
  /** Keys whose survey waits after a death, since nearer holders repair first (PROMPT_SURVEY_RANKS). */
  deferredKeys: number
  /** Steps this node put off: until a fallback delay or grace period ends, or until every expected holder answers. */
  waiting: number
  /** LIST requests that failed twice (the peer's holdings were unknown for that key this round). */
  unanswered: number
  /** Rebuilds put off to a later round: their owner's rebuild budget for this round was spent. */
  overBudget: number
  /** Objects of a stripe this node does not accept, left alone. */
  unsupportedStripe: number
  /**
   * Objects short of shards whose rebuild waits: their counted shards are still above the repair threshold (holders
   * offline for less than their grace, `lostAfterMs` or `tabLostAfterMs`, count).
   */
  heldBack: number
  /**
   * Objects lacking shards of holders inside their grace (`lostAfterMs`, or `tabLostAfterMs` for tabs): those shards
   * count and are not rebuilt.
   */
  graced: number
  /** Tasks that failed (a holder unreachable, too few shards): they are retried next round. */
  failures: number
  /** Unexpected errors (the store failing, a bug); logged, and the round carried on with the next object. */
  errors: number
  /** Spot-check FETCHes of LIST claims sent (spot-check.ts). */
  spotChecks: number
  /** Peers this round found claiming shards they could not produce, or keeping none they acknowledged: now distrusted. */
  distrusted: number
  /** Tombstones passed on to co-holders that still claimed shards of their objects (tombstone-relay.ts). */
  tombstonesPassedOn: number
  /** Keys this node keeps tombstones of and no shard, whose rings it surveyed for that. */
  tombstoneKeysSurveyed: number
  /** When something this node waits for falls due, if it does before the next regular round. */
  nextDueAt?: number
  aborted: boolean
}

export type RepairSettings = Required<Pick<RepairerInit, 'intervalMs' | 'requestJitterMs' | 'handoffGraceMs' | 'fallbackDelayMs' | 'newObjectGraceMs' |
'surveySpares' | 'maxConcurrentObjects' | 'maxConcurrentKeys' | 'surveyConcurrency' | 'requestTimeoutMs' | 'unresponsiveRounds' |
'uncertainRetryMs' | 'scrubBytesPerRound' | 'resurveyAfterMs' | 'maxRebuildBytesPerOwner' | 'spotCheckObjects' | 'distrustMs' | 'spotCheckEveryMs' |
'tombstoneRetentionMs' | 'tombstonesScannedPerRound' | 'tombstoneKeysPerRound' | 'passOnsPerPeer' | 'passOnsPerRound' | 'passOnAgainAfterMs' | 'lostAfterMs' | 'tabLostAfterMs'>> &
{ repairThreshold: number | undefined, repairThresholds: ReadonlyArray<{ k: number, m: number, threshold: number }> }

/** The settings with defaults filled in. @throws {InvalidConfigError} for a value that cannot be used */
export function resolveRepairSettings (init: RepairerInit): RepairSettings {
  const lostAfterMs = lostAfter('lostAfterMs', init.lostAfterMs ?? DEFAULT_LOST_AFTER_MS)
  return {
    intervalMs: positive('intervalMs', init.intervalMs ?? DEFAULT_REPAIR_INTERVAL_MS),
    requestJitterMs: nonNegative('requestJitterMs', init.requestJitterMs ?? DEFAULT_REQUEST_JITTER_MS),
    handoffGraceMs: nonNegative('handoffGraceMs', init.handoffGraceMs ?? DEFAULT_HANDOFF_GRACE_MS),
    lostAfterMs,
    tabLostAfterMs: lostAfter('tabLostAfterMs', init.tabLostAfterMs ?? lostAfterMs),
    repairThreshold: validRepairThreshold(init.repairThreshold, (init.allowedStripes ?? DEFAULT_ALLOWED_STRIPES)
      .filter(({ k, m }) => !(init.repairThresholds ?? []).some(entry => entry.k === k && entry.m === m))),
    repairThresholds: validStripeThresholds(init.repairThresholds ?? [], init.allowedStripes ?? DEFAULT_ALLOWED_STRIPES),
    fallbackDelayMs: nonNegative('fallbackDelayMs', init.fallbackDelayMs ?? DEFAULT_FALLBACK_DELAY_MS),
    newObjectGraceMs: nonNegative('newObjectGraceMs', init.newObjectGraceMs ?? DEFAULT_NEW_OBJECT_GRACE_MS),
    surveySpares: nonNegative('surveySpares', init.surveySpares ?? DEFAULT_SURVEY_SPARES),
    maxConcurrentObjects: positive('maxConcurrentObjects', init.maxConcurrentObjects ?? DEFAULT_MAX_CONCURRENT_OBJECTS),
    maxConcurrentKeys: positive('maxConcurrentKeys', init.maxConcurrentKeys ?? DEFAULT_MAX_CONCURRENT_KEYS),
    surveyConcurrency: positive('surveyConcurrency', init.surveyConcurrency ?? DEFAULT_SURVEY_CONCURRENCY),
    requestTimeoutMs: positive('requestTimeoutMs', init.requestTimeoutMs ?? DEFAULT_REPAIR_REQUEST_TIMEOUT_MS),
    unresponsiveRounds: positive('unresponsiveRounds', init.unresponsiveRounds ?? DEFAULT_UNRESPONSIVE_ROUNDS),
    uncertainRetryMs: positive('uncertainRetryMs', init.uncertainRetryMs ?? DEFAULT_UNCERTAIN_RETRY_MS),
    scrubBytesPerRound: positive('scrubBytesPerRound', init.scrubBytesPerRound ?? DEFAULT_SCRUB_BYTES_PER_ROUND),
    resurveyAfterMs: nonNegative('resurveyAfterMs', init.resurveyAfterMs ?? DEFAULT_RESURVEY_AFTER_MS),
    maxRebuildBytesPerOwner: positive('maxRebuildBytesPerOwner', init.maxRebuildBytesPerOwner ?? DEFAULT_MAX_REBUILD_BYTES_PER_OWNER),
    spotCheckObjects: nonNegative('spotCheckObjects', init.spotCheckObjects ?? DEFAULT_SPOT_CHECK_OBJECTS),
    distrustMs: nonNegative('distrustMs', init.distrustMs ?? DEFAULT_DISTRUST_MS),
    spotCheckEveryMs: nonNegative('spotCheckEveryMs', init.spotCheckEveryMs ?? DEFAULT_SPOT_CHECK_EVERY_MS),
    tombstoneRetentionMs: positive('tombstoneRetentionMs', init.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS),
    tombstonesScannedPerRound: positive('tombstonesScannedPerRound', init.tombstonesScannedPerRound ?? DEFAULT_TOMBSTONES_SCANNED_PER_ROUND),
    tombstoneKeysPerRound: nonNegative('tombstoneKeysPerRound', init.tombstoneKeysPerRound ?? DEFAULT_TOMBSTONE_KEYS_PER_ROUND),
    passOnsPerPeer: nonNegative('passOnsPerPeer', init.passOnsPerPeer ?? DEFAULT_PASS_ONS_PER_PEER),
    passOnsPerRound: nonNegative('passOnsPerRound', init.passOnsPerRound ?? DEFAULT_PASS_ONS_PER_ROUND),
    passOnAgainAfterMs: nonNegative('passOnAgainAfterMs', init.passOnAgainAfterMs ?? DEFAULT_PASS_ON_AGAIN_AFTER_MS)
  }
}

function lostAfter (name: 'lostAfterMs' | 'tabLostAfterMs', value: number): number {
  if (!(nonNegative(name, value) <= MAX_LOST_AFTER_MS)) {
    throw new InvalidConfigError(`${name} must be at most ${MAX_LOST_AFTER_MS} (30 days), got ${value}`)
  }
  return value
}

/**
 * `threshold` if it is a whole number in k..k + m - 1 for every stripe of `stripes` (undefined stays undefined: k + m
 * - 1 per object). Below k an object would be unreadable before its repair starts; k + m or more would repair
 * objects that lack nothing. @throws {InvalidConfigError} otherwise
 */
export function validRepairThreshold (threshold: number | undefined, stripes: readonly Stripe[]): number | undefined {
  if (threshold === undefined) return undefined
  for (const { k, m } of stripes) {
    if (!Number.isInteger(threshold) || threshold < k || threshold >= k + m) {
      throw new InvalidConfigError(`repairThreshold must be a whole number from k to k + m - 1 for every stripe (${k}+${m}: ` +
        `${k} to ${k + m - 1}), got ${String(threshold)}`)
    }
  }
  return threshold
}

/** Each threshold of its own stripe, which is one of `stripes`, in k..k + m - 1. @throws {InvalidConfigError} otherwise */
function validStripeThresholds (thresholds: ReadonlyArray<{ k: number, m: number, threshold: number }>, stripes: readonly Stripe[]): ReadonlyArray<{ k: number, m: number, threshold: number }> {
  for (const { k, m, threshold } of thresholds) {
    if (!stripes.some(stripe => stripe.k === k && stripe.m === m)) {
      throw new InvalidConfigError(`repairThresholds names stripe ${k}+${m}, which is not repaired here (allowedStripes: ${stripes.map(s => `${s.k}+${s.m}`).join(', ')})`)
    }
    validRepairThreshold(threshold, [{ k, m }])
  }
  return thresholds
}

/**
 * The repair threshold of an object of stripe k + m under `settings`: its stripe's own (`repairThresholds`), else
 * `repairThreshold`, else k + m - 1.
 */
export function repairThresholdOf (settings: Pick<RepairSettings, 'repairThreshold'> & Partial<Pick<RepairSettings, 'repairThresholds'>>, stripe: Stripe): number {
  return settings.repairThresholds?.find(entry => entry.k === stripe.k && entry.m === stripe.m)?.threshold ?? settings.repairThreshold ?? stripe.k + stripe.m - 1
}

/**
 * When a key left uncertain `streak` rounds in a row is surveyed again: one retry delay after the first such round,
 * twice that after the second, and so on up to the regular interval (a holder that stays silent, or a tab not
 * reachable yet, must not have every co-holder survey the key every few seconds).
 */
export function uncertainRetryDelay (streak: number, settings: Pick<RepairSettings, 'uncertainRetryMs' | 'intervalMs'>): number {
  return Math.min(settings.intervalMs, settings.uncertainRetryMs * 2 ** Math.max(0, streak - 1))
}

export function emptyRound (startedAt: number): RepairRound {
  return {
    startedAt, durationMs: 0, placementKeys: 0, unchangedKeys: 0, deferredKeys: 0, objects: 0, rebuilt: 0, handedOff: 0, dropped: 0, corrupt: 0,
    waiting: 0, unanswered: 0, overBudget: 0, unsupportedStripe: 0, heldBack: 0, graced: 0, failures: 0, errors: 0, spotChecks: 0, distrusted: 0,
    tombstonesPassedOn: 0, tombstoneKeysSurveyed: 0, aborted: false
  }
}



/**
 * After joining, a node waits one health interval, and at least five of them up to this long, before its first
 * repair round (the default 5-minute interval waits 5 minutes; a 2-second one, as in tests, 10 s).
 */
export const REPAIR_START_DELAY_MS = 30_000
/** A repair sweep runs every this many health intervals (and at once when a peer dies or comes back). */
export const REPAIR_SWEEP_EVERY_HEALTH_ROUNDS = 5

/** The repairer's timings, derived from the health interval every node shares so that they all agree. */
export interface RepairTimings {
  /** Before the first round after joining, once the node has met its neighbourhood. */
  startDelayMs: number
  intervalMs: number
  resurveyAfterMs: number
  newObjectGraceMs: number
  requestJitterMs: number
  uncertainRetryMs: number
  fallbackDelayMs: number
}

export function repairTimings (healthIntervalMs: number): RepairTimings {
  // A full sweep surveys every co-holder of every key this node holds: too costly for every health round. Deaths
  // and returns start a round at once; the sweep finds the rest (hand-offs to newcomers, shards lost in place).
  const intervalMs = healthIntervalMs * REPAIR_SWEEP_EVERY_HEALTH_ROUNDS
  return {
    startDelayMs: Math.max(healthIntervalMs, Math.min(REPAIR_START_DELAY_MS, 5 * healthIntervalMs)),
    intervalMs,
    // A key found in order is left alone until its ring or this node's shards of it change; every few sweeps it
    // is surveyed anyway, for shards lost on live holders (at most an hour apart).
    resurveyAfterMs: Math.min(DEFAULT_RESURVEY_AFTER_MS, 6 * intervalMs),
    // A store in progress is not a loss: wait a few rounds (at most 30 s) before examining a new object.
    newObjectGraceMs: Math.min(DEFAULT_NEW_OBJECT_GRACE_MS, 5 * healthIntervalMs),
    // Rounds after a death start within a quarter of a health interval (at most 1 s), spread over it.
    requestJitterMs: Math.min(DEFAULT_REQUEST_JITTER_MS, healthIntervalMs / 4),
    // An unanswered LIST is retried after one health interval (at most 30 s): the holder is dead by then or answers.
    uncertainRetryMs: Math.min(DEFAULT_UNCERTAIN_RETRY_MS, healthIntervalMs),
    // The next holder takes over a repair its nearer holder has not done after two health intervals (at most a
    // minute): a repair round takes seconds, while a repairer that is slow to see a death itself (a tab, whose
    // WebRTC connection to a crashed peer stays open for seconds) would otherwise hold its objects up a minute.
    fallbackDelayMs: Math.min(DEFAULT_FALLBACK_DELAY_MS, 2 * healthIntervalMs)
  }
}
