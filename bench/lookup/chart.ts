/**
 * The lookup scenario's chart: bar charts of DHT hops per lookup and of connections per node, with the headline
 * figures, as one standalone SVG (no library, opens in any browser).
 */
import type { LookupReport } from './lookup.ts'

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function bars (title: string, histogram: Record<string, number>, x: number, y: number, width: number, height: number): string {
  const entries = Object.entries(histogram).sort((a, b) => Number(a[0]) - Number(b[0]))
  const max = Math.max(1, ...entries.map(([, v]) => v))
  const slot = width / Math.max(1, entries.length)
  const parts = [`<text x="${x}" y="${y - 8}" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<line x1="${x}" y1="${y + height}" x2="${x + width}" y2="${y + height}" stroke="#333"/>`]
  entries.forEach(([label, value], i) => {
    const h = value / max * (height - 16)
    const bx = x + i * slot + slot * 0.1
    parts.push(`<rect x="${bx.toFixed(1)}" y="${(y + height - h).toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="#3b7dd8"/>`,
      `<text x="${(bx + slot * 0.4).toFixed(1)}" y="${(y + height + 14).toFixed(1)}" font-size="11" text-anchor="middle">${escape(label)}</text>`,
      `<text x="${(bx + slot * 0.4).toFixed(1)}" y="${(y + height - h - 3).toFixed(1)}" font-size="10" text-anchor="middle">${value}</text>`)
  })
  return parts.join('\n')
}

export function lookupChart (r: LookupReport): string {
  const lines = [
    `${r.nodes} nodes (${r.tabNodes} tab-like), seed ${r.seed}: ${r.exactAnswers} of ${r.answers} answers exact, min agreement ${r.minAgreement} of 15`,
    `hops p50 ${r.hopsP50}, p99 ${r.hopsP99} (log2 N ${r.log2Nodes.toFixed(1)}); messages per lookup p50 ${r.messagesPerLookupP50}`,
    `new node exact after ${r.joinExactSeconds.toFixed(1)} s; idle ${r.idleCpuPerNodePct.toFixed(3)} % of a core and ${r.heapPerNodeMb.toFixed(1)} MB heap per node`
  ]
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="760" height="360" font-family="sans-serif">',
    '<rect width="100%" height="100%" fill="white"/>',
    ...lines.map((line, i) => `<text x="20" y="${24 + i * 18}" font-size="13">${escape(line)}</text>`),
    bars('DHT hops per lookup', r.hopsHistogram, 30, 110, 320, 200),
    bars('connections per node', r.connectionsHistogram, 410, 110, 320, 200),
    '</svg>'
  ].join('\n') + '\n'
}
