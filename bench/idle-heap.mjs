// Summarises a V8 heap snapshot (`node --heapsnapshot-signal=SIGUSR2`, then `kill -USR2 <pid>`): total self size,
// and the constructors / kinds holding the most bytes.
// Usage: node bench/idle-heap.mjs <file.heapsnapshot> [top]
import { readFileSync } from 'node:fs'

const [file, topArg] = process.argv.slice(2)
const top = Number(topArg ?? 30)
const snap = JSON.parse(readFileSync(file, 'utf8'))
const meta = snap.snapshot.meta
const fields = meta.node_fields
const types = meta.node_types[0]
const F = fields.length
const iType = fields.indexOf('type')
const iName = fields.indexOf('name')
const iSize = fields.indexOf('self_size')
const bySize = new Map()
const count = new Map()
let total = 0
for (let i = 0; i < snap.nodes.length; i += F) {
  const type = types[snap.nodes[i + iType]]
  const size = snap.nodes[i + iSize]
  const name = type === 'object' || type === 'closure' || type === 'native' ? `${type}: ${snap.strings[snap.nodes[i + iName]]}` : `(${type})`
  total += size
  bySize.set(name, (bySize.get(name) ?? 0) + size)
  count.set(name, (count.get(name) ?? 0) + 1)
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} MB in ${snap.nodes.length / F} objects`)
for (const [name, size] of [...bySize].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(size / 1e6).toFixed(2).padStart(8)} MB  ${String(count.get(name)).padStart(8)}  ${name.slice(0, 100)}`)
}
