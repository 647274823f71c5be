/**
 * `npm run bench -- idle`: what an idle mesh costs. Starts the relay with its embedded storage nodes (`node relay`,
 * as `npm start` does) and N headless storage nodes (`node relay storage`, one process each), waits until every
 * node is ready and the mesh has settled, then samples each process's CPU time (/proc/<pid>/stat utime + stime)
 * and RSS over a window. Printed next to two baselines measured in the same run: an idle `node -e` process and a
 * bare libp2p node (WebSockets, noise, yamux, no services) connected to the relay.
 *
 * Environment (all optional): ZENTALK_IDLE_NODES (headless processes, default 3), ZENTALK_IDLE_SETTLE_S (seconds
 * after the last node is ready, default 60), ZENTALK_IDLE_WINDOW_S (sampling window, default 60),
 * ZENTALK_IDLE_EMBEDDED (the relay's storage nodes, default 15), ZENTALK_IDLE_PROF_DIR (write a V8 CPU profile of
 * every process there, `node --cpu-prof`, covering the whole run), ZENTALK_IDLE_ARGS (extra flags for every node,
 * e.g. `--health-interval-ms 2000`), ZENTALK_IDLE_HEAP_DIR (after the window, write a heap snapshot of the first
 * headless node and the relay there; summarise with bench/idle-heap.mjs). Loopback only (run through bench/run.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { freeLoopbackPort } from '../relay/free-port.ts'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const CLOCK_TICKS = 100 // USER_HZ on Linux x86-64
const PAGE_BYTES = 4096

interface Proc { name: string, child: ChildProcess, output: string[] }

function envInt (name: string, fallback: number): number {
  const v = process.env[name]
  return v == null || v === '' ? fallback : Number.parseInt(v, 10)
}


const heapDir = process.env.ZENTALK_IDLE_HEAP_DIR

function start (name: string, args: string[], profDir: string | undefined): Proc {
  const prof = profDir == null ? [] : ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `${name}.cpuprofile`]
  if (heapDir != null) prof.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapDir}`)
  const child = spawn(process.execPath, [...prof, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  const keep = (chunk: Buffer): void => {
    output.push(...chunk.toString().split('\n').filter(l => l !== ''))
    if (output.length > 400) output.splice(0, output.length - 400)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  return { name, child, output }
}

async function waitForLines (proc: Proc, pattern: RegExp, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (proc.output.filter(l => pattern.test(l)).length < count) {
    if (proc.child.exitCode != null) throw new Error(`${proc.name} exited (${proc.child.exitCode}):\n${proc.output.slice(-20).join('\n')}`)
    if (Date.now() > deadline) throw new Error(`${proc.name}: ${count} × ${pattern} not seen in ${timeoutMs} ms:\n${proc.output.slice(-20).join('\n')}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

/** The process and every descendant (the launcher may hand over to another Node). */
function tree (pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const ppid = Number(statFields(Number(entry))[1])
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)])
    } catch {}
  }
  const out = [pid]
  for (let i = 0; i < out.length; i++) out.push(...(parents.get(out[i]) ?? []))
  return out
}

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, …]; utime is index 11, stime 12, rss 21. */
function statFields (pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return text.slice(text.lastIndexOf(')') + 2).split(' ')
}

function sample (pid: number): { cpuTicks: number, rssBytes: number } {
  let cpuTicks = 0
  let rssBytes = 0
  for (const p of tree(pid)) {
    try {
      const f = statFields(p)
      cpuTicks += Number(f[11]) + Number(f[12])
      rssBytes += Number(f[21]) * PAGE_BYTES
    } catch {}
  }
  return { cpuTicks, rssBytes }
}

interface Row { name: string, cpuPct: number, rssMb: number, rssMaxMb: number }

async function measure (procs: Proc[], windowS: number): Promise<Row[]> {
  const first = procs.map(p => sample(p.child.pid!))
  const rss = procs.map(() => [] as number[])
  const t0 = process.hrtime.bigint()
  const steps = Math.max(1, Math.round(windowS / 5))
  for (let s = 0; s < steps; s++) {
    await new Promise(resolve => setTimeout(resolve, (windowS * 1000) / steps))
    procs.forEach((p, i) => rss[i].push(sample(p.child.pid!).rssBytes))
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  return procs.map((p, i) => {
    const last = sample(p.child.pid!)
    const cpuSeconds = (last.cpuTicks - first[i].cpuTicks) / CLOCK_TICKS
    return {
      name: p.name,
      cpuPct: 100 * cpuSeconds / seconds,
      rssMb: rss[i].reduce((a, b) => a + b, 0) / rss[i].length / 1e6,
      rssMaxMb: Math.max(...rss[i]) / 1e6
    }
  })
}

async function stop (procs: Proc[]): Promise<void> {
  await Promise.all(procs.map(async p => {
    if (p.child.exitCode != null) return
    const exited = new Promise(resolve => p.child.once('exit', resolve))
    p.child.kill('SIGINT')
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 60_000)
    await exited
    clearTimeout(timer)
  }))
}

export async function runIdleBench (): Promise<void> {
  const headless = envInt('ZENTALK_IDLE_NODES', 3)
  const embedded = envInt('ZENTALK_IDLE_EMBEDDED', 15)
  const settleS = envInt('ZENTALK_IDLE_SETTLE_S', 60)
  const windowS = envInt('ZENTALK_IDLE_WINDOW_S', 60)
  const profDir = process.env.ZENTALK_IDLE_PROF_DIR
  const extra = (process.env.ZENTALK_IDLE_ARGS ?? '').split(' ').filter(a => a !== '')
  console.log(`\nIdle cost: relay with ${embedded} embedded storage nodes + ${headless} headless storage node processes; ` +
    `settle ${settleS} s after the last node is ready, then CPU and RSS over ${windowS} s (% of one core)`)
  const dir = mkdtempSync(join(tmpdir(), 'zentalk-idle-'))
  const procs: Proc[] = []
  try {
    const port = await freeLoopbackPort()
    const relay = start('relay', ['relay/index.js', '--host', '127.0.0.1', '--port', String(port), '--no-web', '--data', join(dir, 'relay'),
      '--storage-nodes', String(embedded), '--rtc-bind-address', '127.0.0.1', ...extra], profDir)
    procs.push(relay)
    await waitForLines(relay, /^ZenTalk Mesh relay /, 1, 60_000)
    for (let i = 0; i < headless; i++) {
      procs.push(start(`headless-${i}`, ['relay/index.js', 'storage', '--bootstrap', `http://127.0.0.1:${port}`, '--data', join(dir, `storage-${i}`),
        '--rtc-bind-address', '127.0.0.1', ...extra], profDir))
    }
    // Baselines: what Node itself costs idle, and a libp2p node with transports only, holding one connection.
    procs.push(start('baseline: idle node -e', ['-e', 'setInterval(() => {}, 60_000)'], profDir))
    const bare = start('baseline: bare libp2p', ['--import', 'tsx', 'bench/idle-bare.ts', `http://127.0.0.1:${port}`], profDir)
    procs.push(bare)
    const started = Date.now()
    await waitForLines(relay, /^storage node \d+ ready/, embedded, 600_000)
    for (const p of procs.filter(p => p.name.startsWith('headless'))) await waitForLines(p, /^storage node 0 ready/, 1, 600_000)
    await waitForLines(bare, /^connected/, 1, 60_000)
    console.log(`all ${embedded + headless} storage nodes ready after ${((Date.now() - started) / 1000).toFixed(1)} s; settling ${settleS} s`)
    await new Promise(resolve => setTimeout(resolve, settleS * 1000))
    const rows = await measure(procs, windowS)
    console.log('process                          CPU % of a core   RSS MB (mean / max)')
    for (const r of rows) {
      console.log(`${r.name.padEnd(32)} ${r.cpuPct.toFixed(2).padStart(8)}          ${r.rssMb.toFixed(0).padStart(5)} / ${r.rssMaxMb.toFixed(0)}`)
    }
    if (heapDir != null) {
      for (const p of procs.filter(p => p.name === 'relay' || p.name === 'headless-0')) p.child.kill('SIGUSR2')
      await new Promise(resolve => setTimeout(resolve, 30_000))
      console.log(`heap snapshots in ${heapDir}`)
    }
    const nodes = rows.filter(r => r.name.startsWith('headless'))
    if (nodes.length > 0) {
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
      console.log(`headless node mean: ${mean(nodes.map(r => r.cpuPct)).toFixed(2)} % of a core, ${mean(nodes.map(r => r.rssMb)).toFixed(0)} MB ` +
        '(targets: ≤ 0.5 %, ≤ 60 MB; relay + 15 embedded: ≤ 2 %)')
    }
  } finally {
    await stop(procs)
    rmSync(dir, { recursive: true, force: true })
    if (profDir != null) console.log(`CPU profiles in ${profDir}`)
  }
}
