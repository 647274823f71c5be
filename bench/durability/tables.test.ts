import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DurabilityDocError } from './errors.ts'
import { blockIds, fillDoc, formatProbability, formatReadable, type DocTable } from './markdown.ts'
import { DOC_PATH, durabilityTables } from './tables.ts'

describe('DURABILITY.md', () => {
  // Computing every table takes several CPU seconds (dozens of chains); on a busy shared machine much longer.
  it('holds exactly the tables the model computes now (npm run durability -- --write rewrites them)', () => {
    const doc = readFileSync(DOC_PATH, 'utf8')
    const tables = durabilityTables()
    expect(blockIds(doc)).toEqual(tables.map(t => t.id))
    expect(fillDoc(doc, tables)).toBe(doc)
    // The stripe table's claim "fewest operator holders": h meets the target and h - 1 does not.
    const stripes = tables.find(t => t.id === 'stripes') as DocTable
    for (const row of stripes.rows) expect(row.slice(-2)).toEqual(['yes', 'no'])
    const policies = tables.find(t => t.id === 'policies') as DocTable
    expect(policies.rows.map(r => r.at(-1))).toEqual([...new Array(policies.rows.length - 1).fill('no'), 'yes'])
  }, 600_000)
})

describe('generated blocks', () => {
  const table: DocTable = { id: 'demo', title: 'Demo', header: ['a', 'b'], rows: [['1', 'x|y']] }

  it('fills a block and leaves the text around it alone', () => {
    const doc = 'before\n<!-- durability:begin demo -->\nstale\n<!-- durability:end demo -->\nafter\n'
    expect(fillDoc(doc, [table])).toBe('before\n<!-- durability:begin demo -->\n| a | b |\n| --- | --- |\n| 1 | x\\|y |\n<!-- durability:end demo -->\nafter\n')
  })

  it('refuses a document without the block, or with a block no table fills', () => {
    expect(() => fillDoc('no blocks here', [table])).toThrow(DurabilityDocError)
    expect(() => fillDoc('<!-- durability:begin gone -->\n<!-- durability:end gone -->', [])).toThrow(/block "gone" that no table fills/)
  })

  it('prints probabilities and readable fractions so the nines are visible', () => {
    expect(formatProbability(0.5)).toBe('0.50')
    expect(formatProbability(2.5e-12)).toBe('2.5e-12')
    expect(formatProbability(1e-25)).toBe('< 1e-20')
    expect(formatReadable(3.7e-5)).toBe('99.9963 %')
    expect(formatReadable(0.2)).toBe('80.0 %')
  })
})
