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
// Policies: `recommended` (DURABILITY.md's), `today` (the mesh's current behaviour), or `compared` (every policy
// of DURABILITY.md's comparison). Default: recommended, then today.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { defaultChurnEvents, simulateChurn, type ChurnReport } from './durability/churn.ts'
import { COMPARED, OPERATOR, RECOMMENDED, TAB, TODAY } from './durability/policies.ts'
import type { Policy } from './durability/model.ts'
import { ZenTalkError } from '../src/errors/index.ts'

const SCENARIOS = ['churn']
const POLICIES: Record<string, Policy[]> = { recommended: [RECOMMENDED], today: [TODAY], compared: COMPARED }

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

function main (): void {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      nodes: { type: 'string', default: '1000' },
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
  if (values.scenario === undefined || !SCENARIOS.includes(values.scenario)) {
    throw new SimUsageError(`--scenario must be one of: ${SCENARIOS.join(', ')} (got ${values.scenario ?? 'none'}); ` +
      'the lookup scenario over many in-memory libp2p nodes is not built yet')
  }
  const nodes = wholeNumber('nodes', values.nodes)
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
  main()
} catch (err) {
  if (!(err instanceof ZenTalkError)) throw err
  console.error(`sim: ${err.message}`)
  process.exitCode = 2
}
