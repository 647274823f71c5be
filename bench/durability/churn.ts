/**
 * The churn simulation: nodes that come and go as the durability model's node classes say (sessions, absences
 * drawn from the phase mixture, departures for good replaced by newcomers), objects placed on the closest nodes
 * by Kademlia XOR distance and repaired by a policy (grace before a holder is written off, a repair threshold, a
 * repair turnaround that needs k holders online), and correlated events (a third of the tabs closing at once, an
 * operator host with several nodes dying). It runs event by event, so 30 simulated days take seconds, and
 * measures what the model predicts: objects lost, the fraction readable at each sampled moment, repair traffic.
 *
 * Pure and deterministic: the same options (seed included) give the same report. No I/O.
 */
import { classProfile, HOURS_PER_YEAR, type NodeClass } from './classes.ts'
import { InvalidModelInputError } from './errors.ts'
import { EventQueue } from './event-queue.ts'
import type { Policy } from './model.ts'
import { modelScenario, predictedReadableRange, type Scenario } from './scenario.ts'
import type { Interval } from './probability.ts'
import { mulberry32, randomBytes } from '../../src/testing/seeded-random.ts'

/** A correlated event, at a moment of the run. */
export type ChurnEvent =
  /** Each online tab closes with probability `fraction`; they come back `hours` later. */
  | { kind: 'tabs-close', atDays: number, fraction: number, hours: number }
  /** Each tab (online or not) is gone for good with probability `fraction` (site data wiped by an update). */
  | { kind: 'tabs-gone', atDays: number, fraction: number }
  /** The operator host that runs several operator nodes (`ChurnOptions.hostNodes`) dies with its disks. */
  | { kind: 'operator-host-lost', atDays: number }

export interface ChurnOptions {
  /** All nodes at any moment (a node gone for good is replaced by a newcomer of its class). */
  nodes: number
  /** Share of the nodes that operators run (the rest are tabs). */
  operatorFraction: number
  /** Operator nodes on the one host that `operator-host-lost` takes down (each other operator node is its own host). */
  hostNodes: number
  objects: number
  days: number
  seed: number
  policy: Policy
  tab: NodeClass
  operator: NodeClass
  /** How often the readable fraction is sampled. */
  sampleEveryHours: number
  /**
   * Days the mesh runs with the objects before anything is measured (readability, repair traffic; losses count
   * from the start): objects of every age, not only ones just stored on online nodes. Default: the longest
   * grace plus 2 days.
   */
  warmupDays?: number
  events: readonly ChurnEvent[]
}

/** A third of the online tabs close for 12 hours at a third of the run; an operator host of several nodes dies at two thirds. */
export function defaultChurnEvents (days: number): ChurnEvent[] {
  return [
    { kind: 'tabs-close', atDays: days / 3, fraction: 1 / 3, hours: 12 },
    { kind: 'operator-host-lost', atDays: days * 2 / 3 }
  ]
}

export interface EventReport {
  kind: ChurnEvent['kind']
  atDays: number
  /** Nodes the event took offline or away. */
  nodes: number
  /** Lowest readable fraction from the event until it was over (the tabs back, or the host's shards rebuilt). */
  minReadableFraction: number
  /** Objects whose last copies the event took (lost for good). */
  lost: number
}

export interface ChurnReport {
  scenario: 'churn'
  policy: string
  nodes: number
  tabs: number
  operators: number
  objects: number
  days: number
  seed: number
  /** Objects with fewer than k shards left on nodes that still exist. */
  lost: number
  /** Lowest fraction of objects readable (k holders online) at any sampled moment. */
  minReadableFraction: number
  /** Mean over every sample and object. */
  readableFraction: number
  /** The same over samples outside the correlated events' windows: what the model's steady state predicts. */
  readableFractionOutsideEvents: number
  samples: number
  warmupDays: number
  /** Repair network bytes (k shards read, the written-off ones written) per object-year, in object sizes. */
  repairBytesPerObjectYear: number
  repairs: number
  /** Losses per object-year over the whole run (warm-up included), and its 95 % upper bound (3 / object-years when none was lost). */
  lossPerObjectYear: number
  lossPerObjectYearUpper95: number
  /** The model's prediction for the same mix, policy and days (DURABILITY.md). */
  modelLossPerObjectYear: number
  modelLossGoneOnlyPerObjectYear: number
  modelReadableFraction: number
  modelRepairBytesPerObjectYear: number
  /** Where `readableFractionOutsideEvents` falls if the model is right (95 %, independent samples only). */
  modelReadableInterval: Interval
  readableWithinModel: boolean
  departures: number
  nodesGone: number
  writeOffs: number
  /** Operator holders per object, averaged over objects at the end. */
  operatorHoldersPerObject: number
  events: EventReport[]
}

/**
 * The first 48 bits of a Kademlia ID as two 24-bit halves. XOR distances of these order nodes exactly as the
 * mesh's 256-bit `rankByDistance` does unless two IDs share their first 48 bits' distance (about N² / 2^49).
 */
export function kadPrefix (kadId: Uint8Array): { hi: number, lo: number } {
  return { hi: (kadId[0] << 16) | (kadId[1] << 8) | kadId[2], lo: (kadId[3] << 16) | (kadId[4] << 8) | kadId[5] }
}

/** XOR distance of two `kadPrefix`es, as an exact integer below 2^48. */
export function prefixDistance (a: { hi: number, lo: number }, b: { hi: number, lo: number }): number {
  return ((a.hi ^ b.hi) * 16777216) + (a.lo ^ b.lo)
}

/** How many nearest nodes of a class an object keeps in order; past them it ranks the whole class again. */
const NEAREST_KEPT = 128

type ClassName = 'tab' | 'operator'

interface SimNode {
  index: number
  cls: ClassName
  /** The first 48 bits of the node's Kademlia ID, as two 24-bit halves (XOR distance order). */
  hi: number
  lo: number
  host: number
  online: boolean
  gone: boolean
  /** Bumped at every change of state: events scheduled before it are stale. */
  epoch: number
  /** Objects this node holds a shard of. */
  held: Set<number>
}

/** The nodes nearest an object's key within one class (or all), nearest first; rebuilt when used up. */
interface Nearest { nodes: number[], distances: number[], complete: boolean }

interface SimObject {
  hi: number
  lo: number
  holders: number[]
  writtenOff: Set<number>
  online: number
  /** Holders whose node still exists (holds the shard, online or not). */
  existing: number
  counted: number
  lost: boolean
  repairScheduled: boolean
  waitingForReadable: boolean
  nearest: Map<ClassName | 'all', Nearest>
}

type SimEvent =
  | { at: number, type: 'leave', node: number, epoch: number }
  | { at: number, type: 'return', node: number, epoch: number }
  | { at: number, type: 'write-off', node: number, epoch: number }
  | { at: number, type: 'repair', object: number }
  | { at: number, type: 'event', event: number }
  | { at: number, type: 'event-end', event: number }

function check (options: ChurnOptions): void {
  const whole = (name: string, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min) throw new InvalidModelInputError(`${name} must be a whole number of ${min} or more, got ${value}`)
  }
  whole('nodes', options.nodes, 1)
  whole('objects', options.objects, 1)
  whole('hostNodes', options.hostNodes, 1)
  if (!Number.isInteger(options.seed)) throw new InvalidModelInputError(`seed must be a whole number, got ${options.seed}`)
  if (!(options.days > 0)) throw new InvalidModelInputError(`days must be above 0, got ${options.days}`)
  if (!(options.operatorFraction >= 0 && options.operatorFraction <= 1)) {
    throw new InvalidModelInputError(`operatorFraction must be between 0 and 1, got ${options.operatorFraction}`)
  }
  if (options.warmupDays !== undefined && !(options.warmupDays >= 0)) throw new InvalidModelInputError(`warmupDays must be 0 or more, got ${options.warmupDays}`)
  if (!(options.sampleEveryHours > 0)) throw new InvalidModelInputError(`sampleEveryHours must be above 0, got ${options.sampleEveryHours}`)
  for (const event of options.events) {
    if (!(event.atDays >= 0 && event.atDays < options.days)) {
      throw new InvalidModelInputError(`event ${event.kind} at day ${event.atDays} is outside the run (0 to ${options.days} days)`)
    }
    if ('fraction' in event && !(event.fraction >= 0 && event.fraction <= 1)) {
      throw new InvalidModelInputError(`event ${event.kind}: fraction must be between 0 and 1, got ${event.fraction}`)
    }
  }
}

/** The scenario the model evaluates for these options. */
export function scenarioOf (options: ChurnOptions): Scenario {
  const operator = Math.round(options.nodes * options.operatorFraction)
  return { nodes: { tab: options.nodes - operator, operator }, tab: options.tab, operator: options.operator, policy: options.policy, days: options.days }
}

/** Runs the simulation. Throws `InvalidModelInputError` for options the model cannot evaluate (nothing runs). */
export function simulateChurn (options: ChurnOptions): ChurnReport {
  check(options)
  const scenario = scenarioOf(options)
  const prediction = modelScenario(scenario)
  return new ChurnRun(options, scenario).run(prediction)
}

class ChurnRun {
  private readonly random: () => number
  private readonly nodes: SimNode[] = []
  private readonly objects: SimObject[] = []
  private readonly queue = new EventQueue<SimEvent>()
  private readonly policy: Policy
  private readonly profiles: Record<ClassName, ReturnType<typeof classProfile>>
  private readonly classes: Record<ClassName, NodeClass>
  private readonly warmupDays: number
  private now = 0
  private unreadable = 0
  private lost = 0
  private repairs = 0
  private repairObjectSizes = 0
  private departures = 0
  private nodesGone = 0
  private writeOffs = 0
  private nextHost = 0
  private readonly eventReports: EventReport[] = []
  /** Event index → the moment its window ends (samples inside it are left out of the steady-state figure). */
  private readonly openWindows = new Map<number, number>()

  constructor (private readonly options: ChurnOptions, private readonly scenario: Scenario) {
    this.random = mulberry32(options.seed)
    this.policy = options.policy
    this.classes = { tab: options.tab, operator: options.operator }
    this.profiles = { tab: classProfile(options.tab), operator: classProfile(options.operator) }
    this.warmupDays = options.warmupDays ?? Math.max(options.policy.graceHours.tab, options.policy.graceHours.operator) / 24 + 2
  }

  run (prediction: ReturnType<typeof modelScenario>): ChurnReport {
    const { options, policy } = this
    const bigHost = this.nextHost++
    for (let i = 0; i < this.scenario.nodes.operator; i++) this.addNode('operator', i < options.hostNodes ? bigHost : this.nextHost++)
    for (let i = 0; i < this.scenario.nodes.tab; i++) this.addNode('tab', -1)
    for (let i = 0; i < options.objects; i++) this.placeObject()
    const warmupHours = this.warmupDays * 24
    options.events.forEach((event, index) => { this.queue.push({ at: warmupHours + event.atDays * 24, type: 'event', event: index }) })
    while (this.queue.peekTime() <= warmupHours) this.handle(this.queue.pop() as SimEvent)
    const repairsBefore = this.repairs
    const repairBytesBefore = this.repairObjectSizes

    const endHours = warmupHours + options.days * 24
    let samples = 0
    let outsideSamples = 0
    let readableSum = 0
    let outsideReadableSum = 0
    let minReadable = 1
    for (let sampleAt = warmupHours; sampleAt <= endHours; sampleAt += options.sampleEveryHours) {
      while (this.queue.peekTime() <= sampleAt) this.handle(this.queue.pop() as SimEvent)
      this.now = sampleAt
      const readable = (options.objects - this.unreadable) / options.objects
      samples++
      readableSum += readable
      minReadable = Math.min(minReadable, readable)
      let inWindow = false
      for (const [index, until] of this.openWindows) {
        const report = this.eventReports[index]
        report.minReadableFraction = Math.min(report.minReadableFraction, readable)
        if (sampleAt <= until) inWindow = true
        else this.openWindows.delete(index)
      }
      if (!inWindow) {
        outsideSamples++
        outsideReadableSum += readable
      }
    }

    const objectYears = options.objects * options.days * 24 / HOURS_PER_YEAR
    const objectYearsInRun = objectYears * (options.days + this.warmupDays) / options.days
    const outsideFraction = outsideSamples === 0 ? NaN : outsideReadableSum / outsideSamples
    const interval = predictedReadableRange(this.scenario, options.objects, Math.max(1, outsideSamples))
    let operatorHolders = 0
    for (const object of this.objects) operatorHolders += object.holders.filter(h => this.nodes[h].cls === 'operator').length
    return {
      scenario: 'churn',
      policy: policy.name,
      nodes: options.nodes,
      tabs: this.scenario.nodes.tab,
      operators: this.scenario.nodes.operator,
      objects: options.objects,
      days: options.days,
      seed: options.seed,
      lost: this.lost,
      minReadableFraction: minReadable,
      readableFraction: readableSum / samples,
      readableFractionOutsideEvents: outsideFraction,
      samples,
      warmupDays: this.warmupDays,
      repairBytesPerObjectYear: (this.repairObjectSizes - repairBytesBefore) / objectYears,
      repairs: this.repairs - repairsBefore,
      lossPerObjectYear: this.lost / objectYearsInRun,
      lossPerObjectYearUpper95: Math.max(this.lost, 3) / objectYearsInRun,
      modelLossPerObjectYear: prediction.modelLossPerObjectYear,
      modelLossGoneOnlyPerObjectYear: prediction.modelLossGoneOnlyPerObjectYear,
      modelReadableFraction: prediction.readableFraction,
      modelRepairBytesPerObjectYear: prediction.repairBytesPerObjectYear,
      modelReadableInterval: interval,
      readableWithinModel: outsideFraction >= interval.low && outsideFraction <= interval.high,
      departures: this.departures,
      nodesGone: this.nodesGone,
      writeOffs: this.writeOffs,
      operatorHoldersPerObject: operatorHolders / options.objects,
      events: this.eventReports
    }
  }

  // Nodes

  private exponential (meanHours: number): number {
    return -meanHours * Math.log(1 - this.random())
  }

  private absenceHours (cls: NodeClass, residual: boolean): number {
    // A node caught mid-absence (the start of the run) is in a phase with odds share × mean (length-biased);
    // phases are exponential, so what is left of it has the same law.
    const weights = cls.absences.map(p => residual ? p.share * p.meanHours : p.share)
    let pick = this.random() * weights.reduce((a, b) => a + b, 0)
    for (let i = 0; i < weights.length; i++) {
      pick -= weights[i]
      if (pick <= 0 || i === weights.length - 1) return this.exponential(cls.absences[i].meanHours)
    }
    throw new Error('unreachable')
  }

  /** A node in its class's long-run state: online with its availability, else mid-absence. */
  private addNode (cls: ClassName, host: number): SimNode {
    const kadId = randomBytes(this.random, 32)
    const node: SimNode = {
      index: this.nodes.length,
      cls,
      ...kadPrefix(kadId),
      host,
      online: this.random() < this.classes[cls].availability,
      gone: false,
      epoch: 0,
      held: new Set()
    }
    this.nodes.push(node)
    if (node.online) {
      this.queue.push({ at: this.now + this.exponential(this.profiles[cls].meanSessionHours), type: 'leave', node: node.index, epoch: node.epoch })
    } else {
      this.queue.push({ at: this.now + this.absenceHours(this.classes[cls], true), type: 'return', node: node.index, epoch: node.epoch })
    }
    for (const object of this.objects) this.offerNewcomer(object, node)
    return node
  }

  /** Takes a node offline; `forGood` when it never returns. Schedules its write-off after the grace. */
  private goOffline (node: SimNode, forGood: boolean): void {
    if (node.online) {
      node.online = false
      for (const o of node.held) {
        const object = this.objects[o]
        object.online--
        if (object.online === this.policy.k - 1) this.unreadable++
      }
      node.epoch++
      const grace = this.policy.graceHours[node.cls]
      this.queue.push({ at: this.now + grace, type: 'write-off', node: node.index, epoch: node.epoch })
    }
    if (forGood && !node.gone) {
      node.gone = true
      this.nodesGone++
      for (const o of node.held) {
        const object = this.objects[o]
        object.existing--
        if (!object.lost && object.existing < this.policy.k) {
          object.lost = true
          this.lost++
        }
      }
      this.addNode(node.cls, node.cls === 'operator' ? this.nextHost++ : -1)
    }
  }

  private comeBack (node: SimNode): void {
    node.online = true
    node.epoch++
    for (const o of node.held) {
      const object = this.objects[o]
      object.online++
      if (object.online === this.policy.k) {
        this.unreadable--
        if (object.waitingForReadable) {
          object.waitingForReadable = false
          this.scheduleRepair(o)
        }
      }
      if (object.writtenOff.delete(node.index)) object.counted++
    }
    this.queue.push({ at: this.now + this.exponential(this.profiles[node.cls].meanSessionHours), type: 'leave', node: node.index, epoch: node.epoch })
  }

  // Objects

  private placeObject (): void {
    const key = randomBytes(this.random, 32)
    const object: SimObject = {
      ...kadPrefix(key),
      holders: [],
      writtenOff: new Set(),
      online: 0,
      existing: 0,
      counted: 0,
      lost: false,
      repairScheduled: false,
      waitingForReadable: false,
      nearest: new Map()
    }
    const index = this.objects.length
    this.objects.push(object)
    const { placement, n } = this.policy
    const operators = placement.kind === 'operators-first' ? placement.operators : 0
    for (let i = 0; i < operators; i++) this.addHolder(index, this.pickHolder(index, 'operator'))
    for (let i = operators; i < n; i++) this.addHolder(index, this.pickHolder(index, placement.kind === 'closest' ? 'all' : 'tab'))
    if (object.online < this.policy.k) this.unreadable++
  }

  private distance (object: SimObject, node: SimNode): number {
    return prefixDistance(object, node)
  }

  private nearestOf (object: SimObject, within: ClassName | 'all', rebuild: boolean): Nearest {
    let nearest = object.nearest.get(within)
    if (nearest === undefined || rebuild) {
      const ranked = this.nodes
        .filter(node => !node.gone && (within === 'all' || node.cls === within))
        .map(node => ({ node: node.index, distance: this.distance(object, node) }))
        .sort((a, b) => a.distance - b.distance)
      const kept = ranked.slice(0, NEAREST_KEPT)
      nearest = { nodes: kept.map(r => r.node), distances: kept.map(r => r.distance), complete: kept.length === ranked.length }
      object.nearest.set(within, nearest)
    }
    return nearest
  }

  /** A newcomer enters the kept nearest lists it ranks in. */
  private offerNewcomer (object: SimObject, node: SimNode): void {
    for (const [within, nearest] of object.nearest) {
      if (within !== 'all' && within !== node.cls) continue
      const distance = this.distance(object, node)
      const last = nearest.distances.length
      if (last >= NEAREST_KEPT && distance >= nearest.distances[last - 1]) {
        nearest.complete = false
        continue
      }
      let at = last
      while (at > 0 && nearest.distances[at - 1] > distance) at--
      nearest.nodes.splice(at, 0, node.index)
      nearest.distances.splice(at, 0, distance)
      if (nearest.nodes.length > NEAREST_KEPT) {
        nearest.nodes.pop()
        nearest.distances.pop()
        nearest.complete = false
      }
    }
  }

  /**
   * The nearest online node (of a class, or any) that holds no shard of the object; for operators, on a host none
   * of its other operator holders is on (unless the placement ignores hosts). Falls back to any class when the class
   * has none online.
   */
  private pickHolder (index: number, within: ClassName | 'all'): SimNode {
    const object = this.objects[index]
    // Only an operator pick looks at hosts; every repair under `closest` skips this.
    const usedHosts = new Set<number>()
    const placement = this.policy.placement
    if (within === 'operator' && !(placement.kind === 'operators-first' && placement.distinctHosts === false)) {
      for (const h of object.holders) {
        const holder = this.nodes[h]
        if (holder.cls === 'operator' && holder.host >= 0) usedHosts.add(holder.host)
      }
    }
    const eligible = (node: SimNode): boolean => node.online && !node.gone && !node.held.has(index) &&
      !(within === 'operator' && usedHosts.has(node.host))
    for (let attempt = 0; attempt < 2; attempt++) {
      const nearest = this.nearestOf(object, within, attempt === 1)
      for (const n of nearest.nodes) {
        const node = this.nodes[n]
        if (eligible(node)) return node
      }
      if (nearest.complete) break
    }
    if (within !== 'all') return this.pickHolder(index, 'all')
    throw new InvalidModelInputError(`no online node can take a shard: ${this.nodes.filter(n => n.online).length} online for a stripe of ${this.policy.n}`)
  }

  private addHolder (index: number, node: SimNode): void {
    const object = this.objects[index]
    object.holders.push(node.index)
    node.held.add(index)
    object.existing++
    object.counted++
    if (node.online) object.online++
  }

  private scheduleRepair (index: number): void {
    const object = this.objects[index]
    if (object.lost || object.repairScheduled || object.waitingForReadable) return
    if (object.counted > this.policy.threshold) return
    object.repairScheduled = true
    this.queue.push({ at: this.now + this.policy.repairHours, type: 'repair', object: index })
  }

  /** Rebuilds every written-off shard on new holders, if k holders are online to read from. */
  private repair (index: number): void {
    const object = this.objects[index]
    object.repairScheduled = false
    if (object.lost || object.counted > this.policy.threshold || object.writtenOff.size === 0) return
    if (object.online < this.policy.k) {
      object.waitingForReadable = true
      return
    }
    const replaced = [...object.writtenOff]
    object.writtenOff.clear()
    for (const n of replaced) {
      const node = this.nodes[n]
      object.holders.splice(object.holders.indexOf(n), 1)
      node.held.delete(index)
      if (!node.gone) object.existing--
    }
    for (const n of replaced) {
      const within = this.policy.placement.kind === 'closest' ? 'all' : this.nodes[n].cls
      this.addHolder(index, this.pickHolder(index, within))
    }
    this.repairs++
    this.repairObjectSizes += 1 + replaced.length / this.policy.k
  }

  // Events

  private handle (event: SimEvent): void {
    this.now = event.at
    switch (event.type) {
      case 'leave': {
        const node = this.nodes[event.node]
        if (node.epoch !== event.epoch || node.gone) return
        this.departures++
        const forGood = this.random() < this.profiles[node.cls].neverReturnsFraction
        this.goOffline(node, forGood)
        if (!forGood) this.queue.push({ at: this.now + this.absenceHours(this.classes[node.cls], false), type: 'return', node: node.index, epoch: node.epoch })
        return
      }
      case 'return': {
        const node = this.nodes[event.node]
        if (node.epoch !== event.epoch || node.gone) return
        this.comeBack(node)
        return
      }
      case 'write-off': {
        const node = this.nodes[event.node]
        if (node.epoch !== event.epoch || node.online) return
        for (const o of node.held) {
          const object = this.objects[o]
          if (object.writtenOff.has(node.index)) continue
          object.writtenOff.add(node.index)
          object.counted--
          this.writeOffs++
          this.scheduleRepair(o)
        }
        return
      }
      case 'repair':
        this.repair(event.object)
        return
      case 'event':
        this.startEvent(event.event)
        return
      case 'event-end':
        this.endEvent(event.event)
    }
  }

  private startEvent (index: number): void {
    const event = this.options.events[index]
    const lostBefore = this.lost
    const report: EventReport = { kind: event.kind, atDays: event.atDays, nodes: 0, minReadableFraction: 1, lost: 0 }
    this.eventReports[index] = report
    let windowHours = 0
    if (event.kind === 'tabs-close') {
      for (const node of [...this.nodes]) {
        if (node.cls !== 'tab' || !node.online || node.gone || this.random() >= event.fraction) continue
        this.goOffline(node, false)
        this.queue.push({ at: this.now + event.hours, type: 'return', node: node.index, epoch: node.epoch })
        report.nodes++
      }
      windowHours = event.hours
    } else if (event.kind === 'tabs-gone') {
      for (const node of [...this.nodes]) {
        if (node.cls !== 'tab' || node.gone || this.random() >= event.fraction) continue
        this.goOffline(node, true)
        report.nodes++
      }
      windowHours = this.policy.graceHours.tab + this.policy.repairHours
    } else {
      const host = this.nodes.find(n => n.cls === 'operator' && !n.gone)?.host
      for (const node of [...this.nodes]) {
        if (node.cls !== 'operator' || node.gone || node.host !== host) continue
        this.goOffline(node, true)
        report.nodes++
      }
      windowHours = this.policy.graceHours.operator + this.policy.repairHours
    }
    report.lost = this.lost - lostBefore
    // The window closes an hour after the event's own end, once the repairs it caused had time to land.
    this.openWindows.set(index, this.now + windowHours + 1)
    this.queue.push({ at: this.now + windowHours + 1, type: 'event-end', event: index })
  }

  private endEvent (index: number): void {
    const report = this.eventReports[index]
    report.minReadableFraction = Math.min(report.minReadableFraction, (this.options.objects - this.unreadable) / this.options.objects)
  }
}
