/**
 * `npm run durability`: prints the tables of DURABILITY.md, computed by the model.
 *   --write   rewrites the generated blocks of DURABILITY.md
 *   --check   exits 1 when DURABILITY.md's blocks differ from what the model computes now
 *   --search  finds the fewest operator holders per stripe (slow: the stripe table only verifies its answers)
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { absenceLongerThan, classProfile, type NodeClass } from './classes.ts'
import { solveChain } from './chain.ts'
import { correlatedEvents } from './events.ts'
import { fillDoc, formatHours, formatMultiple, formatProbability, formatReadable, renderAll, type DocTable } from './markdown.ts'
import { evaluatePolicy, meetsTarget, yearlyProbability, type Mix, type Policy, type PolicyFigures } from './model.ts'
import { COMPARED, graced, OPERATOR, RECOMMENDED, TAB, TARGET_MIX, thirdOfParity, TODAY } from './policies.ts'
import { binomialAtLeast, poissonAtMost } from './probability.ts'

export const DOC_PATH = fileURLToPath(new URL('../../DURABILITY.md', import.meta.url))

const percent = (p: number, digits: number): string => `${(p * 100).toFixed(digits)} %`
const yesNo = (ok: boolean): string => ok ? 'yes' : 'no'

function classesTable (): DocTable {
  const row = (cls: NodeClass): string[] => {
    const p = classProfile(cls)
    return [
      cls.name, cls.availability.toFixed(2), formatHours(Number(p.meanSessionHours.toFixed(1))),
      cls.absences.map(a => `${Math.round(a.share * 100)} % ~${formatHours(a.meanHours)}`).join(', '),
      ...[24, 72, 168].map(h => percent(absenceLongerThan(cls, h), 1)),
      p.departuresPerYear.toFixed(0), percent(p.neverReturnsFraction, 1), `${cls.meanLifetimeDays} d`
    ]
  }
  return {
    id: 'classes',
    title: 'Node classes (assumptions)',
    header: ['class', 'availability', 'mean session', 'absences (share ~mean, exponential)', 'away > 1 d', 'away > 3 d', 'away > 7 d', 'departures / year', 'departures never returning', 'mean lifetime'],
    rows: [row(TAB), row(OPERATOR)]
  }
}

/** The eager chain the issue's figures assume: every holder fails at 1/day, each shard back after Exp(turnaround). */
function issueEagerLoss (turnaroundMinutes: number): { loss: number, traffic: number } {
  const holder = { departuresPerYear: 365.25, onlineWhenCounted: 1, graceYears: turnaroundMinutes / 60 / (365.25 * 24) }
  const chain = solveChain({ k: 10, n: 15, operators: 0, threshold: 14, repairYears: 0, repairWaitsForReadable: false, operator: holder, tab: holder })
  return { loss: yearlyProbability(chain.lossPerYear), traffic: chain.repairBytesPerYear }
}

function checksTable (): DocTable {
  const fifteen = (p: number): string => percent(binomialAtLeast(15, p, 10), 1)
  const twenty = (p: number, d: number): string => percent(binomialAtLeast(20, p, 10), d)
  const eager15 = issueEagerLoss(15)
  const eager60 = issueEagerLoss(60)
  return {
    id: 'checks',
    title: 'The issue\'s figures, recomputed',
    header: ['figure', 'issue', 'model', 'how'],
    rows: [
      ['10-of-15 readable, holders online 0.7 / 0.8', '72 % / 93.9 %', `${fifteen(0.7)} / ${fifteen(0.8)}`, 'P(Bin(15, a) ≥ 10)'],
      ['10-of-20 readable, holders online 0.7 / 0.8', '98.3 % / 99.94 %', `${twenty(0.7, 1)} / ${twenty(0.8, 2)}`, 'P(Bin(20, a) ≥ 10)'],
      ['10-of-15 survives a month, no repair, 10 % monthly churn', '99.55 %',
        `${percent(binomialAtLeast(15, 0.9, 10), 2)} (${percent(binomialAtLeast(15, Math.exp(-0.1), 10), 2)})`,
        `P(Bin(15, 0.9) ≥ 10) (exponential: e^-0.1); the issue's figure is the Poisson approximation P(Poisson(1.5) ≤ 5) = ${percent(poissonAtMost(1.5, 5), 2)}`],
      ['… at 100 % monthly churn', '0.3 %',
        `${percent(binomialAtLeast(15, 0, 10), 1)} (${percent(binomialAtLeast(15, Math.exp(-1), 10), 1)})`,
        `every node leaves (exponential: e^-1 stay); Poisson: P(Poisson(15) ≤ 5) = ${percent(poissonAtMost(15, 5), 2)}`],
      ['eager repair, 1-day node lifetime, 15-min turnaround: loss per object-year', 'about 1e-3', formatProbability(eager15.loss),
        'chain over live shards, each missing shard back after Exp(15 min)'],
      ['… 1-hour turnaround', 'about 0.5', formatProbability(eager60.loss), 'same chain, Exp(1 h)'],
      ['repair traffic, every holder leaves once a day and is rebuilt', 'about 860 × object', `${formatMultiple(eager15.traffic)} × object`,
        '≈ 15 × 365 × (1 + 1/10): each rebuild reads 10 shards and writes 1; the issue\'s 860 is not reproduced']
    ]
  }
}

function policyRow (policy: Policy, f: PolicyFigures): string[] {
  const grace = `${formatHours(policy.graceHours.tab)} / ${formatHours(policy.graceHours.operator)}`
  return [
    policy.name, `${policy.k}/${policy.n}`, (f.operatorShare * policy.n).toFixed(1), grace, `${policy.threshold}`,
    formatProbability(f.lossPerObjectYear), formatProbability(f.lossGoneOnlyPerObjectYear), formatReadable(f.unreadableFraction),
    percent(f.readableAskingOnlyK, 1), formatMultiple(f.repairBytesPerObjectYear), `${formatMultiple(f.storageOverhead)}×`,
    `${formatMultiple(f.operatorLoadPerTabLoad)}×`, yesNo(meetsTarget(f))
  ]
}

const POLICY_HEADER = ['policy', 'k/n', 'operator holders', 'grace tab / op', 'repair at r', 'loss / object-year (upper)', 'loss (lower)',
  'readable', 'readable asking k only', 'repair traffic × object / year', 'storage', 'operator load / tab load', 'meets target']

function policiesTable (mix: Mix): DocTable {
  return { id: 'policies', title: 'Policies at the target mix', header: POLICY_HEADER, rows: COMPARED.map(p => policyRow(p, evaluatePolicy(p, mix))) }
}

function shortRow (label: string[], f: PolicyFigures): string[] {
  return [...label, formatProbability(f.lossPerObjectYear), formatProbability(f.lossGoneOnlyPerObjectYear), formatReadable(f.unreadableFraction),
    formatMultiple(f.repairBytesPerObjectYear), `${formatMultiple(f.operatorLoadPerTabLoad)}×`, yesNo(meetsTarget(f))]
}

const SHORT_HEADER = ['loss / object-year (upper)', 'loss (lower)', 'readable', 'repair traffic × object / year', 'operator load / tab load', 'meets target']

function operatorsTable (mix: Mix): DocTable {
  const rows: string[][] = []
  for (let h = 8; h <= 16; h++) {
    const policy = graced(RECOMMENDED.k, RECOMMENDED.n, h, RECOMMENDED.threshold)
    rows.push(shortRow([`${h} + ${RECOMMENDED.n - h}`], evaluatePolicy(policy, mix)))
  }
  return { id: 'operators', title: `Operator holders per stripe (${RECOMMENDED.k}-of-${RECOMMENDED.n}, repair at ${RECOMMENDED.threshold})`, header: ['operators + tabs', ...SHORT_HEADER], rows }
}

function graceTable (mix: Mix): DocTable {
  const rows: string[][] = []
  for (const days of [1, 3, 7, 14]) {
    for (const threshold of [20, 23, 26]) {
      const policy = { ...RECOMMENDED, graceHours: { ...RECOMMENDED.graceHours, tab: days * 24 }, threshold }
      rows.push(shortRow([`${days} d`, `${threshold} (${RECOMMENDED.n - threshold} written off)`], evaluatePolicy(policy, mix)))
    }
  }
  return { id: 'grace', title: 'Tab grace and repair threshold (14 operators + 16 tabs, 10-of-30)', header: ['tab grace', 'repair at r', ...SHORT_HEADER], rows }
}

/**
 * For each stripe (threshold: a third of the parity written off), the fewest operator holders that meet the
 * target, found by `npm run durability -- --search`; the table shows that h meets it and h - 1 does not.
 */
export const FEWEST_OPERATORS: ReadonlyArray<[k: number, n: number, operators: number]> = [[10, 20, 16], [10, 30, 12], [12, 36, 12], [16, 40, 17], [20, 40, 24]]

function stripesTable (mix: Mix): DocTable {
  const rows = FEWEST_OPERATORS.map(([k, n, h]) => {
    const threshold = thirdOfParity(k, n)
    const f = evaluatePolicy(graced(k, n, h, threshold), mix)
    const fewer = evaluatePolicy(graced(k, n, h - 1, threshold), mix)
    return [...shortRow([`${k}-of-${n}`, `${threshold}`, `${h}`, `${formatMultiple(n / k)}×`], f), yesNo(meetsTarget(fewer))]
  })
  return {
    id: 'stripes',
    title: 'Wider stripes: fewest operator holders that meet the target',
    header: ['stripe', 'repair at r', 'operator holders h', 'storage', ...SHORT_HEADER, 'h - 1 meets target'],
    rows
  }
}

/** The fewest operator holders meeting the target for a stripe, or undefined when even n do not. */
export function fewestOperators (k: number, n: number, mix: Mix = TARGET_MIX): number | undefined {
  for (let h = 0; h <= n; h++) {
    if (meetsTarget(evaluatePolicy(graced(k, n, h, thirdOfParity(k, n)), mix))) return h
  }
  return undefined
}

function sensitivityTable (): DocTable {
  const variants: Array<[string, Mix]> = [
    ['none (target mix)', TARGET_MIX],
    ['tab lifetime 30 d', { ...TARGET_MIX, tab: { ...TAB, meanLifetimeDays: 30 } }],
    ['tab lifetime 365 d', { ...TARGET_MIX, tab: { ...TAB, meanLifetimeDays: 365 } }],
    ['tab availability 0.2', { ...TARGET_MIX, tab: { ...TAB, availability: 0.2 } }],
    ['tab availability 0.5', { ...TARGET_MIX, tab: { ...TAB, availability: 0.5 } }],
    ['operator lifetime 1 year', { ...TARGET_MIX, operator: { ...OPERATOR, meanLifetimeDays: 365 } }],
    ['operator lifetime 6 months', { ...TARGET_MIX, operator: { ...OPERATOR, meanLifetimeDays: 182 } }],
    ['operator availability 0.95', { ...TARGET_MIX, operator: { ...OPERATOR, availability: 0.95 } }],
    ['operator long outages 3 d, not 1 d', { ...TARGET_MIX, operator: { ...OPERATOR, absences: [{ share: 0.8, meanHours: 0.5 }, { share: 0.2, meanHours: 72 }] } }],
    ['5 % of nodes operators', { ...TARGET_MIX, operatorFraction: 0.05 }]
  ]
  return {
    id: 'sensitivity',
    title: 'The recommended policy under other assumptions',
    header: ['assumption changed', ...SHORT_HEADER],
    rows: variants.map(([label, mix]) => shortRow([label], evaluatePolicy(RECOMMENDED, mix)))
  }
}

function eventsTable (mix: Mix): DocTable {
  const rows: string[][] = []
  for (const [label, policy] of [['today', TODAY], ['recommended', RECOMMENDED]] as const) {
    for (const e of correlatedEvents(policy, mix)) {
      rows.push([e.event, label, formatProbability(e.unreadableDuring), formatProbability(e.lostAtOnce), formatMultiple(e.repairBytesPerObject)])
    }
  }
  return {
    id: 'events',
    title: 'Correlated events (conditional on the event)',
    header: ['event', 'policy', 'P(unreadable right after)', 'P(lost at once)', 'repair traffic × object'],
    rows
  }
}

/** Every table of DURABILITY.md, in the doc's order. */
export function durabilityTables (): DocTable[] {
  return [classesTable(), checksTable(), policiesTable(TARGET_MIX), operatorsTable(TARGET_MIX), graceTable(TARGET_MIX), stripesTable(TARGET_MIX),
    sensitivityTable(), eventsTable(TARGET_MIX)]
}

function main (args: string[]): number {
  if (args.includes('--search')) {
    for (const [k, n] of [[10, 15], [10, 20], [10, 30], [12, 36], [16, 40], [20, 40], [16, 48]]) {
      console.log(`${k}-of-${n}, repair at ${thirdOfParity(k, n)}: fewest operator holders ${fewestOperators(k, n) ?? 'none (not even n)'}`)
    }
    return 0
  }
  const tables = durabilityTables()
  if (args.includes('--write') || args.includes('--check')) {
    const doc = readFileSync(DOC_PATH, 'utf8')
    const filled = fillDoc(doc, tables)
    if (args.includes('--check')) {
      if (filled === doc) { console.log('DURABILITY.md tables match the model'); return 0 }
      console.error('DURABILITY.md tables differ from the model: run `npm run durability -- --write`')
      return 1
    }
    writeFileSync(DOC_PATH, filled)
    console.log(`wrote ${tables.length} tables into ${DOC_PATH}`)
    return 0
  }
  console.log(renderAll(tables))
  return 0
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2))
