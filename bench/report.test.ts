import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { erasureTargets } from './erasure-report.ts'
import type { ErasureBenchRow } from './erasure-bench.ts'
import { recordSection, renderChart, renderReport, renderTable, sortSections, writeReport, type ReportSection } from './report.ts'

function section (name: string, overrides: Partial<ReportSection> = {}): ReportSection {
  return {
    name,
    title: `Section ${name}`,
    when: '2026-12-03T16:00:00.000Z',
    loadAverage: { before: 1.5, after: 2.25 },
    cores: 2,
    environment: 'Node 22',
    description: 'What it measures.',
    tables: [{ columns: ['size', 'MB/s'], rows: [['64 KiB', 2500], ['1 MiB', 'a|b']] }],
    targets: [
      { target: 'encode ≥ 2000 MB/s', measured: '2,500 MB/s', met: true },
      { target: 'fixed cost ≤ 5 µs', measured: '7 µs', met: false }
    ],
    chart: {
      title: 'MB/s',
      unit: 'MB/s',
      categories: ['64 KiB', '1 MiB'],
      series: [{ name: 'ours', values: [2500, 3000] }, { name: 'memcpy', values: [9000, null], baseline: true }],
      lines: [{ label: 'target', value: 2000 }]
    },
    ...overrides
  }
}

describe('benchmark report', () => {
  it('renders a markdown table, escaping pipes, figures aligned right and words left', () => {
    expect(renderTable({ columns: ['a', 'b'], rows: [[1, 'x|y'], ['2,048 MB/s', 'z']] }))
      .toBe('| a | b |\n| ---: | --- |\n| 1 | x\\|y |\n| 2,048 MB/s | z |')
  })

  it('counts a target checked for comparison apart from the report\'s own', () => {
    const markdown = renderReport([section('erasure-node', {
      targets: [{ target: 'encode ≥ 2000 MB/s (set for Chromium)', measured: '1,000 MB/s', met: false, comparison: true }]
    }), section('erasure-chromium')])
    expect(markdown).toContain('1 of 2 met; 1 more rows check targets set for another environment')
    expect(markdown).toContain('| 1,000 MB/s | **not met** (comparison) |')
  })

  it('lists every target with met or not met, then each section with its chart and figures', () => {
    const markdown = renderReport([section('erasure-node'), section('storage', { targets: [], notes: ['10,000 left out: too slow'] })])
    expect(markdown).toContain('1 of 2 met.')
    expect(markdown).toContain('| Section erasure-node | encode ≥ 2000 MB/s | 2,500 MB/s | met |')
    expect(markdown).toContain('| Section erasure-node | fixed cost ≤ 5 µs | 7 µs | **not met** |')
    expect(markdown).toContain('![MB/s](charts/erasure-node.svg)')
    expect(markdown).toContain('2026-12-03 16:00:00 UTC; Node 22; load average (1 min) 1.50 before, 2.25 after, on 2 cores.')
    expect(markdown).toContain('- 10,000 left out: too slow')
    expect(renderReport([section('idle', { loadAverage: { before: 0.5, after: 1.5 } })])).not.toContain('above the core count')
    expect(renderReport([section('busy', { loadAverage: { before: 1, after: 6.5 } })])).toContain('The load average was above the core count')
    expect(markdown.indexOf('## Section erasure-node')).toBeLessThan(markdown.indexOf('## Section storage'))
  })

  it('orders sections by the report\'s order, unknown names last', () => {
    expect(sortSections([section('zeta'), section('attachments'), section('erasure-chromium'), section('erasure-node')])
      .map(s => s.name)).toEqual(['erasure-node', 'erasure-chromium', 'attachments', 'zeta'])
  })

  it('draws one bar per value present, the target line and a legend', () => {
    const svg = renderChart(section('x').chart!)
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(3) // the null value draws no bar
    expect(svg).toContain('stroke-dasharray')
    expect(svg).toContain('>memcpy</text>')
    const log = renderChart({ ...section('x').chart!, log: true })
    expect(log).toContain('(log scale)')
    expect(log).toContain('>1k</text>')
    expect(log).toContain('>10k</text>')
  })

  it('rebuilds the report from every results file, so one benchmark replaces only its own section', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zentalk-report-'))
    const paths = { resultsDir: join(dir, 'results'), chartsDir: join(dir, 'charts'), reportPath: join(dir, 'report.md') }
    recordSection(section('erasure-node'), paths.resultsDir)
    recordSection(section('storage'), paths.resultsDir)
    recordSection(section('storage', { description: 'Measured again.' }), paths.resultsDir)
    expect(writeReport(paths).map(s => s.name)).toEqual(['erasure-node', 'storage'])
    const markdown = readFileSync(paths.reportPath, 'utf8')
    expect(markdown).toContain('Measured again.')
    expect(markdown.match(/## Section storage/g)).toHaveLength(1)
    expect(markdown.match(/What it measures\./g)).toHaveLength(1) // erasure-node's; storage's was replaced
    expect(readdirSync(paths.chartsDir).sort()).toEqual(['erasure-node.svg', 'storage.svg'])
  })
})

describe('erasure targets', () => {
  const row = (coder: 'simd' | 'reference', objectBytes: number, encodeMBps: number, rebuildMBps: number): ErasureBenchRow => ({
    coder, objectBytes, encodeMBps, rebuildMBps, decodeMBps: rebuildMBps, encodeIntoMBps: encodeMBps, rebuildIntoMBps: rebuildMBps,
    encodeMicros: objectBytes / encodeMBps, rebuildMicros: objectBytes / rebuildMBps, memcpyMBps: 10_000, allocCopyMBps: 5000
  })
  const sizes = [64 * 1024, 256 * 1024, 1024 * 1024]

  it('are met only when every size from 64 KiB to 1 MiB meets them', () => {
    const rows = [
      row('simd', 10, 4, 2), row('reference', 10, 1, 1),
      ...sizes.flatMap(size => [row('simd', size, size === 256 * 1024 ? 1900 : 2500, 1500), row('reference', size, 200, 100)])
    ]
    const targets = erasureTargets(rows)
    // encode misses 2 GB/s and 10× the reference at 256 KiB only; rebuild, the memcpy shares and the fixed cost pass.
    expect(targets.map(t => t.met)).toEqual([false, true, false, true, true, true, true])
    expect(targets[0].measured).toBe('1,900-2,500 MB/s; coding alone (→prealloc) 1,900-2,500 MB/s')
    expect(targets[2].measured).toBe('9.5-12.5×')
    // 10 B at 4 MB/s is 2.5 µs per encode, at 2 MB/s 5 µs per rebuild: within 5 µs; the reference's rows do not count.
    expect(targets[6].measured).toBe('encode 2.50 µs, rebuild 5.00 µs')
  })
})
