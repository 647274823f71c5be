/**
 * What the churn simulation compares its measurements with: the model's prediction for one scenario (node
 * counts per class, their behaviour, a policy, a duration), and the interval a measured readable fraction
 * should fall in if the model is right.
 */
import { checkNodeClass, classProfile, type NodeClass } from './classes.ts'
import { InvalidModelInputError } from './errors.ts'
import { evaluatePolicy, yearlyProbability, type Mix, type Policy } from './model.ts'
import { expectedFractionRange, wilsonInterval, type Interval } from './probability.ts'

export interface Scenario {
  nodes: { tab: number, operator: number }
  tab: NodeClass
  operator: NodeClass
  policy: Policy
  /** How long the simulation runs. */
  days: number
}

export interface ScenarioPrediction {
  /** P(loss within a year) per object, every absence past the grace counted as a lost shard (upper bound). */
  modelLossPerObjectYear: number
  /** The same counting only nodes gone for good (lower bound). */
  modelLossGoneOnlyPerObjectYear: number
  /** P(an object is lost within the scenario's days), upper bound. */
  lossWithinScenario: number
  readableFraction: number
  unreadableFraction: number
  repairBytesPerObjectYear: number
  repairBytesPerObjectInScenario: number
}

export function mixOf (scenario: Scenario): Mix {
  const { tab, operator } = scenario.nodes
  for (const [name, count] of Object.entries(scenario.nodes)) {
    if (!Number.isInteger(count) || count < 0) throw new InvalidModelInputError(`nodes.${name} must be a whole number of 0 or more, got ${count}`)
  }
  if (tab + operator === 0) throw new InvalidModelInputError('a scenario needs at least one node')
  return { operatorFraction: operator / (tab + operator), tab: scenario.tab, operator: scenario.operator }
}

function checkScenario (scenario: Scenario, mix: Mix): void {
  checkNodeClass(scenario.tab)
  checkNodeClass(scenario.operator)
  if (!(scenario.days > 0)) throw new InvalidModelInputError(`days must be above 0, got ${scenario.days}`)
  const { policy, nodes } = scenario
  if (policy.placement.kind === 'operators-first') {
    const wanted = policy.placement.operators
    if (nodes.operator < wanted) {
      throw new InvalidModelInputError(`policy "${policy.name}" puts ${wanted} shards on distinct operator nodes; the scenario has ${nodes.operator}`)
    }
    if (nodes.tab < policy.n - wanted) {
      throw new InvalidModelInputError(`policy "${policy.name}" puts ${policy.n - wanted} shards on tabs; the scenario has ${nodes.tab}`)
    }
  }
  const online = nodes.tab * mix.tab.availability + nodes.operator * mix.operator.availability
  if (online < policy.n) {
    throw new InvalidModelInputError(`a stripe of ${policy.n} shards needs ${policy.n} online nodes to place them; the scenario has ${online.toFixed(1)} online on average`)
  }
}

/** The model's prediction for a scenario: the figures a churn simulation reports next to what it measured. */
export function modelScenario (scenario: Scenario): ScenarioPrediction {
  const mix = mixOf(scenario)
  checkScenario(scenario, mix)
  const figures = evaluatePolicy(scenario.policy, mix)
  const years = scenario.days / 365.25
  const ratePerYear = -Math.log1p(-figures.lossPerObjectYear)
  return {
    modelLossPerObjectYear: figures.lossPerObjectYear,
    modelLossGoneOnlyPerObjectYear: figures.lossGoneOnlyPerObjectYear,
    lossWithinScenario: yearlyProbability(ratePerYear * years),
    readableFraction: figures.readableFraction,
    unreadableFraction: figures.unreadableFraction,
    repairBytesPerObjectYear: figures.repairBytesPerObjectYear,
    repairBytesPerObjectInScenario: figures.repairBytesPerObjectYear * years
  }
}

/** The model's loss per object-year for a scenario (upper bound), as the simulation reports it. */
export function modelLossPerObjectYear (scenario: Scenario): number {
  return modelScenario(scenario).modelLossPerObjectYear
}

/**
 * Samples of one object taken closer together than a tab's session-plus-absence cycle see mostly the same
 * holders online, so they are not independent: count at most one sample per cycle per object.
 */
export function independentSamples (scenario: Scenario, objects: number, samplesPerObject: number): number {
  if (!Number.isInteger(objects) || objects < 1) throw new InvalidModelInputError(`objects must be a whole number of 1 or more, got ${objects}`)
  if (!Number.isInteger(samplesPerObject) || samplesPerObject < 1) {
    throw new InvalidModelInputError(`samplesPerObject must be a whole number of 1 or more, got ${samplesPerObject}`)
  }
  const cycles = Math.max(1, Math.floor(scenario.days * 24 / classProfile(scenario.tab).cycleHours))
  return objects * Math.min(samplesPerObject, cycles)
}

/**
 * Confidence interval of a readable fraction measured as `readable` of `samples` reads (Wilson), with the
 * sample count reduced to the independent ones (`independentSamples`).
 */
export function measuredReadableInterval (readable: number, samples: number, independent: number, confidence = 0.95): Interval {
  if (!(readable >= 0 && readable <= samples)) throw new InvalidModelInputError(`readable (${readable}) must be between 0 and samples (${samples})`)
  if (!(independent >= 1 && independent <= samples)) {
    throw new InvalidModelInputError(`independent samples must be between 1 and samples (${samples}), got ${independent}`)
  }
  const fraction = readable / samples
  return wilsonInterval(Math.round(fraction * independent), independent, confidence)
}

/** Where a readable fraction measured over `objects` × `samplesPerObject` reads should fall if the model is right. */
export function predictedReadableRange (scenario: Scenario, objects: number, samplesPerObject: number, confidence = 0.95): Interval {
  return expectedFractionRange(modelScenario(scenario).readableFraction, independentSamples(scenario, objects, samplesPerObject), confidence)
}
