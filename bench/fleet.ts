/**
 * `npm run bench -- fleet`: a mesh of real processes at the size of the Playwright acceptance of "a mesh of
 * thousands": a relay, 60 headless storage nodes in 6 processes (WebRTC-Direct listeners) and 3 Chromium tabs whose
 * connection budget is 16. Prints how long the fleet took to start, the CPU and established TCP connections of each
 * headless process while the fleet is left alone (the baseline) and while the tabs look up random keys, and how many
 * of the tabs' answers equal the true 15 closest storage nodes, with their lookup times.
 *
 * Environment: ZENTALK_FLEET_NODES (60), ZENTALK_FLEET_PER_PROCESS (10), ZENTALK_FLEET_TABS (3) and
 * ZENTALK_FLEET_KEYS (5: in a loaded fleet one lookup can take tens of seconds); ZENTALK_FLEET_BASELINE_WINDOWS (1)
 * baseline windows of 30 s each, one after another, to see whether the cost of the fleet left alone decays.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chromium, type Page } from '@playwright/test'
import { chromiumLaunchOptions } from '../e2e/chromium.ts'
import {
  newNodeContext, openNodePage, pageClosest, pagePeerId, randomKey, startRelayProc, startStorageFleet, TEST_QUERY, trueClosest,
  type StorageFleet
} from '../e2e/harness.ts'

const NODES = Number(process.env.ZENTALK_FLEET_NODES ?? 60)
const PER_PROCESS = Number(process.env.ZENTALK_FLEET_PER_PROCESS ?? 10)
const TABS = Number(process.env.ZENTALK_FLEET_TABS ?? 3)
const KEYS = Number(process.env.ZENTALK_FLEET_KEYS ?? 5)
/** How many 30-s baseline windows to sample one after another before the tabs open (1): does the cost decay? */
const BASELINE_WINDOWS = Number(process.env.ZENTALK_FLEET_BASELINE_WINDOWS ?? 1)
/** ZENTALK_FLEET_TRACE=1: also what the tabs' connections were (direction, transport, which kind of peer), idle and looking up. */
const TRACE = process.env.ZENTALK_FLEET_TRACE === '1'
/** With the trace: how many idle minutes to trace before the lookups (ZENTALK_FLEET_TRACE_WINDOWS, 1). */
const TRACE_WINDOWS = Number(process.env.ZENTALK_FLEET_TRACE_WINDOWS ?? 1)
const BUDGET = 16
const TICKS = 100 // clock ticks per second (Linux USER_HZ)

/** CPU seconds used so far by `pid` (user + system). */
function cpuSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS
}

/** Established TCP connections held by `pid`. */
function establishedSockets (pid: number): number {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established'], { encoding: 'utf8' })
  return out.split('\n').filter(line => line.includes(`pid=${pid},`)).length
}

/** The node process of each headless process (the harness starts them in their own process groups). */
function nodePids (fleet: StorageFleet): number[] {
  return fleet.procs.map(p => p.proc.child.pid!)
}

async function sample (fleet: StorageFleet, seconds: number): Promise<string> {
  const pids = nodePids(fleet)
  const before = pids.map(cpuSeconds)
  await new Promise(resolve => setTimeout(resolve, seconds * 1000))
  const cpu = pids.map((pid, i) => (100 * (cpuSeconds(pid) - before[i]) / seconds))
  const sockets = pids.map(establishedSockets)
  const perNode = cpu.reduce((a, b) => a + b, 0) / NODES
  return `CPU per process ${cpu.map(c => `${c.toFixed(0)} %`).join(', ')} (${perNode.toFixed(2)} % of a core per node); ` +
    `established TCP connections per process ${sockets.join(', ')}`
}

interface TracedConnection { peer: string, direction: string, addr: string, limited: boolean }

/** Starts recording, in the tab, every connection that opens and every one that closes. */
async function traceConnections (page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { fleetTrace: { opened: TracedConnection[], closed: number } }
    w.fleetTrace = { opened: [], closed: 0 }
    const libp2p = window.zentalk!.libp2p
    libp2p.addEventListener('connection:open', (event) => {
      const c = event.detail
      w.fleetTrace.opened.push({ peer: c.remotePeer.toString(), direction: c.direction, addr: c.remoteAddr.toString(), limited: c.limits != null })
    })
    libp2p.addEventListener('connection:close', () => { w.fleetTrace.closed++ })
    // Who asks for each new connection: the caller's stack (readable when the bundle is built with --minify false).
    const manager = (libp2p as unknown as { components: { connectionManager: { openConnection: (...args: unknown[]) => Promise<unknown> } } }).components.connectionManager
    const open = manager.openConnection.bind(manager)
    const callers = new Map<string, number>()
    ;(window as unknown as { fleetCallers: Map<string, number> }).fleetCallers = callers
    manager.openConnection = async (...args: unknown[]) => {
      // Only calls that need a new connection: the others return the open one.
      const target = args[0] as { toMultihash?: unknown, getPeerId?: () => string | null }
      const peer = typeof target?.toMultihash === 'function' ? String(target) : target?.getPeerId?.() ?? undefined
      if (peer !== undefined && libp2p.getConnections().some(c => c.remotePeer.toString() === peer && c.status === 'open' && c.limits == null)) return await open(...args)
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 60
      const error = new Error()
      Error.stackTraceLimit = limit
      const stack = (error.stack ?? '').split('\n').slice(2).filter(l => !l.includes('Array.map') && !l.includes('.next (')).slice(-14).map(l => l.trim().replace(/^at /, '').replace(/\(?https?:\/\/[^)]*\/([^/)]+)\)?/, '$1')).join(' < ')
      callers.set(stack, (callers.get(stack) ?? 0) + 1)
      return await open(...args)
    }
  })
}

/** The connections recorded since the last call, counted by direction, transport and kind of peer; starts over. */
async function connectionTrace (page: Page, headless: string[], tabs: string[]): Promise<string> {
  const { opened, closed } = await page.evaluate(() => {
    const w = window as unknown as { fleetTrace: { opened: TracedConnection[], closed: number } }
    const trace = w.fleetTrace
    w.fleetTrace = { opened: [], closed: 0 }
    return trace
  })
  const kinds = new Map<string, number>()
  const perPeer = new Map<string, number>()
  for (const c of opened) {
    const transport = c.addr.includes('/webrtc-direct') ? 'webrtc-direct' : c.addr.includes('/webrtc') ? 'webrtc' : c.addr.includes('/p2p-circuit') ? 'circuit' : 'other'
    const who = headless.includes(c.peer) ? 'headless' : tabs.includes(c.peer) ? 'tab' : 'relay/other'
    const kind = `${c.direction} ${transport}${c.limited ? ' (limited)' : ''} to ${who}`
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
    perPeer.set(c.peer, (perPeer.get(c.peer) ?? 0) + 1)
  }
  const callers = await page.evaluate(() => {
    const w = window as unknown as { fleetCallers: Map<string, number> }
    const all = [...w.fleetCallers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)
    w.fleetCallers.clear()
    return all
  })
  for (const [stack, n] of callers) console.log(`      ${n} dials from ${stack}`)
  const most = [...perPeer.values()].sort((a, b) => b - a).slice(0, 5)
  return `${opened.length} opened, ${closed} closed, ${perPeer.size} distinct peers (most per peer ${most.join(', ')}); ` +
    [...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join('; ')
}

export async function runFleetBench (): Promise<void> {
  console.log(`\nFleet: a relay, ${NODES} headless nodes (${PER_PROCESS} per process, WebRTC-Direct), ${TABS} tabs with a budget of ${BUDGET}`)
  const started = Date.now()
  const relay = await startRelayProc({ port: 18_700 })
  const fleet = await startStorageFleet({
    bootstrap: relay.url, count: NODES, perProcess: PER_PROCESS, parallel: Math.ceil(NODES / PER_PROCESS), extra: ['--webrtc-direct-port', '0']
  })
  const browser = await chromium.launch(chromiumLaunchOptions)
  try {
    console.log(`  fleet ready in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    for (let w = 0; w < BASELINE_WINDOWS; w++) {
      console.log(`  fleet alone, ${30 * w} to ${30 * (w + 1)} s after ready (baseline): ${await sample(fleet, 30)}`)
    }
    const tabs: Page[] = []
    const tabIds: string[] = []
    for (let i = 0; i < TABS; i++) {
      const page = await openNodePage(await newNodeContext(browser), relay.url, `${TEST_QUERY}&connectionBudget=${BUDGET}`)
      tabs.push(page)
      tabIds.push(await pagePeerId(page))
    }
    if (TRACE) for (const page of tabs) await traceConnections(page)
    for (let w = 0; TRACE && w < TRACE_WINDOWS; w++) {
      await new Promise(resolve => setTimeout(resolve, 60_000))
      console.log(`  connections the tabs opened ${60 * w} to ${60 * (w + 1)} s after ready, nothing asked of them:`)
      for (const [i, page] of tabs.entries()) console.log(`    tab ${i}: ${await connectionTrace(page, fleet.peerIds, tabIds)}`)
    }
    const everyone = [...fleet.peerIds, ...tabIds]
    const during = sample(fleet, 30)
    let exact = 0
    let minAgreement = 15
    const times: number[] = []
    for (let k = 0; k < KEYS; k++) {
      const key = randomKey()
      const want = trueClosest(key, everyone)
      for (const page of tabs) {
        const t0 = Date.now()
        const got = await pageClosest(page, key)
        times.push(Date.now() - t0)
        const agreement = got.filter(id => want.includes(id)).length
        if (agreement === 15 && got.length === 15) exact++
        minAgreement = Math.min(minAgreement, agreement)
      }
    }
    console.log(`  with tabs looking up: ${await during}`)
    times.sort((a, b) => a - b)
    console.log(`  closestPeers from the tabs: ${exact} of ${times.length} exact, min agreement ${minAgreement} of 15; ` +
      `lookup ms p50 ${times[Math.floor(times.length / 2)]}, max ${times[times.length - 1]}`)
    if (TRACE) {
      console.log('  connections the tabs opened while looking up:')
      for (const [i, page] of tabs.entries()) console.log(`    tab ${i}: ${await connectionTrace(page, fleet.peerIds, tabIds)}`)
    }
    for (const [i, page] of tabs.entries()) {
      console.log(`  tab ${i}: ${JSON.stringify(await page.evaluate(() => window.zentalk!.connectionSummary()))}`)
    }
  } finally {
    await browser.close()
    await fleet.stop()
    await relay.proc.stop()
  }
}
