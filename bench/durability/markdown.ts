/**
 * Markdown for DURABILITY.md: number formats, tables, and the generated blocks between
 * `<!-- durability:begin id -->` and `<!-- durability:end id -->` that `npm run durability -- --write` fills.
 */
import { DurabilityDocError } from './errors.ts'

export interface DocTable {
  id: string
  title: string
  header: string[]
  rows: string[][]
}

/** A probability: two decimals from 0.01 up, otherwise two significant digits in e-notation. */
export function formatProbability (p: number): string {
  if (p === 0) return '0'
  // Below this the pruned paths of the chain (under 1e-22 per cycle) could be what is shown.
  if (p < 1e-20) return '< 1e-20'
  if (p >= 0.01) return p.toFixed(2)
  return p.toExponential(1)
}

/** A readable fraction from its complement, with as many decimals as it takes to show where the nines end. */
export function formatReadable (unreadable: number): string {
  if (unreadable >= 0.01) return `${((1 - unreadable) * 100).toFixed(1)} %`
  if (unreadable < 1e-10) return '> 99.99999999 %'
  const decimals = Math.min(12, Math.max(1, Math.ceil(-Math.log10(unreadable)) - 1))
  return `${((1 - unreadable) * 100).toFixed(decimals)} %`
}

export function formatMultiple (x: number): string {
  if (!Number.isFinite(x)) return '∞'
  if (x >= 1000) return Math.round(x).toLocaleString('en-US')
  return x >= 100 ? x.toFixed(0) : x.toFixed(1)
}

export function formatHours (hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} min`
  if (hours >= 24 && hours % 24 === 0) return `${hours / 24} d`
  return `${hours} h`
}

export function renderTable (table: DocTable): string {
  const line = (cells: string[]): string => `| ${cells.map(c => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(table.header), line(table.header.map(() => '---')), ...table.rows.map(line)].join('\n')
}

const begin = (id: string): string => `<!-- durability:begin ${id} -->`
const end = (id: string): string => `<!-- durability:end ${id} -->`

/** The ids of the generated blocks in a document, in order. */
export function blockIds (doc: string): string[] {
  return [...doc.matchAll(/<!-- durability:begin ([a-z0-9-]+) -->/g)].map(m => m[1])
}

/**
 * Replaces each generated block's content with its table. Every table must have exactly one block and every
 * block a table, so a renamed table cannot leave a stale copy behind.
 */
export function fillDoc (doc: string, tables: readonly DocTable[]): string {
  const ids = blockIds(doc)
  const known = new Set(tables.map(t => t.id))
  for (const id of ids) {
    if (!known.has(id)) throw new DurabilityDocError(`DURABILITY.md has a block "${id}" that no table fills; remove it or add the table`)
  }
  let out = doc
  for (const table of tables) {
    const from = out.indexOf(begin(table.id))
    const to = out.indexOf(end(table.id))
    if (from < 0 || to < from || out.indexOf(begin(table.id), from + 1) >= 0) {
      throw new DurabilityDocError(`DURABILITY.md needs exactly one "${begin(table.id)}" … "${end(table.id)}" block for the table "${table.title}"`)
    }
    out = `${out.slice(0, from + begin(table.id).length)}\n${renderTable(table)}\n${out.slice(to)}`
  }
  return out
}

/** All tables as one Markdown document, for the terminal. */
export function renderAll (tables: readonly DocTable[]): string {
  return tables.map(t => `### ${t.title}\n\n${renderTable(t)}\n`).join('\n')
}
