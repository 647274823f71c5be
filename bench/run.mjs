// `npm run bench`: every benchmark, inside a loopback-only network namespace (e2e/netns.mjs), since the tab
// benchmarks run a relay, headless storage nodes and Chromium. Arguments: names of benchmarks to run
// (erasure, tab, heal, idle, relay-flood, newcomer, attachments, storage, fleet, long-tail); default all. Then
// bench/report.md and bench/charts/*.svg are rebuilt from bench/results/*.json (bench/report.ts).
import { spawnSync } from 'node:child_process'
import { inLoopbackNamespace, reexecInLoopbackNamespace } from '../e2e/netns.mjs'

const args = process.argv.slice(2)
if (!inLoopbackNamespace()) reexecInLoopbackNamespace('bench/run.mjs', args)
const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/index.ts', ...args], { stdio: 'inherit' })
process.exit(r.status ?? 1)
