/**
 * The repairer every storage node runs over the shards it holds. Each round, per placement key it holds shards
 * of: find the expected holders (the k + m closest live storage nodes, from the injected `closestPeers`; there is
 * no global index, and the owner need not be online: the placement key in every held manifest is enough), LIST
 * what each of them and a few next-closest nodes hold, plan each object (plan.ts) and carry out this node's part:
 *
 * - rebuild missing shards, if this node is the object's repairer: the nearest node holding a shard of it. Each
 *   next-nearest holder takes over after one more `fallbackDelayMs` of the shortage persisting, in case the
 *   nearer ones are gone or stuck; a holder known dead is not in the ring at all, so the next one takes over at once.
 *   With a grace (`lostAfterMs`, or `tabLostAfterMs` for a holder that is a browser tab), a holder declared dead
 *   still counts as holding the shards an earlier survey saw on it until it has stayed dead that long
 *   (holder-grace.ts); with `repairThreshold`, an object is rebuilt only once its counted shards fall to the
 *   threshold, and then every shard it lacks at once (plan.ts `repairDue`);
 * - hand its own shard off to a closer node that holds none of the object, once that node has been among the
 *   expected holders for `handoffGraceMs` (tabs that come and go cause no traffic);
 * - drop its own copy of a shard an expected holder keeps (a node returned after its shards were rebuilt
 *   elsewhere), after the same grace and after fetching and verifying the keeper's copy;
 * - delete its own shards that no longer match their manifests (scrub), so they count as missing.
 *
 * Rounds never overlap, never throw, and do a bounded amount of work at a time.
 *
 * Nodes coordinate through nothing but the shared view: every holder of an object computes the same plan from the
 * same LIST answers, so exactly one of them rebuilds and the targets are the same whoever rebuilds. Where views
 * differ (a death seen by one node before another), two repairers may rebuild the same shard: they store it on the
 * same planned node, where the second STORE is an idempotent repeat, so extra work is possible but not extra copies.
 * A copy placed elsewhere on a stale view is a surplus copy, dropped by its holder after the grace period.
 */
import { bytesEqual, toHex } from '../crypto/index.ts'
import { DEFAULT_REQUESTS_PER_HOLDER } from '../objects/index.ts'
import { createChunkExchange, type ChunkExchange, type TombstoneExchange } from '../protocols/index.ts'
import { DEFAULT_ALLOWED_STRIPES, DEFAULT_PLACEMENT_RULES, operatorHoldersOf, placementOrder, rankPeers, type PlacementRules, type Stripe, type StripeOperators } from '../placement/index.ts'
import type { ShardSummary } from '../store/index.ts'
import type { ObjectId, ShardIndex } from '../types/index.ts'
import type { SignedManifest } from '../wire/index.ts'
import type { RepairContext } from './context.ts'
import { keyPoolFor } from './key-pool.ts'
import { ManifestCache, type KnownManifest } from './manifest-cache.ts'
import { ObjectSteps } from './object-steps.ts'
import { HolderGrace } from './holder-grace.ts'
import type { GraceSnapshot } from './grace-record.ts'
import { planObject, repairOrder, spreadOf } from './plan.ts'
import { forEachLimit } from '../async/index.ts'
import { errorText } from '../errors/index.ts'
import { DEFAULT_FINISHED_TASKS_KEPT, RepairLog, type RepairStatus } from './report.ts'
import { PROMPT_SURVEY_RANKS, emptyRound, repairThresholdOf, resolveRepairSettings, uncertainRetryDelay, type RepairRound, type RepairSettings, type RepairerInit } from './repair-settings.ts'
import { scrubShards } from './scrub.ts'
import { AcknowledgedShards } from './acknowledged-shards.ts'
import { CheckedPeers, DistrustedPeers, spotCheckClaims } from './spot-check.ts'
import { surveyKey, surveyOfRing, type KeySurvey } from './survey.ts'
import { TombstoneRelay, type RelayRound } from './tombstone-relay.ts'

/** A survey's LISTs taking this long are named in the log, with the slowest peer: repair waits on them. */
const SLOW_SURVEY_MS = 1000

/** Times a survey's ring is refilled in one round after peers in it died or were caught lying. */
const MAX_RING_REFRESHES = 3

/** This node's shards of one placement key: indices per object, and when it stored its newest shard of each. */
interface KeyGroup { key: Uint8Array, keyHex: string, objects: Map<ObjectId, number[]>, storedAt: Map<ObjectId, number> }

/**
 * What the last survey of a key saw: its live ring, this node's shards of it, whether all was in place, and whether
 * some object was short of shards. This node holds a shard of every object it examines, so it is one of that
 * object's repairers in turn, and its turn runs only while it keeps seeing the shortage.
 */
interface KeyView { ring: readonly string[], holdings: string, settled: boolean, short: boolean, surveyedAt: number, reexamineAt: number }

export class Repairer {
  private readonly init: RepairerInit
  private readonly selfId: string
  private readonly now: () => number
  private readonly emit: (message: string) => void
  private readonly exchange: ChunkExchange & TombstoneExchange
  private readonly placementRules: PlacementRules
  private readonly allowedStripes: readonly Stripe[]
  /** Stripes placed by class (`RepairerInit.operatorHolders`); empty: every stripe on its closest nodes. */
  private readonly operatorHolders: readonly StripeOperators[]
  private readonly isDead: (peerId: string) => boolean
  /** The health monitor's verdict alone (distrust aside). */
  private readonly declaredDead: (peerId: string) => boolean
  private readonly repairsLast: ((peerId: string) => boolean) | undefined
  private readonly settings: RepairSettings
  private readonly steps: ObjectSteps
  /** Peers that failed a challenge lately: out of every ring, as dead peers are, until their time is up. */
  private readonly distrusted: DistrustedPeers
  /** Peers whose LIST claims passed a spot check lately. */
  private readonly checked: CheckedPeers
  /** Receipts for shards this node's rebuilds placed, held against each key's next survey. */
  private readonly receipts: AcknowledgedShards
  /** Passes this node's tombstones on to co-holders that missed the delete. */
  private readonly relay: TombstoneRelay
  /** What the running round may still pass on. */
  private relayRound: RelayRound | undefined

  /** Which dead holders still count, each for the grace of its class (tab or not), and what they held. */
  private readonly grace: HolderGrace
  private readonly tasks: RepairLog
  private readonly manifests = new ManifestCache()
  /** Per placement key and k + m: since when each peer has been among the expected holders without interruption. */
  private readonly closestSince = new Map<string, Map<string, number>>()
  /** Per ring peer: consecutive rounds it failed to answer LIST, and the last such round. */
  private readonly silentStreaks = new Map<string, { rounds: number, round: number }>()
  /** Per placement key held: the live ring of its last survey (the co-holders the health monitor should watch). */
  private readonly rings = new Map<string, string[]>()
  /** Per placement key held: what its last survey saw (to leave unchanged keys alone). */
  private readonly views = new Map<string, KeyView>()
  /** Per placement key: until when its survey waits after a death, at a node not among the nearest (see surveyNotNeeded). */
  private readonly deferrals = new Map<string, number>()
  /** Peers the health monitor declared dead within the last `newObjectGraceMs`, and when. */
  private readonly recentDeaths = new Map<string, number>()
  /**
   * When the health monitor last declared a peer dead: spot checks and receipts wait until `newObjectGraceMs`
   * after it. Kept apart from `recentDeaths`, which each round prunes (also of peers no longer counted dead).
   */
  private lastDeathAt?: number
  /** Per placement key: consecutive rounds whose survey left some object of it uncertain. */
  private readonly uncertainStreaks = new Map<string, number>()
  private scrubCursor: string | undefined
  private roundNumber = 0
  private lastRound: RepairRound | undefined

  private controller = new AbortController()
  /** Aborts the running round alone: a death it did not know of when it began sets it aside (see peerDied). */
  private roundAbort: AbortController | undefined
  /** Whether the running round has begun to act (rebuild, hand off, drop) on some key: then it is not set aside. */
  private roundActing = false
  /** Peers whose LIST failed as unreachable in the running round. */
  private roundUnreachable = new Set<string>()
  private current: Promise<RepairRound> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false
  private rerun = false

  constructor (init: RepairerInit) {
    this.init = init
    this.selfId = init.libp2p.peerId.toString()
    this.now = init.now ?? Date.now
    this.emit = init.log ?? (() => {})
    this.placementRules = init.placementRules ?? DEFAULT_PLACEMENT_RULES
    this.allowedStripes = init.allowedStripes ?? DEFAULT_ALLOWED_STRIPES
    this.operatorHolders = init.operatorHolders ?? []
    const isDead = init.isDead ?? (() => false)
    this.declaredDead = peer => peer !== this.selfId && isDead(peer)
    this.isDead = peer => peer !== this.selfId && (isDead(peer) || this.distrusted.has(peer))
    this.repairsLast = init.repairsLast
    this.tasks = new RepairLog(init.finishedTasksKept ?? DEFAULT_FINISHED_TASKS_KEPT, this.now)
    this.settings = resolveRepairSettings(init)
    this.grace = new HolderGrace({
      settings: this.settings,
      classOf: init.classOf,
      declaredDead: this.declaredDead,
      distrusted: peer => this.distrusted.has(peer),
      now: this.now
    })
    this.distrusted = new DistrustedPeers(this.settings.distrustMs, this.now)
    this.checked = new CheckedPeers(this.settings.spotCheckEveryMs, this.now)
    this.receipts = new AcknowledgedShards(this.settings.distrustMs, this.now)
    this.exchange = createChunkExchange({
      libp2p: init.libp2p,
      store: init.store,
      placementRules: this.placementRules,
      nodeKey: init.nodeKey,
      requestsPerHolder: init.requestsPerHolder ?? DEFAULT_REQUESTS_PER_HOLDER,
      timeoutMs: this.settings.requestTimeoutMs,
      now: this.now
    })
    this.relay = new TombstoneRelay({
      exchange: this.exchange,
      settings: this.settings,
      now: this.now,
      emit: this.emit,
      // The widest stripe held here, and the spares: where shards of a deleted object may still be.
      ring: async key => {
        const widest = this.allowedStripes.reduce((a, b) => b.k + b.m > a.k + a.m ? b : a)
        return await this.liveRing(key, widest.k + widest.m + this.settings.surveySpares, widest)
      }
    })
    this.steps = new ObjectSteps({
      selfId: this.selfId, settings: this.settings, tasks: this.tasks, now: this.now, emit: this.emit, roundNumber: () => this.roundNumber
    })
  }

  /** Runs a round now, then after every `intervalMs`, and whenever something it waits for falls due. */
  start (): void {
    if (this.running) return
    this.running = true
    this.schedule(0)
  }

  /** Stops scheduling, cuts the running round short (requests are aborted) and waits for it to end. */
  async stop (): Promise<void> {
    this.running = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.controller.abort(new Error('repairer stopped'))
    await this.current?.catch(() => {})
    this.controller = new AbortController()
  }

  /**
   * Asks for a round soon (a peer was declared dead or came back): after a short random pause, or right after the
   * running round. Does nothing unless started.
   */
  requestRound (): void {
    if (!this.running) return
    if (this.current !== undefined) this.rerun = true
    else this.schedule(this.jitter())
  }

  /**
   * Tells the repairer that the health monitor declared `peerId` dead, and asks for a round. Objects too new to be
   * examined otherwise (their owner may still be storing them) are examined at once if `peerId` was one of their
   * expected holders: their missing shards are then a loss, not a store in progress.
   */
  peerDied (peerId: string): void {
    this.grace.died(peerId)
    this.recentDeaths.set(peerId, this.now())
    this.lastDeathAt = this.now()
    // A round still surveying was planned without this death: its ring still counts the dead peer, and it may be
    // waiting on it or spot-checking peers. It is set aside and the next round starts at once; one that has begun
    // to rebuild carries on. So does one whose LIST to that peer already failed: its survey waits on it no more,
    // and leaves it out and surveys the nodes that move up once the LISTs are in (examineKey). Starting over cost
    // a whole survey: in the heal suite the nearest holders' own checks declared the crashed holders while their
    // surveys ran, one after another, and a repairer set its round aside two or three times.
    if (this.current !== undefined && !this.roundActing && this.roundAbort !== undefined && !this.roundAbort.signal.aborted &&
      !this.roundUnreachable.has(peerId)) {
      this.roundAbort.abort(new Error(`${peerId} was declared dead while the round surveyed`))
      this.emit(`repair: round ${this.roundNumber} set aside: ${peerId} was declared dead while it surveyed`)
    }
    this.requestRound()
  }

  /** Tells the repairer that the health monitor found `peerId` alive again, and asks for a round. */
  peerAlive (peerId: string): void {
    this.grace.alive(peerId)
    this.requestRound()
  }

  /** One round. While a round runs, returns that same round instead of starting another. Never rejects. */
  async runOnce (): Promise<RepairRound> {
    this.current ??= this.round().finally(() => { this.current = undefined })
    return await this.current
  }

  /**
   * The peers this node's shards depend on: the expected holders and survey spares of every placement key it holds
   * shards of, as of the last round. The health monitor checks these along with the routing table.
   */
  coHolders (): string[] {
    const peers = new Set<string>()
    for (const ring of this.rings.values()) for (const peer of ring) peers.add(peer)
    // Holders inside their grace too: the health monitor keeps checking them, so their return is seen.
    for (const peer of this.grace.gracedPeers()) peers.add(peer)
    peers.delete(this.selfId)
    return [...peers]
  }

  /** What this node keeps across a restart of the dead holders it counts (`HolderGrace.snapshot`). */
  graceSnapshot (): GraceSnapshot | undefined {
    return this.grace.snapshot()
  }

  /** Takes a kept snapshot back (`HolderGrace.restore`); returns how many dead holders were restored. */
  restoreGrace (snapshot: GraceSnapshot, maxGapMs: number): number {
    return this.grace.restore(snapshot, maxGapMs)
  }

  /** Moves whenever what `graceSnapshot` keeps changes: a death, a return. */
  get graceRevision (): number {
    return this.grace.revision
  }

  /** Pending and recent tasks, totals, and the last round, for the node panel. */
  status (): RepairStatus & { lastRound?: RepairRound } {
    return { ...this.tasks.status(), lastRound: this.lastRound === undefined ? undefined : { ...this.lastRound } }
  }

  private jitter (): number {
    return Math.random() * this.settings.requestJitterMs
  }

  private schedule (delayMs: number): void {
    if (!this.running) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.runOnce().then(round => {
        const untilDue = round.nextDueAt === undefined ? Infinity : round.nextDueAt - this.now()
        const next = this.rerun ? this.jitter() : Math.max(0, Math.min(this.settings.intervalMs, untilDue))
        this.rerun = false
        this.schedule(next)
      })
    }, delayMs)
  }

  private async round (): Promise<RepairRound> {
    const roundAbort = new AbortController()
    this.roundAbort = roundAbort
    this.roundActing = false
    const unreachable = this.roundUnreachable = new Set<string>()
    const signal = AbortSignal.any([this.controller.signal, roundAbort.signal])
    const round = emptyRound(this.now())
    const ctx: RepairContext = {
      exchange: this.exchange,
      selfId: this.selfId,
      store: this.init.store,
      placementRules: this.placementRules,
      isDead: this.isDead,
      suspect: peer => {
        unreachable.add(peer)
        this.init.suspect?.(peer)
      },
      checkedManifests: new Map(),
      rebuiltBytesByOwner: new Map(),
      log: this.emit,
      signal,
      distrust: (peer, why) => {
        if (peer === this.selfId) return
        if (!this.distrusted.has(peer)) {
          round.distrusted++
          this.tasks.counters.peersDistrusted++
        }
        this.distrusted.distrust(peer)
        this.checked.forget(peer)
        this.emit(`repair: distrusting ${peer} for ${this.settings.distrustMs} ms: it ${why}`)
      },
      acknowledged: (peer, placementKey, objectId, shardIndex) => { this.receipts.record(toHex(placementKey), peer, objectId, shardIndex) }
    }
    this.roundNumber++
    const relayRound = this.relayRound = this.relay.beginRound()
    for (const [peer, at] of this.recentDeaths) {
      if (round.startedAt - at >= this.settings.newObjectGraceMs || !this.isDead(peer)) this.recentDeaths.delete(peer)
    }
    try {
      let summaries = await this.init.store.listShardKeys()
      this.scrubCursor = await scrubShards(ctx, this.manifests, summaries, this.scrubCursor, this.settings.scrubBytesPerRound, shard => {
        this.steps.record('scrub', shard.objectId, toHex(shard.placementKey), [shard.shardIndex], shard.reason)
        round.corrupt++
      })
      if (round.corrupt > 0) summaries = await this.init.store.listShardKeys()
      const groups = groupByPlacementKey(summaries)
      this.forgetStale(summaries, groups)
      round.placementKeys = groups.size
      await forEachLimit(groups.values(), this.settings.maxConcurrentKeys, async group => {
        try {
          await this.examineKey(ctx, group, round)
        } catch (error) {
          if (signal.aborted) return
          round.errors++
          this.emit(`repair: examining placement key ${group.keyHex} failed: ${errorText(error)}`)
        }
      })
      // Keys this node keeps tombstones of and no shards: the deletes are passed on to co-holders that missed them.
      try {
        await this.relay.sweep(ctx, relayRound, round, new Set(groups.keys()))
      } catch (error) {
        if (!signal.aborted) {
          round.errors++
          this.emit(`repair: passing tombstones on failed: ${errorText(error)}`)
        }
      }
    } catch (error) {
      if (!signal.aborted) {
        round.errors++
        this.emit(`repair: round failed: ${errorText(error)}`)
      }
    }
    round.aborted = signal.aborted
    round.durationMs = this.now() - round.startedAt
    // A task that failed (a holder timed out or was busy, a store found no target) is retried after one retry
    // delay, not at the next regular round: the objects it left short stay short until then.
    if (!round.aborted && round.failures > 0) round.nextDueAt = Math.min(round.nextDueAt ?? Infinity, this.now() + this.settings.uncertainRetryMs)
    if (!round.aborted && round.rebuilt + round.handedOff + round.dropped + round.unanswered + round.failures + round.errors + round.tombstonesPassedOn > 0) {
      this.emit(`repair: round ${this.roundNumber} took ${round.durationMs} ms over ${round.placementKeys} keys and ${round.objects} objects: ` +
        `rebuilt ${round.rebuilt}, handed off ${round.handedOff}, dropped ${round.dropped}, waiting ${round.waiting}, ` +
        `${round.tombstonesPassedOn} deletes passed on, ` +
        `${round.overBudget} rebuilds over their owner's budget, ` +
        `${round.unanswered} LISTs unanswered, ${round.spotChecks} spot checks, ${round.distrusted} peers distrusted, ${round.failures} failed, ${round.errors} errors`)
    }
    this.tasks.counters.rounds++
    this.tasks.counters.objectsChecked += round.objects
    this.lastRound = round
    return round
  }

  private async examineKey (ctx: RepairContext, group: KeyGroup, round: RepairRound): Promise<void> {
    const known = new Map<ObjectId, KnownManifest>()
    const young = new Map<ObjectId, KnownManifest>()
    for (const [objectId, indices] of group.objects) {
      const manifest = await this.manifestOf(objectId, indices)
      if (manifest === undefined) continue
      if (!this.allowedStripes.some(({ k, m }) => k === manifest.manifest.k && m === manifest.manifest.m)) {
        // Held from before holders refused such stripes: never rebuilt or moved (k = 1, m = 255 would make one
        // shard 255 shards of work); the owner can still read and delete it.
        round.unsupportedStripe++
        continue
      }
      const storing = this.storeInProgress(manifest.manifest.createdAt, group.storedAt.get(objectId) ?? 0, round.startedAt)
      ;(storing ? young : known).set(objectId, manifest)
    }
    if (known.size + young.size === 0) return
    const widestStripe = [...known.values(), ...young.values()].map(({ manifest }) => manifest)
      .reduce<Stripe>((a, b) => b.k + b.m > a.k + a.m ? { k: b.k, m: b.m } : a, { k: 0, m: 0 })
    const widest = widestStripe.k + widestStripe.m
    const ringSize = widest + this.settings.surveySpares
    let ring = await this.liveRing(group.key, ringSize, widestStripe)
    this.rings.set(group.keyHex, ring)
    // A new object is left alone until it is no longer new (this node's shards of the key then change as far as
    // repair is concerned, so the key is surveyed again), unless one of its expected holders has just died. The
    // answer depends only on k + m, which the objects of a key nearly always share.
    const holderDied = new Map<number, boolean>()
    for (const [objectId, entry] of young) {
      const total = entry.manifest.k + entry.manifest.m
      if (!holderDied.has(total)) holderDied.set(total, this.expectedHolderDied(group.key, ring, entry.manifest))
      if (holderDied.get(total) === true) known.set(objectId, entry)
    }
    if (known.size === 0) return
    const stripes = new Map([...known.values()].map(({ manifest }) => [manifest.k + manifest.m, { k: manifest.k, m: manifest.m }]))
    let ranked = rankPeers(group.key, [...ring, this.selfId])
    const holdings = holdingsOf(group, known)
    if (this.surveyNotNeeded(group, ring, widestStripe, ranked, holdings, round)) return
    this.deferrals.delete(group.keyHex)
    const surveyedAt = this.now()
    const manifests = new Map([...known].map(([objectId, entry]) => [objectId, entry.manifest]))
    let survey = await this.surveyChecked(ctx, group, ring, manifests, round, true)
    // Holders that crashed fail their LIST, and are often declared dead while the survey runs; holders caught
    // claiming shards they do not keep are distrusted. Leaving either in the ring would make objects uncertain or
    // make them keepers and targets; instead they leave it now, and the nodes that move up in their place are
    // surveyed (and checked) too. A few times at most: each pass can only remove peers.
    for (let pass = 0; pass < MAX_RING_REFRESHES && ring.some(peer => this.isDead(peer)); pass++) {
      const fresh = await this.liveRing(group.key, ringSize, widestStripe)
      const added = await this.surveyChecked(ctx, group, fresh.filter(peer => !ring.includes(peer)), manifests, round, false)
      survey = surveyOfRing(survey, added, fresh)
      ring = fresh
      ranked = rankPeers(group.key, [...ring, this.selfId])
      this.rings.set(group.keyHex, ring)
    }
    // Co-holders claiming shards of objects this node keeps a tombstone of missed the delete: it is passed on to them.
    if (this.relayRound !== undefined) {
      await this.relay.passOnClaims(ctx, this.relayRound, round, survey.held, objectId => group.objects.has(objectId))
      ctx.signal.throwIfAborted()
    }
    this.tasks.counters.surveyFailures += survey.failed.size
    round.unanswered += survey.failed.size
    if (survey.failed.size > 0) {
      const [peer, why] = survey.failed.entries().next().value!
      this.emit(`repair: ${survey.failed.size} of ${ring.length - 1} nodes did not answer LIST for ${group.keyHex} (first: ${peer}: ${why})`)
    }
    const unknown = this.unknownPeers(ring, survey.failed)
    const graced = this.grace.holdings(group.keyHex, survey)
    const since = new Map([...stripes].map(([total, stripe]) => [total, this.trackClosest(group.keyHex, total, this.expectedOf(group.key, ring, stripe))]))

    const plans = [...known].map(([objectId, known]) => {
      const total = known.manifest.k + known.manifest.m
      const held = new Map<string, Set<number>>([[this.selfId, new Set(group.objects.get(objectId))]])
      for (const [peer, shards] of survey.held) {
        for (const shard of shards) {
          // A summary whose hash is not the manifest's for that index describes no shard of this object. A version-2
          // manifest lists no hashes, and a LIST carries no proof: its summaries are taken by index. That trusts a
          // holder no more than version 1 does (the listed hashes are public, so a holder can name them without
          // holding anything); every shard is still verified when it is fetched, and scrubbing checks its own.
          if (shard.objectId !== objectId || shard.shardIndex >= total) continue
          if (known.manifest.version === 1 && !bytesEqual(shard.shardHash, known.manifest.shardHashes[shard.shardIndex])) continue
          const indices = held.get(peer) ?? new Set<number>()
          indices.add(shard.shardIndex)
          held.set(peer, indices)
        }
      }
      return { objectId, known, total, held, plan: planObject({
        total,
        ranked,
        closest: this.expectedOf(group.key, ring, known.manifest),
        held,
        unknown,
        spread: spreadOf(objectId),
        repairsLast: this.repairsLast,
        graced: graced.shards.get(objectId),
        threshold: repairThresholdOf(this.settings, known.manifest)
      }) }
    })
    // When this node rebuilds several objects of the key (a holder died: every object of the key lost a shard), it
    // reads the key's shards from k holders once instead of k shards per object, where that costs less (key-pool.ts).
    const pool = keyPoolFor(ctx, group.key, {
      rebuildingIds: new Set(plans.filter(({ plan }) => !plan.uncertain && plan.rebuilds.length > 0 && plan.repairers[0] === this.selfId)
        .map(({ objectId }) => objectId)),
      k: Math.max(...plans.map(({ known }) => known.manifest.k)),
      // Tabs last, as in the order of repairers: the pool waits for its slowest holder, and a tab answers over WebRTC
      // from a browser that is often busy with other work.
      holders: repairOrder(ring.filter(peer => peer !== this.selfId && !unknown.has(peer) && (survey.held.get(peer)?.length ?? 0) > 0), this.repairsLast)
        .map(peer => [peer, survey.held.get(peer)!])
    })
    ctx.signal.throwIfAborted()
    round.heldBack += plans.filter(({ plan }) => plan.heldBack).length
    round.graced += plans.filter(({ plan }) => !plan.uncertain && plan.graced.length > 0).length
    // A key whose objects count shards of holders inside their grace is examined again when the first grace ends.
    const awaiting = plans.some(({ plan }) => plan.heldBack || plan.graced.length > 0)
    if (awaiting && graced.until < Infinity) round.nextDueAt = Math.min(round.nextDueAt ?? Infinity, graced.until)
    this.roundActing = true
    await forEachLimit(plans, this.settings.maxConcurrentObjects, async ({ objectId, known, total, held, plan }) => {
      round.objects++
      try {
        await this.steps.act(ctx, known, group.keyHex, plan, held, unknown, since.get(total)!, round, pool)
      } catch (error) {
        if (ctx.signal.aborted) throw error
        round.errors++
        this.emit(`repair: object ${objectId} failed: ${errorText(error)}`)
      }
    })
    // Objects whose rebuild is another node's turn first, named once per key and round: who is expected to act, and
    // this node's turn (it takes over one fallback delay per turn after it first saw the loss).
    const others = plans.filter(({ plan }) => !plan.uncertain && plan.rebuilds.length > 0 && plan.repairers[0] !== this.selfId)
    if (others.length > 0) {
      const [{ objectId, plan }] = others
      this.emit(`repair: ${others.length} objects of ${group.keyHex} are another node's to rebuild first (first: ${objectId} → ` +
        `${plan.repairers[0]}; this node is ${plan.repairers.indexOf(this.selfId) < 0 ? 'not a holder' : `turn ${plan.repairers.indexOf(this.selfId)}`})`)
    }
    // The receipts of the shards just placed are held against the key's next survey: soon, not at the next sweep.
    // Not while deaths are fresh (surveys then check nothing, see surveyChecked): once they are not.
    if (this.receipts.pending(group.keyHex) > 0) {
      round.nextDueAt = Math.min(round.nextDueAt ?? Infinity, Math.max(this.now() + this.settings.fallbackDelayMs, this.deathsFreshUntil()))
    }
    if (plans.some(({ plan }) => plan.uncertain)) {
      // Ask again soon (sooner than the next regular round), backing off while it stays uncertain.
      const streak = (this.uncertainStreaks.get(group.keyHex) ?? 0) + 1
      this.uncertainStreaks.set(group.keyHex, streak)
      round.nextDueAt = Math.min(round.nextDueAt ?? Infinity, this.now() + uncertainRetryDelay(streak, this.settings))
    } else {
      this.uncertainStreaks.delete(group.keyHex)
    }
    this.views.set(group.keyHex, {
      ring,
      holdings,
      surveyedAt,
      // Objects that lack only shards of holders inside their grace, or are above the repair threshold, are settled
      // too, until the next change of the ring or the end of a grace.
      settled: survey.failed.size === 0 && plans.every(({ plan }) => !plan.uncertain &&
        (plan.missing.length === plan.graced.length || plan.heldBack) && plan.moves.length === 0 && plan.drops.length === 0),
      short: plans.some(({ plan }) => plan.rebuilds.length > 0),
      reexamineAt: awaiting ? graced.until : Infinity
    })
    if ((pool?.rejectedShards ?? 0) > 0) {
      this.emit(`repair: ${pool!.rejectedShards} shards read for ${group.keyHex} failed verification and were not used`)
    }
  }

  /**
   * LISTs `peers` and spot-checks what they claim of `manifests`' objects (peers that passed lately only for shards
   * they acknowledged to this node's rebuilds since); liars are distrusted and their claims dropped. `settle`: hold
   * this key's receipts against this survey (acknowledged-shards.ts); the survey of a whole ring does, that of the
   * peers that moved up into it does not.
   */
  private async surveyChecked (ctx: RepairContext, group: KeyGroup, peers: readonly string[],
    manifests: ReadonlyMap<ObjectId, SignedManifest>, round: RepairRound, settle: boolean): Promise<KeySurvey> {
    const survey = await surveyKey(ctx, group.key, peers, this.settings.surveyConcurrency)
    ctx.signal.throwIfAborted()
    const { timing } = survey
    if (timing !== undefined && timing.ms >= SLOW_SURVEY_MS) {
      this.emit(`repair: LIST of ${group.keyHex} to ${timing.asked} nodes took ${timing.ms} ms (slowest: ${timing.slowest.peer}, ` +
        `${timing.slowest.ms} ms; ${timing.retried} asked twice)`)
    }
    // Right after a death, repair must be quick, and the mesh is busy with every repairer's surveys and rebuilds:
    // checks wait for a survey after that (the claims were checked before, or are checked then).
    if (this.deathsFreshUntil() > this.now()) return survey
    const { mustCheck, broken } = settle
      ? this.receipts.settle(group.keyHex, survey, new Set(manifests.keys()))
      : { mustCheck: undefined, broken: new Map<string, string>() }
    for (const [peer, why] of broken) {
      survey.held.delete(peer)
      ctx.distrust?.(peer, why)
    }
    const { liars, checks, passed } = await spotCheckClaims(ctx, survey, manifests, {
      placementKey: group.key,
      objectsPerPeer: this.settings.spotCheckObjects,
      concurrency: this.settings.surveyConcurrency,
      mustCheck,
      skip: peer => this.checked.passedLately(peer)
    })
    ctx.signal.throwIfAborted()
    round.spotChecks += checks
    this.tasks.counters.spotChecks += checks
    for (const peer of passed) this.checked.passed(peer)
    for (const [peer, why] of liars) ctx.distrust?.(peer, why)
    return survey
  }

  /**
   * True when the key need not be surveyed this round. A key found fully placed stays untouched while its ring and
   * this node's shards of it stay the same (until `resurveyAfterMs`). When the ring changed only by deaths, the
   * nodes nearest the key survey at once, since one of them is the repairer; the others survey one fallback delay
   * later per rank beyond them, in the order they would take over, so that a death costs a handful of surveys while
   * the repair runs instead of one per holder. That holds whether or not the last survey found the key in order
   * (right after a store, hand-offs from spare nodes are often pending), unless it found an object short, and for
   * a key this node has not surveyed yet (its objects were new) when one of its expected holders has just died.
   */
  private surveyNotNeeded (group: KeyGroup, ring: readonly string[], expected: Stripe, ranked: readonly string[], holdings: string,
    round: RepairRound): boolean {
    const view = this.views.get(group.keyHex)
    const now = this.now()
    if (view === undefined) {
      if (!this.expectedHolderDied(group.key, ring, expected)) return false
    } else {
      // A shortage is followed round after round: this node's turn to rebuild comes only while it keeps seeing it
      // (ObjectSteps), so a round that skipped the key would put that turn off.
      if (view.short) return false
      const sameRing = view.ring.length === ring.length && view.ring.every((peer, i) => peer === ring[i])
      if (view.settled && sameRing && view.holdings === holdings && now - view.surveyedAt < this.settings.resurveyAfterMs && now < view.reexamineAt) {
        round.unchangedKeys++
        return true
      }
      // Deaths only: every peer gone from the ring is dead, and every expected holder now was in the ring before (a
      // death moves the next-closest up; a newcomer or a returning node among the expected holders is no death).
      const current = new Set(ring)
      const before = new Set(view.ring)
      const onlyDeaths = view.ring.every(peer => current.has(peer) || this.isDead(peer)) &&
        this.expectedOf(group.key, ring, expected).every(peer => before.has(peer))
      if (sameRing || !onlyDeaths) return false
    }
    const rank = repairOrder(ranked, this.repairsLast).indexOf(this.selfId)
    if (rank < PROMPT_SURVEY_RANKS) return false
    // Each rank further out waits one fallback delay more: the nearest ranks are rebuilding meanwhile. When every
    // other holder waited the same single delay, their surveys all landed in the middle of the rebuilds (heal suite:
    // 20 headless nodes and a tab on two cores, a dozen surveys of 19 LISTs each while three nodes were reading
    // and storing), and took the CPU and the holders' answers those rebuilds were waiting for.
    const deferUntil = this.deferrals.get(group.keyHex) ?? now + (rank - PROMPT_SURVEY_RANKS + 1) * this.settings.fallbackDelayMs
    this.deferrals.set(group.keyHex, deferUntil)
    if (now >= deferUntil) return false
    round.deferredKeys++
    round.nextDueAt = Math.min(round.nextDueAt ?? Infinity, deferUntil)
    return true
  }

  /**
   * True while an object this node stored a shard of at `storedAt` may still be being stored by its owner, who
   * created it at `createdAt`: a survey then would "repair" the store. That is the case for `newObjectGraceMs`
   * after the object was created. A shard received long after that (a rebuild or a hand-off) does not make the
   * object new again, so the shards a node has just been given never hold up its next repair. The owner's clock
   * is trusted only to shorten the wait: it never lasts beyond `newObjectGraceMs` after this node stored the shard.
   */
  private storeInProgress (createdAt: number, storedAt: number, now: number): boolean {
    const grace = this.settings.newObjectGraceMs
    return grace > 0 && now - Math.min(createdAt, storedAt) < grace
  }

  /** Until when the deaths declared lately count as fresh (`newObjectGraceMs` after the last); 0 if none. */
  private deathsFreshUntil (): number {
    return this.lastDeathAt === undefined ? 0 : this.lastDeathAt + this.settings.newObjectGraceMs
  }

  /** True if a peer declared dead lately would be among the expected holders of `stripe` at `key` but for its death. */
  private expectedHolderDied (key: Uint8Array, ring: readonly string[], stripe: Stripe): boolean {
    if (this.recentDeaths.size === 0) return false
    const total = stripe.k + stripe.m
    const expected = placementOrder(key, [...this.expectedOf(key, ring, stripe), ...this.recentDeaths.keys()], total, operatorHoldersOf(stripe, this.operatorHolders))
      .slice(0, total)
    return expected.some(peer => this.recentDeaths.has(peer))
  }

  /**
   * The expected holders of an object of `stripe` at `key` among the live `ring`: its k + m closest, or with placement
   * by class its closest operator nodes and closest tabs (`placementOrder`), nearest first.
   */
  private expectedOf (key: Uint8Array, ring: readonly string[], stripe: Stripe): string[] {
    const total = stripe.k + stripe.m
    // The ring is in XOR order unless the mesh places by class (liveRing), so its first k + m are the closest.
    if (this.operatorHolders.length === 0) return ring.slice(0, total)
    return placementOrder(key, ring, total, operatorHoldersOf(stripe, this.operatorHolders)).slice(0, total)
  }

  /** The verified manifest of an object held here, from the first of its records that verifies. */
  private async manifestOf (objectId: ObjectId, indices: readonly number[]): Promise<KnownManifest | undefined> {
    const cached = this.manifests.get(objectId)
    if (cached !== undefined) return cached
    for (const index of indices) {
      const record = await this.init.store.get(objectId, index as ShardIndex)
      if (record !== undefined && !(this.manifests.verified(objectId, record.manifest) instanceof Error)) return this.manifests.get(objectId)
    }
    return undefined
  }

  /**
   * The `size` nodes nearest `key` that this node knows (itself included where it ranks), the dead left out; for a
   * `stripe` placed by class, the first `size` in its placement order (its holders, then the rest nearest first).
   */
  private async liveRing (key: Uint8Array, size: number, stripe?: Stripe): Promise<string[]> {
    const operators = stripe === undefined ? 0 : operatorHoldersOf(stripe, this.operatorHolders)
    if (stripe !== undefined && operators > 0) {
      // The closest operator nodes and the closest tabs apart, each enough to fill the ring alone.
      const ask = size + this.distrusted.size
      const [ops, tabs] = await Promise.all([
        this.init.holders.select(key, ask, { localOnly: true, nodeClass: 'operator' }),
        this.init.holders.select(key, ask, { localOnly: true, nodeClass: 'tab' })
      ])
      const live = [...new Set([...ops, ...tabs])].filter(peer => !this.isDead(peer))
      return placementOrder(key, live, stripe.k + stripe.m, operators).slice(0, size)
    }
    // Every holder of a key checks it every few rounds: a DHT lookup each time (dozens of FIND_NODE requests,
    // every answer merged into the peer store) would cost the mesh far more than the repair. The storage nodes this
    // node knows suffice; the survey then finds out which of them answer and what they hold.
    // Distrusted peers are still live to the selector: ask for that many more, so the ring stays full without them.
    const selected = await this.init.holders.select(key, size + this.distrusted.size, { localOnly: true })
    return [...new Set(selected)].filter(peer => !this.isDead(peer)).slice(0, size)
  }

  /** Ring peers whose holdings are unknown this round: they did not answer, and not yet for too many rounds. */
  private unknownPeers (ring: readonly string[], failed: ReadonlyMap<string, string>): Set<string> {
    const unknown = new Set<string>()
    for (const peer of ring) {
      if (peer === this.selfId) continue
      if (!failed.has(peer)) {
        this.silentStreaks.delete(peer)
        continue
      }
      const entry = this.silentStreaks.get(peer) ?? { rounds: 0, round: 0 }
      if (entry.round !== this.roundNumber) this.silentStreaks.set(peer, { rounds: entry.rounds + 1, round: this.roundNumber })
      // Past the limit it is taken to hold nothing: a node that is up but never answers must not block repair forever.
      if ((this.silentStreaks.get(peer)?.rounds ?? 0) < this.settings.unresponsiveRounds) unknown.add(peer)
    }
    return unknown
  }

  /** Updates and returns since when each expected holder of (key, k + m) has been one without interruption. */
  private trackClosest (keyHex: string, total: number, closest: readonly string[]): Map<string, number> {
    const id = `${keyHex}/${total}`
    const previous = this.closestSince.get(id) ?? new Map<string, number>()
    const now = this.now()
    const current = new Map(closest.map(peer => [peer, previous.get(peer) ?? now]))
    this.closestSince.set(id, current)
    return current
  }

  /** Drops what this node remembers about objects and keys it no longer holds. */
  private forgetStale (summaries: readonly ShardSummary[], groups: Map<string, KeyGroup>): void {
    const held = new Set<string>(summaries.map(summary => summary.objectId))
    this.manifests.retain(held)
    this.steps.retain(held)
    for (const id of this.closestSince.keys()) if (!groups.has(id.split('/')[0])) this.closestSince.delete(id)
    for (const keyHex of this.rings.keys()) if (!groups.has(keyHex)) this.rings.delete(keyHex)
    for (const keyHex of this.views.keys()) if (!groups.has(keyHex)) this.views.delete(keyHex)
    this.grace.retain(new Set(groups.keys()))
    for (const keyHex of this.deferrals.keys()) if (!groups.has(keyHex)) this.deferrals.delete(keyHex)
    for (const keyHex of this.uncertainStreaks.keys()) if (!groups.has(keyHex)) this.uncertainStreaks.delete(keyHex)
    this.receipts.retain(new Set(groups.keys()))
  }
}

/** This node's shards of a key's objects in `examined`, as one comparable string. */
function holdingsOf (group: KeyGroup, examined: ReadonlyMap<ObjectId, unknown>): string {
  return [...group.objects]
    .filter(([objectId]) => examined.has(objectId))
    .map(([objectId, indices]) => `${objectId}:${[...indices].sort((a, b) => a - b).join(',')}`)
    .sort()
    .join(' ')
}

function groupByPlacementKey (summaries: readonly ShardSummary[]): Map<string, KeyGroup> {
  const groups = new Map<string, KeyGroup>()
  for (const summary of summaries) {
    const keyHex = toHex(summary.placementKey)
    let group = groups.get(keyHex)
    if (group === undefined) {
      group = { key: summary.placementKey, keyHex, objects: new Map(), storedAt: new Map() }
      groups.set(keyHex, group)
    }
    group.storedAt.set(summary.objectId, Math.max(group.storedAt.get(summary.objectId) ?? 0, summary.storedAt))
    const indices = group.objects.get(summary.objectId) ?? []
    indices.push(summary.shardIndex)
    group.objects.set(summary.objectId, indices)
  }
  return groups
}
