/**
 * The seed's health check: every `intervalMs` (default 5 minutes) probe each peer this node relies on (routing
 * table peers and the co-holders of the shards it keeps); a peer that fails the probe and all `retries` retries
 * (default 3, so 4 attempts, as in the seed's "Retry 1..3: TIMEOUT → DEAD") is marked dead. A dead peer is probed
 * again in the next round, then in rounds further apart the longer it stays silent (at most every
 * MAX_DEAD_PROBE_SKIP + 1 rounds); one answer takes it back, and so does a connection it opens. Placement
 * (`closestPeers`) and repair consult `isDead`, so a dead node receives no shard and its shards are rebuilt
 * elsewhere.
 *
 * Every node applies the same interval and retries, so nodes agree on who is dead within about one interval.
 */
import { forEachLimit, raceAbort, sleep } from '../async/index.ts'
import { InvalidConfigError, ZenTalkError, errorText, nonNegative, positive } from '../errors/index.ts'

export const DEFAULT_HEALTH_INTERVAL_MS = 5 * 60_000
export const DEFAULT_HEALTH_RETRIES = 3
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000
export const DEFAULT_RETRY_DELAY_MS = 2_000
export const DEFAULT_HEALTH_CONCURRENCY = 8
/** A dead peer nobody lists any more is forgotten after this long, so the dead list cannot grow without bound. */
export const DEFAULT_FORGET_DEAD_AFTER_MS = 24 * 60 * 60_000
export const DEFAULT_MAX_FAILING_FRACTION = 0.5
const MIN_PEERS_FOR_GUARD = 4
/**
 * Rounds a dead peer that keeps failing may be left out of, at most. Every failed probe of a dead peer is a dial
 * (through a relay too, for a peer known by relayed addresses) by every node that marked it dead: right after a
 * crash, while the survivors repair, dials to the dead through the relay were about a third of the streams
 * they opened. A dead peer that comes back is usually taken back sooner anyway, by the connection it opens.
 */
export const MAX_DEAD_PROBE_SKIP = 3

/**
 * Answers when `peerId` is alive, throws when it is not; must honour `signal` (the per-attempt deadline). Throws
 * `ProbeInconclusiveError` when this node cannot tell at the moment (see there).
 */
export type HealthProbe = (peerId: string, signal: AbortSignal) => Promise<unknown>

/**
 * The probe could not reach the peer for a reason on this node's side that says nothing about the peer: e.g. the
 * peer is reachable only through a relay and this node has lost its relay. The check neither counts as a failure
 * nor as an answer; the peer stays as it was until a check that can tell.
 */
export class ProbeInconclusiveError extends ZenTalkError { override name = 'ProbeInconclusiveError' }

export interface HealthMonitorInit {
  /** Peers to check this round: routing-table peers plus co-holders. Dead peers are re-checked in any case. */
  peers: () => Iterable<string> | Promise<Iterable<string>>
  probe: HealthProbe
  intervalMs?: number
  /** Retries after a failed first attempt before a peer is declared dead. */
  retries?: number
  /** Deadline of one attempt. */
  probeTimeoutMs?: number
  /** Pause between attempts, so a peer that is briefly busy (a stalled tab) is not declared dead at once. */
  retryDelayMs?: number
  /** Peers probed at once. */
  concurrency?: number
  forgetDeadAfterMs?: number
  /**
   * When more than this share of the live peers checked (at least 4) fail in one round, none of them is declared
   * dead: this node is then the likelier culprit. Default 0.5; 1 turns the guard off.
   */
  maxFailingFraction?: number
  /** This node's own peer ID: never probed. */
  self?: string
  /**
   * Evidence of life at the moment a check has failed (e.g. a usable connection to the peer): the peer counts as
   * alive. A peer that connects while its probe is failing (its dial lost a race to the peer's own) is met only
   * by the connection event before the verdict, and was declared dead while connected, left out of every answer
   * until a later round.
   */
  aliveNow?: (peerId: string) => boolean
  now?: () => number
  log?: (message: string) => void
}

export interface DeadPeer {
  peerId: string
  /** When the last failed attempt of the check that declared it dead ended (ms since the epoch). */
  since: number
  /** Why the last attempt failed, e.g. `TimeoutError: …`. */
  lastError: string
  /** Failed attempts since it was last seen alive. */
  failedAttempts: number
}

export interface PeerReturned {
  peerId: string
  /** How long it had been marked dead. */
  deadForMs: number
}

export interface HealthRound {
  startedAt: number
  durationMs: number
  checked: number
  alive: number
  /** Peers declared dead in this round. */
  died: string[]
  /** Peers taken back in this round. */
  returned: string[]
  /** Peers that failed but were not declared dead, because more than `maxFailingFraction` of all failed at once. */
  heldBack: string[]
  /** True when `stop()` cut the round short. */
  aborted: boolean
}

export interface HealthEvents {
  dead: DeadPeer
  alive: PeerReturned
  round: HealthRound
}

/**
 * Probes peers periodically and keeps the set of dead ones. Rounds never overlap: `runOnce` during a round
 * returns that round, and the timer schedules the next round only after the current one has finished. A peer
 * whose connection closed can be checked at once (`checkSoon`), alongside the rounds.
 */
export class HealthMonitor extends EventTarget {
  private readonly init: HealthMonitorInit
  private readonly intervalMs: number
  private readonly retries: number
  private readonly probeTimeoutMs: number
  private readonly retryDelayMs: number
  private readonly concurrency: number
  private readonly forgetDeadAfterMs: number
  private readonly maxFailingFraction: number
  private readonly now: () => number
  private readonly dead = new Map<string, DeadPeer>()
  /** Per dead peer: its failed probes since it was declared dead, and the rounds it is still left out of. */
  private readonly deadProbes = new Map<string, { failed: number, skip: number }>()
  private current: Promise<HealthRound> | undefined
  private controller = new AbortController()
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false
  /** Peers being checked out of turn (`checkSoon`) and not yet found alive. */
  private readonly suspects = new Set<string>()

  constructor (init: HealthMonitorInit) {
    super()
    this.init = init
    this.intervalMs = positive('intervalMs', init.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS)
    this.retries = nonNegativeInteger('retries', init.retries ?? DEFAULT_HEALTH_RETRIES)
    this.probeTimeoutMs = positive('probeTimeoutMs', init.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS)
    this.retryDelayMs = nonNegative('retryDelayMs', init.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS)
    this.concurrency = positive('concurrency', init.concurrency ?? DEFAULT_HEALTH_CONCURRENCY)
    this.forgetDeadAfterMs = positive('forgetDeadAfterMs', init.forgetDeadAfterMs ?? DEFAULT_FORGET_DEAD_AFTER_MS)
    this.maxFailingFraction = positive('maxFailingFraction', init.maxFailingFraction ?? DEFAULT_MAX_FAILING_FRACTION)
    this.now = init.now ?? Date.now
  }

  /**
   * Runs a round after `firstRoundInMs` (default now) and then one every `intervalMs` (measured from each round's
   * start) until `stop()`.
   */
  start (firstRoundInMs = 0): void {
    if (this.running) return
    this.running = true
    this.schedule(firstRoundInMs)
  }

  /** Stops the timer, cuts a running round short (its unfinished checks change nothing) and waits for it. */
  async stop (): Promise<void> {
    this.running = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.controller.abort(new Error('health monitor stopped'))
    this.suspects.clear()
    await this.current?.catch(() => {})
    this.controller = new AbortController()
  }

  /** One round over every peer. While a round runs, returns that same round instead of starting another. */
  async runOnce (): Promise<HealthRound> {
    this.current ??= this.round().finally(() => { this.current = undefined })
    return await this.current
  }

  /**
   * Checks `peerId` now, out of turn, if it is one of the peers this node checks: its connection closed, as a
   * crashed process's connections do at once. The check is a round's (same attempts, same pauses) and runs alongside
   * the rounds. Its guard counts every peer under such a check: when most connections drop together (this node's own
   * network went), nobody is declared dead here and the next round decides. Does nothing unless started, or while
   * the peer is dead or already under such a check.
   */
  checkSoon (peerId: string): void {
    if (!this.running || peerId === this.init.self || this.dead.has(peerId) || this.suspects.has(peerId)) return
    this.suspects.add(peerId)
    const signal = this.controller.signal
    void this.checkOutOfTurn(peerId, signal).catch(() => false).then(failed => {
      // A peer that failed still counts for a while, so that peers whose checks fail together are weighed together.
      if (!failed || signal.aborted) this.suspects.delete(peerId)
      else setTimeout(() => { this.suspects.delete(peerId) }, this.retryDelayMs * (this.retries + 1))
    })
  }

  /** True when the peer failed the check. */
  private async checkOutOfTurn (peerId: string, signal: AbortSignal): Promise<boolean> {
    const listed = new Set(await this.init.peers())
    if (!listed.has(peerId) || signal.aborted) return false
    const outcome = await this.check(peerId, this.retries, signal)
    if (signal.aborted || outcome.ok !== false) return false
    if (this.dead.has(peerId)) return true
    const wereAlive = new Set([...listed, ...this.dead.keys()]).size - this.dead.size
    if (wereAlive >= MIN_PEERS_FOR_GUARD && this.suspects.size > this.maxFailingFraction * wereAlive) {
      this.init.log?.(`health: ${peerId} failed its check, but ${this.suspects.size} of ${wereAlive} live peers are failing at once; leaving it to the next round`)
      return true
    }
    this.declareDead({ peerId, since: this.now(), lastError: outcome.error, failedAttempts: outcome.attempts })
    return true
  }

  private declareDead (dead: DeadPeer): void {
    this.dead.set(dead.peerId, dead)
    this.deadProbes.set(dead.peerId, { failed: 0, skip: 0 })
    this.init.log?.(`health: ${dead.peerId} is dead after ${dead.failedAttempts} failed attempts (${dead.lastError})`)
    this.emit('dead', { ...dead })
  }

  isDead (peerId: string): boolean {
    return this.dead.has(peerId)
  }

  /** Dead peers, longest dead first. */
  deadPeers (): DeadPeer[] {
    return [...this.dead.values()].sort((a, b) => a.since - b.since).map(peer => ({ ...peer }))
  }

  /**
   * Evidence of life from elsewhere (the peer connected to us, answered a chunk request): takes a dead peer back
   * at once instead of at the next round.
   */
  noteAlive (peerId: string): void {
    const entry = this.dead.get(peerId)
    if (entry === undefined) return
    this.dead.delete(peerId)
    this.deadProbes.delete(peerId)
    const deadForMs = this.now() - entry.since
    this.init.log?.(`health: ${peerId} is alive again after ${deadForMs} ms`)
    this.emit('alive', { peerId, deadForMs })
  }

  /** Typed `addEventListener`; returns a function that removes the listener. */
  on<K extends keyof HealthEvents> (type: K, listener: (detail: HealthEvents[K]) => void): () => void {
    const handler = (event: Event): void => listener((event as CustomEvent<HealthEvents[K]>).detail)
    this.addEventListener(type, handler)
    return () => this.removeEventListener(type, handler)
  }

  private emit<K extends keyof HealthEvents> (type: K, detail: HealthEvents[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }

  private schedule (delayMs: number): void {
    if (!this.running) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      const startedAt = this.now()
      void this.runOnce().catch(() => {}).finally(() => {
        this.schedule(Math.max(0, startedAt + this.intervalMs - this.now()))
      })
    }, delayMs)
  }

  private async round (): Promise<HealthRound> {
    const signal = this.controller.signal
    const startedAt = this.now()
    const died: string[] = []
    const returned: string[] = []
    let alive = 0
    let listed: Set<string>
    try {
      listed = new Set(await this.init.peers())
    } catch (error) {
      this.init.log?.(`health: listing peers failed: ${errorText(error)}`)
      listed = new Set()
    }
    if (this.init.self !== undefined) listed.delete(this.init.self)
    for (const [peerId, entry] of this.dead) {
      if (!listed.has(peerId) && startedAt - entry.since > this.forgetDeadAfterMs) {
        this.dead.delete(peerId)
        this.deadProbes.delete(peerId)
      }
    }
    // Dead peers still in their pause after failed probes sit this round out (listed or not).
    const resting = new Set<string>()
    for (const [peerId, probes] of this.deadProbes) {
      if (probes.skip > 0) {
        probes.skip--
        resting.add(peerId)
      }
    }
    const toCheck = new Set([...listed, ...this.dead.keys()].filter(peerId => !resting.has(peerId)))
    const deadBefore = [...toCheck].filter(peerId => this.dead.has(peerId)).length
    const failing: DeadPeer[] = []

    await forEachLimit(toCheck, this.concurrency, async peerId => {
      if (signal.aborted) return
      const wasDead = this.dead.has(peerId)
      // A dead peer gets one attempt: it only has to answer once to come back.
      const outcome = await this.check(peerId, wasDead ? 0 : this.retries, signal)
      if (signal.aborted || outcome.ok === 'unknown') return // a cut-short or inconclusive check says nothing
      if (outcome.ok) {
        alive++
        if (this.dead.has(peerId)) {
          returned.push(peerId)
          this.noteAlive(peerId)
        }
        return
      }
      const entry = this.dead.get(peerId)
      if (entry !== undefined) {
        entry.lastError = outcome.error
        entry.failedAttempts += outcome.attempts
        const probes = this.deadProbes.get(peerId)
        if (probes !== undefined) {
          probes.failed++
          probes.skip = Math.min(2 ** (probes.failed - 1), MAX_DEAD_PROBE_SKIP)
        }
        return
      }
      failing.push({ peerId, since: this.now(), lastError: outcome.error, failedAttempts: outcome.attempts })
    })

    // When most live peers fail at once, the likelier cause is this node (offline, asleep, its event loop starved):
    // declaring them all dead would send it repairing shards that are fine. Their next round decides again.
    const wereAlive = toCheck.size - deadBefore
    const heldBack = wereAlive >= MIN_PEERS_FOR_GUARD && failing.length > this.maxFailingFraction * wereAlive
    if (signal.aborted) {
      // Cut short: the checks that did finish are declared next round, with the others for comparison.
    } else if (heldBack) {
      this.init.log?.(`health: ${failing.length} of ${wereAlive} live peers failed at once; assuming this node is at fault and declaring none dead`)
    } else {
      for (const dead of failing) {
        if (this.dead.has(dead.peerId)) continue // declared meanwhile by a check out of turn
        died.push(dead.peerId)
        this.declareDead(dead)
      }
    }

    const result: HealthRound = {
      startedAt, durationMs: this.now() - startedAt, checked: toCheck.size, alive, died, returned,
      heldBack: heldBack ? failing.map(peer => peer.peerId) : [], aborted: signal.aborted
    }
    this.emit('round', result)
    return result
  }

  /** Up to 1 + `retries` attempts, each with its own deadline, with a pause between them. */
  private async check (peerId: string, retries: number, signal: AbortSignal):
  Promise<{ ok: true } | { ok: 'unknown' } | { ok: false, error: string, attempts: number }> {
    let lastError = ''
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        try {
          await sleep(this.retryDelayMs, signal)
        } catch {
          break
        }
      }
      try {
        const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(this.probeTimeoutMs)])
        // Raced against the deadline too: a probe that ignores its signal must not stall the round.
        await raceAbort(this.init.probe(peerId, attemptSignal), attemptSignal)
        return { ok: true }
      } catch (error) {
        if (signal.aborted) break
        if (error instanceof ProbeInconclusiveError) return { ok: 'unknown' }
        lastError = errorText(error)
      }
    }
    if (!signal.aborted && this.init.aliveNow?.(peerId) === true) return { ok: true }
    return { ok: false, error: lastError, attempts: retries + 1 }
  }
}



function nonNegativeInteger (name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new InvalidConfigError(`${name} must be a whole number of zero or more, got ${String(value)}`)
  return value
}
