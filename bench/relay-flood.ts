/**
 * Relay lockout benchmark (issue 15 item 5): one address runs a flood of fresh identities against a relay while a
 * user from another address keeps trying to reserve. Runs the relay of the commit before the relay hardening
 * ("before", extracted with `git archive` into a temporary directory) and this tree's relay ("after") in the same
 * run, each in this process, on loopback; the attacker (127.0.0.2) and the user (127.0.0.3) are child processes
 * bound to their own source addresses.
 *
 * Two attacks:
 * - churn: connect, reserve, disconnect, with a fresh key each time (reservations used to outlive connections);
 * - hold: connect, reserve and stay connected (what is left once reservations end with their connection).
 *
 * Figures: reservation slots the attacker holds (peak and at the end), slots filled per second, the attacker's
 * accepted/refused reservations, and the user's reservation attempts during the flood.
 *
 * Run: `npm run bench -- relay-flood` (or `node --import tsx bench/relay-flood.ts [identities] [concurrency]` for
 * one run outside the benchmark runner; the runner supplies the loopback-only namespace).
 */
import { spawn, execFileSync } from 'node:child_process'
import { mkdtemp, rm, symlink, realpath } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { freeLoopbackPort } from '../relay/free-port.ts'
import { bindWebSocketsTo, connectClient, STATUS_OK } from './relay-flood-client.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const here = fileURLToPath(import.meta.url)
const ATTACKER = '127.0.0.2'
const USER = '127.0.0.3'

type Attack = 'churn' | 'hold'

interface RelayHandle { multiaddr: string, reservations: () => number, stop: () => Promise<void> }

interface RunResult {
  variant: string
  attack: Attack
  seconds: number
  attackerOk: number
  attackerRefused: number
  attackerFailed: number
  peakHeld: number
  heldAtEnd: number
  /** Slots the attacker filled per second, from the start until the peak. */
  fillRate: number
  userOk: number
  userTried: number
}

// ---- child processes --------------------------------------------------------------------------------------------

/** `--attacker <relayAddr> <count> <concurrency> <attack>`: JSON lines `{ ok, refused, failed }` as it goes. */
async function attackerMain (relayAddr: string, count: number, concurrency: number, attack: Attack): Promise<void> {
  bindWebSocketsTo(ATTACKER)
  let next = 0
  const tally = { ok: 0, refused: 0, failed: 0 }
  const held: Array<{ stop: () => Promise<void> }> = []
  const report = (): void => { process.stdout.write(JSON.stringify(tally) + '\n') }
  const timer = setInterval(report, 250)
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++
      try {
        const c = await connectClient(relayAddr, 5000)
        try {
          const status = await c.reserve()
          if (status === STATUS_OK) tally.ok++
          else tally.refused++
        } catch {
          tally.failed++
        }
        if (attack === 'hold') held.push(c)
        else await c.stop()
      } catch {
        // The relay refused the connection (or it timed out).
        tally.failed++
      }
    }
  }))
  clearInterval(timer)
  report()
  process.stdout.write('"done"\n')
  // Hold until told to leave (stdin closes).
  await new Promise<void>(resolve => { process.stdin.on('end', resolve); process.stdin.on('close', resolve); process.stdin.resume() })
  await Promise.all(held.map(async c => { await c.stop().catch(() => {}) }))
  process.exit(0)
}

/** `--user <relayAddr>`: every 500 ms a fresh user connects, reserves and leaves; a JSON line `{ ok }` each time. */
async function userMain (relayAddr: string): Promise<void> {
  bindWebSocketsTo(USER)
  let stop = false
  process.stdin.on('end', () => { stop = true })
  process.stdin.on('close', () => { stop = true })
  process.stdin.resume()
  while (!stop) {
    let ok = false
    try {
      const c = await connectClient(relayAddr, 5000)
      ok = (await c.reserve().catch(() => 0)) === STATUS_OK
      await c.stop()
    } catch {}
    process.stdout.write(JSON.stringify({ ok }) + '\n')
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  process.exit(0)
}

// ---- the benchmark ---------------------------------------------------------------------------------------------

function child (args: string[]): { lines: AsyncIterable<string>, end: () => void, exited: Promise<void> } {
  const p = spawn(process.execPath, ['--import', 'tsx', here, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => p.on('exit', () => resolve()))
  return { lines: createInterface({ input: p.stdout }), end: () => { p.stdin.end() }, exited }
}


interface StartRelay { startRelay: (o: Record<string, unknown>) => Promise<{ libp2p: { services: Record<string, unknown> }, multiaddrs: string[], stop: () => Promise<void> }> }

async function startVariant (tree: string, extra: Record<string, unknown>, dataDir: string): Promise<RelayHandle> {
  const { startRelay } = await import(pathToFileURL(join(tree, 'relay', 'relay-node.ts')).href) as StartRelay
  const port = await freeLoopbackPort()
  const relay = await startRelay({
    host: '127.0.0.1',
    port,
    dataDir,
    webRoot: undefined,
    announceHosts: ['127.0.0.1'],
    maxReservations: 1024,
    maxConnections: 4096,
    iceServers: [],
    ...extra
  })
  return {
    multiaddr: relay.multiaddrs[0]!,
    reservations: () => (relay.libp2p.services.relay as { reservations: { size: number } }).reservations.size,
    stop: relay.stop
  }
}

async function runOnce (variant: string, relay: RelayHandle, attack: Attack, identities: number, concurrency: number): Promise<RunResult> {
  const started = Date.now()
  const user = child(['--user', relay.multiaddr])
  const userTally = { ok: 0, tried: 0 }
  let flooding = true
  const userDone = (async () => {
    for await (const line of user.lines) {
      if (!flooding) continue
      userTally.tried++
      if ((JSON.parse(line) as { ok: boolean }).ok) userTally.ok++
    }
  })()
  const attacker = child(['--attacker', relay.multiaddr, String(identities), String(concurrency), attack])
  let peak = 0
  let peakAt = started
  const sampler = setInterval(() => {
    const n = relay.reservations()
    if (n > peak) { peak = n; peakAt = Date.now() }
  }, 100)
  let tally = { ok: 0, refused: 0, failed: 0 }
  for await (const line of attacker.lines) {
    const msg = JSON.parse(line) as typeof tally | 'done'
    if (msg === 'done') break
    tally = msg
  }
  const seconds = (Date.now() - started) / 1000
  // Let the relay notice the last disconnects (and the user try a few more times), then read what the attacker holds.
  await new Promise(resolve => setTimeout(resolve, 3000))
  clearInterval(sampler)
  const heldAtEnd = relay.reservations()
  peak = Math.max(peak, heldAtEnd)
  flooding = false
  user.end()
  attacker.end()
  await Promise.all([user.exited, attacker.exited, userDone])
  return {
    variant,
    attack,
    seconds,
    attackerOk: tally.ok,
    attackerRefused: tally.refused,
    attackerFailed: tally.failed,
    peakHeld: peak,
    heldAtEnd,
    fillRate: peak / Math.max(0.001, (peakAt - started) / 1000),
    userOk: userTally.ok,
    userTried: userTally.tried
  }
}

/** The relay and src/ of the commit before the hardening, with this tree's node_modules. */
async function baseTree (): Promise<{ dir: string, commit: string }> {
  const added = execFileSync('git', ['log', '--diff-filter=A', '--format=%H', '--', 'relay/limits.ts'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()
  if (added == null || added === '') throw new Error('cannot find the commit that added relay/limits.ts (is this a git checkout?)')
  const commit = execFileSync('git', ['rev-parse', `${added}^`], { cwd: root, encoding: 'utf8' }).trim()
  const dir = await mkdtemp(join(tmpdir(), 'relay-flood-base-'))
  execFileSync('sh', ['-c', `git archive ${commit} relay src package.json | tar -x -C "${dir}"`], { cwd: root })
  await symlink(await realpath(join(root, 'node_modules')), join(dir, 'node_modules'))
  return { dir, commit }
}

export async function runRelayFloodBench (identities = 1100, concurrency = 16): Promise<void> {
  console.log(`\nRelay flood: ${identities} fresh identities from ${ATTACKER} (${concurrency} at a time) against a relay with 1024 reservation slots;`)
  console.log(`a user at ${USER} connects and reserves every 500 ms during the flood. Before = the relay of the commit before the`)
  console.log('hardening, after = this tree (per address: 16 connections, 8 reservations; loopback exemption off so 127.0.0.2 counts as remote).')
  const base = await baseTree()
  console.log(`before: ${base.commit.slice(0, 12)} (git archive), same run`)
  const results: RunResult[] = []
  try {
    for (const attack of ['churn', 'hold'] as const) {
      for (const variant of ['before', 'after'] as const) {
        const data = await mkdtemp(join(tmpdir(), 'relay-flood-data-'))
        const relay = variant === 'before'
          ? await startVariant(base.dir, {}, data)
          : await startVariant(root, { exemptLoopback: false, warn: () => {} }, data)
        try {
          results.push(await runOnce(variant, relay, attack, identities, concurrency))
        } finally {
          await relay.stop()
          await rm(data, { recursive: true, force: true })
        }
      }
    }
  } finally {
    await rm(base.dir, { recursive: true, force: true })
  }
  console.log('')
  console.log('(slots held include the user\'s own reservations; before, those outlive their connections too)')
  console.log('attack  relay   seconds  attacker ok/refused/failed  slots held peak/end  slots filled/s  user reserved during flood')
  for (const r of results) {
    console.log(`${r.attack.padEnd(7)} ${r.variant.padEnd(7)} ${r.seconds.toFixed(1).padStart(7)}  ${`${r.attackerOk}/${r.attackerRefused}/${r.attackerFailed}`.padStart(26)}  ${`${r.peakHeld}/${r.heldAtEnd}`.padStart(19)}  ${r.fillRate.toFixed(1).padStart(14)}  ${`${r.userOk}/${r.userTried}`.padStart(7)}`)
  }
}

if (process.argv[1] === here) {
  const [mode, ...rest] = process.argv.slice(2)
  if (mode === '--attacker') await attackerMain(rest[0]!, Number(rest[1]), Number(rest[2]), rest[3] as Attack)
  else if (mode === '--user') await userMain(rest[0]!)
  else await runRelayFloodBench(mode != null ? Number(mode) : undefined, rest[0] != null ? Number(rest[0]) : undefined)
}
