// Summarises V8 CPU profiles (`node --cpu-prof`, e.g. from `ZENTALK_IDLE_PROF_DIR=dir npm run bench -- idle`):
// the functions with the most self time, and the packages/files with the most self time.
// Usage: node bench/idle-profile.mjs <file.cpuprofile> [top] [last-seconds]
// With last-seconds, only samples from that many seconds before the profile's end count (the idle window, not the
// start-up; the bench's sampling window ends a few seconds before the processes stop).
import { readFileSync } from 'node:fs'

const [file, topArg, lastArg] = process.argv.slice(2)
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map(n => [n.id, n]))
const dt = new Map()
const from = lastArg == null ? -Infinity : profile.endTime - Number(lastArg) * 1e6
let t = profile.startTime
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]
  t += profile.timeDeltas[i] ?? 0
  if (t < from || byId.get(id).callFrame.functionName === '(idle)') continue
  dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const total = [...dt.values()].reduce((a, b) => a + b, 0)
const fnSelf = new Map()
const fileSelf = new Map()
for (const [id, us] of dt) {
  const { callFrame: f } = byId.get(id)
  const where = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|relay|bench)\//, '$1/')
  const key = `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + us)
  const pkg = where === '' ? f.functionName : where.startsWith('@') ? where.split('/').slice(0, 2).join('/') : where.split('/')[0].includes('.') ? where : where.split('/').slice(0, 2).join('/')
  fileSelf.set(pkg, (fileSelf.get(pkg) ?? 0) + us)
}
const pct = us => `${(100 * us / total).toFixed(1).padStart(5)} %`
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`)
console.log('-- self time by function')
for (const [k, us] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`)
console.log('-- self time by package / folder')
for (const [k, us] of [...fileSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`)
// Inclusive time of the project's own functions (src/, relay/): which of our loops the time above runs under.
const inclusive = new Map()
const subtree = id => {
  const n = byId.get(id)
  let us = dt.get(id) ?? 0
  for (const c of n.children ?? []) us += subtree(c)
  n.total = us
  return us
}
subtree(profile.nodes[0].id)
for (const n of profile.nodes) {
  const f = n.callFrame
  if (!/\/(src|relay)\/[^/]/.test(f.url) || f.url.includes('node_modules')) continue
  const key = `${f.functionName || '(anonymous)'}  ${f.url.replace(/^.*?\/(src|relay)\//, '$1/')}:${f.lineNumber + 1}`
  inclusive.set(key, (inclusive.get(key) ?? 0) + n.total)
}
console.log('-- inclusive time of project functions (recursion counted once per frame)')
for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`)
// Entry points: for each sample, the outermost frame outside Node's internals (the callback the event loop ran: a
// timer, a socket read, a promise job), which says what woke the process up.
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const entry = new Map()
for (const [id, us] of dt) {
  let outer
  for (let cur = id; cur != null; cur = parent.get(cur)) {
    const f = byId.get(cur).callFrame
    if (f.url !== '' && !f.url.startsWith('node:')) outer = f
  }
  const key = outer == null ? `${byId.get(id).callFrame.functionName || '(anonymous)'} (no JS caller)` : `${outer.functionName || '(anonymous)'}  ${outer.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|relay|bench)\//, '$1/')}:${outer.lineNumber + 1}`
  entry.set(key, (entry.get(key) ?? 0) + us)
}
console.log('-- by entry point (outermost non-internal frame)')
for (const [k, us] of [...entry].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`)
