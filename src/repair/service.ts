/**
 * The repairer as a node service: `repairService(init)(components)`. It follows the health monitor (a death or a
 * return starts a round; the co-holders it surveys are watched by the monitor), and starts repairing only once
 * the node has joined and had time to meet its neighbourhood: a node that just (re)started knows few peers yet,
 * and would take shards held by peers it has not met for lost, or double shards up as if the mesh were smaller.
 *
 * With `records` (the node's key store), the dead holders it counts and what they held are kept across restarts
 * (grace-record.ts): read at start, written at stop and, once a health interval, when a holder died or came back.
 * After a stop longer than a health interval, their shards still count but each grace starts over (online-history.ts).
 */
import { initErasure } from '../erasure/index.ts'
import { errorText } from '../errors/index.ts'
import type { HealthService } from '../health/index.ts'
import type { HolderSelector, PeerKeeper } from '../net/index.ts'
import type { PlacementRules } from '../placement/index.ts'
import type { ChunkStore } from '../store/index.ts'
import { decodeGraceRecord, encodeGraceRecord } from './grace-record.ts'
import { Repairer } from './repair.ts'
import { repairTimings, type RepairRound, type RepairerInit } from './repair-settings.ts'
import type { RepairStatus } from './report.ts'
import type { PrivateKey, Startable } from '@libp2p/interface'

export interface RepairServiceInit {
  /** The health interval every node shares; repair timings derive from it (`repairTimings`). */
  healthIntervalMs: number
  handoffGraceMs: number
  /**
   * How long a holder declared dead still counts as holding its shards (see DEFAULT_LOST_AFTER_MS); default 0. The
   * grace of every holder that is not a tab. Each holder's class is the keeper's (`RepairServiceComponents.keeper`).
   */
  lostAfterMs?: number
  /**
   * The same for holders that are browser tabs; default `lostAfterMs`. A tab with best-effort storage gets the
   * shorter of the two.
   */
  tabLostAfterMs?: number
  /** Rebuild an object only when its counted shards fall to this (see RepairerInit.repairThreshold). */
  repairThreshold?: number
  /** Per stripe, a threshold in place of `repairThreshold` (see RepairerInit.repairThresholds). */
  repairThresholds?: RepairerInit['repairThresholds']
  /** Stripes placed by class (see RepairerInit.operatorHolders). */
  operatorHolders?: RepairerInit['operatorHolders']
  placementRules: PlacementRules
  /** Stripes (k + m) repaired; default the mesh's 10 + 5 (the node's `stripes` setting). */
  allowedStripes?: RepairerInit['allowedStripes']
  /** Requests to one holder at once (a holder's own per-peer cap). */
  requestsPerHolder: number
  /** Objects rebuilt at once. */
  maxConcurrentObjects: number
  /** Peers (this node included) that repair only after all others: browser tabs. */
  repairsLast?: RepairerInit['repairsLast']
  log?: (message: string) => void
  /** The clock graces and delays are measured on; default `Date.now`. */
  now?: () => number
}

/** Where a node keeps small records between runs, by name (its key store). */
export interface LocalRecords {
  get(name: string): Promise<Uint8Array | undefined>
  put(name: string, bytes: Uint8Array): Promise<void>
}

/** The name the dead holders' record is kept under in `LocalRecords`. */
export const GRACE_RECORD_NAME = 'repair-grace'

export interface RepairServiceComponents {
  libp2p: RepairerInit['libp2p']
  store: ChunkStore
  nodeKey: PrivateKey
  holders: HolderSelector
  health: Pick<HealthService, 'isDead' | 'on' | 'watch' | 'checkSoon'>
  /** The class each peer announced (tab, tab with best-effort storage, operator): how long a dead holder counts. */
  keeper: Pick<PeerKeeper, 'classOf'>
  /** Where the dead holders this node counts are kept across restarts; without it, a restart starts their graces over. */
  records?: LocalRecords
}

export interface RepairService extends Startable {
  /** Schedules the first round (`repairTimings().startDelayMs` from now) and warms up the erasure code. */
  startAfterJoin(): void
  status(): RepairStatus & { lastRound?: RepairRound }
}

export function repairService (init: RepairServiceInit) {
  return (components: RepairServiceComponents): RepairService => {
    const timings = repairTimings(init.healthIntervalMs)
    const repairer = new Repairer({
      libp2p: components.libp2p,
      store: components.store,
      nodeKey: components.nodeKey,
      holders: components.holders,
      isDead: peerId => components.health.isDead(peerId),
      suspect: peerId => { components.health.checkSoon(peerId) },
      repairsLast: init.repairsLast,
      placementRules: init.placementRules,
      allowedStripes: init.allowedStripes,
      intervalMs: timings.intervalMs,
      resurveyAfterMs: timings.resurveyAfterMs,
      handoffGraceMs: init.handoffGraceMs,
      lostAfterMs: init.lostAfterMs,
      tabLostAfterMs: init.tabLostAfterMs,
      classOf: peerId => components.keeper.classOf(peerId),
      repairThreshold: init.repairThreshold,
      repairThresholds: init.repairThresholds,
      operatorHolders: init.operatorHolders,
      newObjectGraceMs: timings.newObjectGraceMs,
      requestJitterMs: timings.requestJitterMs,
      uncertainRetryMs: timings.uncertainRetryMs,
      fallbackDelayMs: timings.fallbackDelayMs,
      maxConcurrentObjects: init.maxConcurrentObjects,
      requestsPerHolder: init.requestsPerHolder,
      log: init.log,
      now: init.now
    })
    const unsubscribe: Array<() => void> = []
    let startTimer: ReturnType<typeof setTimeout> | undefined
    let saveTimer: ReturnType<typeof setInterval> | undefined
    const { records } = components
    /** The revision of the grace last written (or read). */
    let savedRevision: number | undefined
    let saving: Promise<void> = Promise.resolve()
    const restoreGrace = async (): Promise<void> => {
      if (records === undefined || repairer.graceSnapshot() === undefined) return
      try {
        const bytes = await records.get(GRACE_RECORD_NAME)
        if (bytes === undefined) return
        const snapshot = decodeGraceRecord(bytes)
        const restored = repairer.restoreGrace(snapshot, init.healthIntervalMs)
        if (snapshot.dead.length > 0) {
          init.log?.(`repair: ${snapshot.dead.length} dead holders of the last run restored; ` + (restored === snapshot.dead.length
            ? 'their graces go on'
            : `${snapshot.dead.length - restored} start their graces over (this node was down longer than a health interval)`))
        }
      } catch (error) {
        init.log?.(`repair: the last run's dead holders are not restored, their graces start over: ${errorText(error)}`)
      }
      savedRevision = repairer.graceRevision
    }
    /** Writes the grace when it changed since last written, or always with `force` (at stop: its time is then fresh). */
    const saveGrace = async (force: boolean): Promise<void> => {
      saving = saving.then(async () => {
        if (records === undefined || (!force && repairer.graceRevision === savedRevision)) return
        const revision = repairer.graceRevision
        const snapshot = repairer.graceSnapshot()
        if (snapshot === undefined) return
        await records.put(GRACE_RECORD_NAME, encodeGraceRecord(snapshot))
        savedRevision = revision
      }).catch(error => { init.log?.(`repair: keeping the dead holders for the next run failed: ${errorText(error)}`) })
      await saving
    }
    return {
      start: async () => {
        await restoreGrace()
        if (records !== undefined) saveTimer = setInterval(() => { void saveGrace(false) }, init.healthIntervalMs)
        components.health.watch(() => repairer.coHolders())
        unsubscribe.push(
          components.health.on('dead', ({ peerId }) => { repairer.peerDied(peerId) }),
          components.health.on('alive', ({ peerId }) => { repairer.peerAlive(peerId) })
        )
      },
      startAfterJoin: () => {
        // The erasure code's WASM is compiled now rather than by the first repair (seconds on a busy machine).
        initErasure().catch(error => { init.log?.(`erasure coding is unavailable: ${errorText(error)}`) })
        startTimer = setTimeout(() => { repairer.start() }, timings.startDelayMs)
      },
      status: () => repairer.status(),
      stop: async () => {
        clearTimeout(startTimer)
        clearInterval(saveTimer)
        unsubscribe.splice(0).forEach(off => { off() })
        await repairer.stop()
        await saveGrace(true)
      }
    }
  }
}
