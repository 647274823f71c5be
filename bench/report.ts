/**
 * The benchmark report: each benchmark records its figures as one section (bench/results/<name>.json); after a
 * run, bench/report.md is assembled from every section on disk, so running one benchmark replaces its own section
 * and keeps the others. Each section gets one chart (bench/charts/<name>.svg, plain SVG, no library), a table of
 * its figures next to the baseline measured in the same run, and its targets, each "met" or "not met".
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface ReportTable {
  caption?: string
  columns: string[]
  rows: Array<Array<string | number>>
}

/** A target and how this run measured against it. */
export interface ReportTarget {
  /** What is bounded, with its bound: "encode ≥ 2 GB/s at 64 KiB-1 MiB". */
  target: string
  /** The figure this run measured, as text ("1,830-2,410 MB/s"). */
  measured: string
  met: boolean
  /** A target set for another environment (Chromium's coder targets checked in Node): shown, not counted. */
  comparison?: boolean
}

export interface ChartSeries {
  name: string
  /** One value per category; `null` where this series has no figure. */
  values: Array<number | null>
  /** Baselines (memcpy, the reference coder, the old path) are drawn in greys, next to the figures. */
  baseline?: boolean
}

/** A grouped bar chart: one group per category, one bar per series, with optional target lines. */
export interface ReportChart {
  title: string
  unit: string
  categories: string[]
  series: ChartSeries[]
  /** A log scale, for figures spanning orders of magnitude (MB/s from 10 B to 1 MiB). */
  log?: boolean
  /** Horizontal lines: a target or bound on the same axis. */
  lines?: Array<{ label: string, value: number }>
}

export interface ReportSection {
  /** File name of its results and chart; also its place in the report. */
  name: string
  title: string
  /** ISO time the benchmark finished. */
  when: string
  /** 1-minute load average before and after the benchmark: the machine is shared, so timings carry it. */
  loadAverage: { before: number, after: number }
  cores: number
  /** Where it ran (Node version, Chromium version, mesh size). */
  environment: string
  /** What the figures mean and how they were measured. */
  description: string
  tables: ReportTable[]
  targets: ReportTarget[]
  /** Why something asked for is not measured, or anything else a reader must know. */
  notes?: string[]
  chart?: ReportChart
}

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))
export const RESULTS_DIR = join(BENCH_DIR, 'results')
export const CHARTS_DIR = join(BENCH_DIR, 'charts')
export const REPORT_PATH = join(BENCH_DIR, 'report.md')

/** The order sections appear in; sections with other names follow, alphabetically. */
export const SECTION_ORDER = ['erasure-node', 'erasure-chromium', 'storage', 'attachments']

/** Starts timing a section: returns a function that completes it with the load average and time of the run. */
export function startSection (): (section: Omit<ReportSection, 'when' | 'loadAverage' | 'cores'>) => ReportSection {
  const before = loadavg()[0]
  return (section) => ({
    ...section,
    when: new Date().toISOString(),
    loadAverage: { before: round2(before), after: round2(loadavg()[0]) },
    cores: availableParallelism()
  })
}

/** Writes one section's results (replacing that benchmark's previous ones). */
export function recordSection (section: ReportSection, dir = RESULTS_DIR): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${section.name}.json`), JSON.stringify(section, null, 2) + '\n')
}

export function readSections (dir = RESULTS_DIR): ReportSection[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter(file => file.endsWith('.json'))
  } catch {
    return []
  }
  return sortSections(files.map(file => JSON.parse(readFileSync(join(dir, file), 'utf8')) as ReportSection))
}

export function sortSections (sections: ReportSection[]): ReportSection[] {
  const rank = (name: string): number => {
    const index = SECTION_ORDER.indexOf(name)
    return index === -1 ? SECTION_ORDER.length : index
  }
  return [...sections].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name))
}

/** Assembles bench/report.md and one chart per section from every results file present. */
export function writeReport (options: { resultsDir?: string, chartsDir?: string, reportPath?: string } = {}): ReportSection[] {
  const { resultsDir = RESULTS_DIR, chartsDir = CHARTS_DIR, reportPath = REPORT_PATH } = options
  const sections = readSections(resultsDir)
  mkdirSync(chartsDir, { recursive: true })
  for (const section of sections) {
    if (section.chart !== undefined) writeFileSync(join(chartsDir, `${section.name}.svg`), renderChart(section.chart))
  }
  writeFileSync(reportPath, renderReport(sections, 'charts'))
  return sections
}

const escapeCell = (cell: string | number): string => String(cell).replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function renderTable (table: ReportTable): string {
  const lines: string[] = []
  if (table.caption !== undefined) lines.push(table.caption, '')
  // Columns of figures align right, columns of words left.
  const figures = table.columns.map((_, i) => table.rows.length > 0 &&
    table.rows.every(row => row[i] === undefined || typeof row[i] === 'number' || /^[-\d.,×% µs/MKGiB]*$/.test(String(row[i]))))
  lines.push(`| ${table.columns.map(escapeCell).join(' | ')} |`)
  lines.push(`| ${table.columns.map((_, i) => figures[i] ? '---:' : '---').join(' | ')} |`)
  for (const row of table.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`)
  return lines.join('\n')
}

/** The report's markdown: a summary of every target, then each section. `chartsPath` is relative to the report. */
export function renderReport (sections: ReportSection[], chartsPath = 'charts'): string {
  const out: string[] = [
    '# Benchmark report',
    '',
    'Written by `npm run bench` (bench/report.ts) from bench/results/*.json: each benchmark replaces its own ' +
      'section, so sections may come from different runs (each gives its time and load average). The machine may ' +
      'be shared: wall-clock rates drop when other processes run, which the load average hints at.',
    ''
  ]
  const all = sections.flatMap(section => section.targets.map(target => ({ section, target })))
  if (all.length > 0) {
    const counted = all.filter(({ target }) => target.comparison !== true)
    const met = counted.filter(({ target }) => target.met).length
    const compared = all.length - counted.length
    out.push('## Targets', '', `${met} of ${counted.length} met` + (compared === 0
      ? '.'
      : `; ${compared} more rows check targets set for another environment, for comparison, and are not counted.`), '')
    out.push(renderTable({
      columns: ['section', 'target', 'measured', ''],
      rows: all.map(({ section, target }) => [section.title, target.target, target.measured,
        (target.met ? 'met' : '**not met**') + (target.comparison === true ? ' (comparison)' : '')])
    }), '')
  }
  for (const section of sections) {
    out.push(`## ${section.title}`, '')
    out.push(`${section.when.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}; ${section.environment}; load average ` +
      `(1 min) ${section.loadAverage.before.toFixed(2)} before, ${section.loadAverage.after.toFixed(2)} after, ` +
      `on ${section.cores} cores.` + (Math.max(section.loadAverage.before, section.loadAverage.after) > section.cores
      ? ' **The load average was above the core count** (it counts this benchmark\'s own processes as well as any ' +
        'other work on the machine): wall-clock figures may be lower than with the cores to itself.'
      : ''), '')
    out.push(section.description, '')
    if (section.chart !== undefined) out.push(`![${section.chart.title}](${chartsPath}/${section.name}.svg)`, '')
    for (const table of section.tables) out.push(renderTable(table), '')
    if (section.targets.length > 0) {
      out.push(renderTable({
        columns: ['target', 'measured', ''],
        rows: section.targets.map(target => [target.target, target.measured, target.met ? 'met' : '**not met**'])
      }), '')
    }
    for (const note of section.notes ?? []) out.push(`- ${note}`)
    if ((section.notes ?? []).length > 0) out.push('')
  }
  return out.join('\n')
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

const PALETTE = ['#2f6fd0', '#e07b1a', '#2a9d58', '#b23a8a', '#7a5bd6', '#c9a227']
const BASELINE_PALETTE = ['#8a8a8a', '#b5b5b5', '#5f5f5f', '#d0d0d0']

/** A grouped bar chart as a standalone SVG. */
export function renderChart (chart: ReportChart): string {
  const width = 820
  const left = 70
  const right = 20
  const top = 40
  const plotHeight = 280
  const legendRows = Math.ceil(chart.series.length / 3)
  const height = top + plotHeight + 40 + legendRows * 18 + 10
  const values = [...chart.series.flatMap(series => series.values), ...(chart.lines ?? []).map(line => line.value)]
    .filter((value): value is number => value !== null && Number.isFinite(value) && (chart.log !== true || value > 0))
  const max = values.length === 0 ? 1 : Math.max(...values)
  const min = values.length === 0 ? 1 : Math.min(...values)
  let scale: (value: number) => number
  let ticks: number[]
  if (chart.log === true) {
    const low = Math.floor(Math.log10(min) - 1e-9) // a value at a power of ten still gets a visible bar
    const high = Math.max(low + 1, Math.ceil(Math.log10(max)))
    scale = value => (Math.log10(value) - low) / (high - low)
    ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i))
  } else {
    const step = niceStep(max / 5)
    const high = Math.max(step, Math.ceil(max / step) * step)
    scale = value => value / high
    ticks = Array.from({ length: Math.round(high / step) + 1 }, (_, i) => i * step)
  }
  const y = (value: number): number => top + plotHeight - Math.max(0, Math.min(1, scale(value))) * plotHeight
  const plotWidth = width - left - right
  const group = plotWidth / Math.max(1, chart.categories.length)
  const bar = group * 0.8 / Math.max(1, chart.series.length)
  const colours = seriesColours(chart.series)
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
    `<text x="14" y="${top + plotHeight / 2}" transform="rotate(-90 14 ${top + plotHeight / 2})" text-anchor="middle">` +
      `${escapeXml(chart.unit)}${chart.log === true ? ' (log scale)' : ''}</text>`
  ]
  for (const tick of ticks) {
    parts.push(`<line x1="${left}" y1="${y(tick).toFixed(1)}" x2="${width - right}" y2="${y(tick).toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${formatTick(tick)}</text>`)
  }
  parts.push(`<line x1="${left}" y1="${top + plotHeight}" x2="${width - right}" y2="${top + plotHeight}" stroke="#333"/>`)
  chart.categories.forEach((category, c) => {
    const x0 = left + c * group + group * 0.1
    chart.series.forEach((series, s) => {
      const value = series.values[c]
      if (value === null || value === undefined || !Number.isFinite(value) || (chart.log === true && value <= 0)) return
      const x = x0 + s * bar
      const barTop = y(value)
      parts.push(`<rect x="${x.toFixed(1)}" y="${barTop.toFixed(1)}" width="${(bar * 0.92).toFixed(1)}" ` +
        `height="${(top + plotHeight - barTop).toFixed(1)}" fill="${colours[s]}"><title>${escapeXml(`${series.name}, ${category}: ${formatValue(value)} ${chart.unit}`)}</title></rect>`)
      if (bar >= 18) {
        parts.push(`<text x="${(x + bar * 0.46).toFixed(1)}" y="${(barTop - 3).toFixed(1)}" font-size="9" text-anchor="middle">${formatValue(value)}</text>`)
      }
    })
    parts.push(`<text x="${(left + c * group + group / 2).toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle">${escapeXml(category)}</text>`)
  })
  // Labels alternate between the right and left ends, so lines close together stay readable.
  for (const [i, line] of (chart.lines ?? []).entries()) {
    const ly = y(line.value).toFixed(1)
    const [lx, anchor] = i % 2 === 0 ? [width - right - 4, 'end'] : [left + 4, 'start']
    parts.push(`<line x1="${left}" y1="${ly}" x2="${width - right}" y2="${ly}" stroke="#d62828" stroke-dasharray="6 4"/>`,
      `<text x="${lx}" y="${(Number(ly) - 4).toFixed(1)}" text-anchor="${anchor}" fill="#d62828">${escapeXml(line.label)}</text>`)
  }
  chart.series.forEach((series, s) => {
    const lx = left + (s % 3) * (plotWidth / 3)
    const ly = top + plotHeight + 36 + Math.floor(s / 3) * 18
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colours[s]}"/>`,
      `<text x="${lx + 18}" y="${ly}">${escapeXml(series.name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

function seriesColours (series: ChartSeries[]): string[] {
  let figure = 0
  let baseline = 0
  return series.map(s => s.baseline === true
    ? BASELINE_PALETTE[baseline++ % BASELINE_PALETTE.length]
    : PALETTE[figure++ % PALETTE.length])
}

function niceStep (rough: number): number {
  if (!(rough > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(rough))
  const fraction = rough / power
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
}

function formatTick (value: number): string {
  if (value >= 1e6) return `${value / 1e6}M`
  if (value >= 1e3) return `${value / 1e3}k`
  return String(Number(value.toPrecision(3)))
}

/** A figure with three significant digits at most, thousands separated. */
export function formatValue (value: number): string {
  if (value === 0) return '0'
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}

function round2 (value: number): number {
  return Math.round(value * 100) / 100
}
