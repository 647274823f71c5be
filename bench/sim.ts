// `npm run sim [-- --scenario lookup] [--nodes N] [--keys K] [--askers A] [--tabs F] [--connection-budget N|none] [--seed S] [--warmup-seconds U] [--settle-seconds W] [--idle-seconds T] [--idle-profile FILE.cpuprofile] [--json FILE] [--chart FILE.svg]
//   [--settings name=value,...]`
//
// The lookup scenario (the default; bench/lookup/lookup.ts): N real nodes (the project's own node over an
// in-memory libp2p transport, a share F tab-like) in this one process, K random keys each asked of A random
// nodes. Reports how many answers equal the true 15 closest storage nodes (`exactFraction`, `minAgreement`),
// DHT hops and messages per lookup, how soon a new node's answers are exact (`joinExactSeconds`), and the idle
// cost per node (`idleCpuPerNodePct`, `heapPerNodeMb`) with connections per node (`maxConnectionsPerTab`).
//
// `npm run sim -- --scenario churn [--nodes N] [--days D] [--seed S] [--objects O] [--operators F] [--policy P]...
//   [--events default|none] [--warmup-days W] [--json FILE]`
//
// The churn scenario (bench/durability/churn.ts): N nodes, a share F run by operators (the rest browser tabs),
// that come and go as DURABILITY.md's node classes say, O objects placed and repaired by each policy asked for,
// and the correlated events (a third of the online tabs closing for 12 hours, an operator host with several
// nodes dying). Prints each policy's measured figures next to the model's, and writes the JSON report: the first
// policy's figures at the top level (`objects`, `lost`, `minReadableFraction`, `repairBytesPerObjectYear`,
// `modelLossPerObjectYear`, ...), every policy's report under `runs`.
//
// Policies: `recommended` (DURABILITY.md's), `as-built` (the recommended policy as the node's settings implement it:
// operator holders whatever their host), `today` (the mesh's current behaviour), or `compared` (every policy of
// DURABILITY.md's comparison). Default: recommended, then today.
// First: it sets DEBUG_COLORS before libp2p's logger loads.
import '../relay/debug-colors.ts'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { defaultChurnEvents, simulateChurn, type ChurnReport } from './durability/churn.ts'
import { AS_BUILT, COMPARED, OPERATOR, RECOMMENDED, TAB, TODAY } from './durability/policies.ts'
import type { Policy } from './durability/model.ts'
import { fromSearchParams, parseNodeSettings, type NodeSettings } from '../src/config/index.ts'
import { ZenTalkError } from '../src/errors/index.ts'
import { lookupChart } from './lookup/chart.ts'
import { runLookupScenario, type LookupReport } from './lookup/lookup.ts'

const SCENARIOS = ['lookup', 'churn']
const POLICIES: Record<string, Policy[]> = { recommended: [RECOMMENDED], 'as-built': [AS_BUILT], today: [TODAY], compared: COMPARED }

class SimUsageError extends ZenTalkError {}

function wholeNumber (name: string, text: string): number {
  const value = Number(text)
  if (!Number.isInteger(value)) throw new SimUsageError(`--${name} must be a whole number, got "${text}"`)
  return value
}

function number (name: string, text: string): number {
  const value = Number(text)
  if (!Number.isFinite(value)) throw new SimUsageError(`--${name} must be a number, got "${text}"`)
  return value
}

const percent = (p: number): string => `${(p * 100).toFixed(p > 0.999 && p < 1 ? 4 : 2)} %`
const sci = (p: number): string => p === 0 ? '0' : p.toExponential(1)

function printSummary (reports: ChurnReport[]): void {
  const rows = [
    ['policy', 'lost', 'loss / object-year (upper 95 %)', 'model loss (upper / lower)', 'min readable', 'readable', 'model readable', 'repair × object / year', 'model repair', 'operator holders']
  ]
  for (const r of reports) {
    rows.push([
      r.policy, `${r.lost} of ${r.objects}`, `${sci(r.lossPerObjectYear)} (≤ ${sci(r.lossPerObjectYearUpper95)})`,
      `${sci(r.modelLossPerObjectYear)} / ${sci(r.modelLossGoneOnlyPerObjectYear)}`, percent(r.minReadableFraction),
      percent(r.readableFractionOutsideEvents), `${percent(r.modelReadableFraction)}${r.readableWithinModel ? '' : ' (outside)'}`,
      r.repairBytesPerObjectYear.toFixed(1), r.modelRepairBytesPerObjectYear.toFixed(1), r.operatorHoldersPerObject.toFixed(1)
    ])
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map(row => row[c].length)))
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '))
  for (const r of reports) {
    for (const e of r.events) {
      console.log(`  ${r.policy}: ${e.kind} at day ${e.atDays.toFixed(1)} (${e.nodes} nodes): min readable ${percent(e.minReadableFraction)}, lost ${e.lost}`)
    }
  }
}

function printLookup (r: LookupReport): void {
  const rows: Array<[string, string]> = [
    ['nodes', `${r.nodes} (${r.tabNodes} tab-like, ${r.operatorNodes} operator)`],
    ['answers exact', `${r.exactAnswers} of ${r.answers} (${percent(r.exactFraction)}), min agreement ${r.minAgreement} of 15, mean ${r.meanAgreement.toFixed(2)}`],
    ['closestPeers', `p50 ${r.lookupMsP50.toFixed(0)} ms, p99 ${r.lookupMsP99.toFixed(0)} ms`],
    ['DHT hops', `p50 ${r.hopsP50}, p99 ${r.hopsP99}, max ${r.hopsMax} (log2 N = ${r.log2Nodes.toFixed(1)}, target p50 ≤ ${r.hopsTarget.toFixed(1)})`],
    ['DHT messages / lookup', `p50 ${r.messagesPerLookupP50}, p99 ${r.messagesPerLookupP99}${r.dhtLookupsTimedOut > 0 ? ` (${r.dhtLookupsTimedOut} lookups ran out of time)` : ''}`],
    ['mesh ready', `${r.meshReadySeconds.toFixed(1)} s` + (r.operatorContactWaitSeconds > 0
      ? `, then ${r.operatorContactWaitSeconds.toFixed(1)} s until every tab had met an operator node${r.tabsWithoutOperatorContact > 0 ? ` (${r.tabsWithoutOperatorContact} never did)` : ''}`
      : '')],
    ['new node exact after', `${r.joinExactSeconds.toFixed(1)} s`],
    ['idle CPU / node', `${r.idleCpuPerNodePct.toFixed(3)} % of a core`],
    ['heap / node', `${r.heapPerNodeMb.toFixed(1)} MB (process baseline ${r.baselineHeapMb.toFixed(0)} MB)`],
    ['connections / node', `mean ${r.connectionsPerNodeMean.toFixed(1)}, max ${r.connectionsPerNodeMax}; tab-like peak ${r.maxConnectionsPerTab} (budget ${r.connectionBudget ?? 'none'})`],
    ['opened / tab', `${r.openedPerTabWhileBuilding.toFixed(0)} while the mesh was built, then ${r.openedPerTabPerHour.toFixed(0)} per hour (${r.openedPerTabPerHourIdle.toFixed(0)} per hour idle)`]
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`)
}

async function lookup (values: Record<string, string | boolean | string[] | undefined>): Promise<void> {
  const text = (name: string, fallback: string): string => typeof values[name] === 'string' ? values[name] as string : fallback
  const options = {
    nodes: wholeNumber('nodes', text('nodes', '100')),
    keys: wholeNumber('keys', text('keys', '200')),
    askers: wholeNumber('askers', text('askers', '10')),
    tabFraction: number('tabs', text('tabs', '0.8')),
    seed: wholeNumber('seed', text('seed', '1')),
    idleSeconds: number('idle-seconds', text('idle-seconds', '30')),
    settleSeconds: number('settle-seconds', text('settle-seconds', '30')),
    warmupSeconds: number('warmup-seconds', text('warmup-seconds', '0')),
    operatorContactSeconds: number('operator-contact-seconds', text('operator-contact-seconds', '0')),
    idleProfile: typeof values['idle-profile'] === 'string' ? values['idle-profile'] : undefined,
    settings: typeof values.settings === 'string' ? settingsFrom(values.settings) : undefined,
    tabConnectionBudget: values['connection-budget'] === undefined ? undefined : budgetFrom(text('connection-budget', ''))
  }
  if (options.nodes < PLACEMENT_MIN) throw new SimUsageError(`--nodes must be at least ${PLACEMENT_MIN}, got ${options.nodes}`)
  if (options.tabFraction < 0 || options.tabFraction > 1) throw new SimUsageError(`--tabs must be between 0 and 1, got ${options.tabFraction}`)
  console.log(`sim lookup: ${options.nodes} nodes (${percent(options.tabFraction)} tab-like), ${options.keys} keys asked of ${options.askers} nodes each, seed ${options.seed}`)
  const report = await runLookupScenario({ ...options, log: line => { console.log(line) } })
  printLookup(report)
  if (typeof values.json === 'string') {
    writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n')
    console.log(`report: ${values.json}`)
  }
  if (typeof values.chart === 'string') {
    writeFileSync(values.chart, lookupChart(report))
    console.log(`chart: ${values.chart}`)
  }
}

const PLACEMENT_MIN = 16

/** `--connection-budget N`: tab-like nodes' budget (at least 4), or `none`. */
function budgetFrom (text: string): number | null {
  if (text === 'none') return null
  const n = wholeNumber('connection-budget', text)
  if (n < 4) throw new SimUsageError(`--connection-budget must be at least 4 or "none", got ${n}`)
  return n
}

/** `--settings name=value,name=value`: node settings, read as a tab reads them from its URL. */
function settingsFrom (text: string): Partial<NodeSettings> {
  const params = new URLSearchParams(text.split(',').join('&'))
  const parsed = parseNodeSettings(fromSearchParams(params))
  const given: Partial<NodeSettings> = {}
  for (const name of params.keys()) {
    if (!(name in parsed)) throw new SimUsageError(`--settings: unknown setting "${name}"`)
    ;(given as Record<string, unknown>)[name] = parsed[name as keyof NodeSettings]
  }
  return given
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'lookup' },
      nodes: { type: 'string' },
      keys: { type: 'string' },
      askers: { type: 'string' },
      tabs: { type: 'string' },
      'idle-seconds': { type: 'string' },
      'idle-profile': { type: 'string' },
      'settle-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'operator-contact-seconds': { type: 'string' },
      chart: { type: 'string' },
      settings: { type: 'string' },
      'connection-budget': { type: 'string' },
      days: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      objects: { type: 'string' },
      operators: { type: 'string', default: '0.1' },
      'host-nodes': { type: 'string', default: '4' },
      policy: { type: 'string', multiple: true },
      events: { type: 'string', default: 'default' },
      'warmup-days': { type: 'string' },
      json: { type: 'string' }
    }
  })
  if (!SCENARIOS.includes(values.scenario)) {
    throw new SimUsageError(`--scenario must be one of: ${SCENARIOS.join(', ')} (got ${values.scenario})`)
  }
  if (values.scenario === 'lookup') {
    await lookup(values)
    return
  }
  const nodes = wholeNumber('nodes', values.nodes ?? '1000')
  const days = number('days', values.days)
  const policies = (values.policy ?? ['recommended', 'today']).flatMap(name => {
    const found = POLICIES[name]
    if (found === undefined) throw new SimUsageError(`--policy must be one of: ${Object.keys(POLICIES).join(', ')}, got "${name}"`)
    return found
  })
  if (values.events !== 'default' && values.events !== 'none') throw new SimUsageError(`--events must be default or none, got "${values.events}"`)
  const common = {
    nodes,
    days,
    seed: wholeNumber('seed', values.seed),
    objects: values.objects === undefined ? nodes * 10 : wholeNumber('objects', values.objects),
    operatorFraction: number('operators', values.operators),
    hostNodes: wholeNumber('host-nodes', values['host-nodes']),
    tab: TAB,
    operator: OPERATOR,
    sampleEveryHours: 1,
    events: values.events === 'default' ? defaultChurnEvents(days) : [],
    warmupDays: values['warmup-days'] === undefined ? undefined : number('warmup-days', values['warmup-days'])
  }
  console.log(`sim churn: ${nodes} nodes (${percent(common.operatorFraction)} operators), ${common.objects} objects, ${days} days after the warm-up, seed ${common.seed}`)
  const reports: ChurnReport[] = []
  for (const policy of policies) {
    const started = performance.now()
    const report = simulateChurn({ ...common, policy })
    console.log(`  ${policy.name}: ${((performance.now() - started) / 1000).toFixed(1)} s, ${report.departures} departures, ${report.nodesGone} nodes gone for good, ${report.repairs} repairs`)
    reports.push(report)
  }
  printSummary(reports)
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify({ ...reports[0], runs: reports }, null, 2) + '\n')
    console.log(`report: ${values.json}`)
  }
}

try {
  await main()
  // Libp2p's timers of the stopped lookup mesh may linger a moment; the report is out.
  process.exit(process.exitCode ?? 0)
} catch (err) {
  if (!(err instanceof ZenTalkError)) throw err
  console.error(`sim: ${err.message}`)
  process.exitCode = 2
}
