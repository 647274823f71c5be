/**
 * Test harness: real `node relay` processes, real headless storage nodes, real Chromium pages.
 * Everything listens on 127.0.0.1 inside the test run's own network namespace (see e2e/run.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { closestTo, kadIdOfKey, kadIdOfPeer } from '../src/placement/index.ts'
import type { Browser, BrowserContext, Page } from '@playwright/test'

const NODE = process.execPath

export function tempDir (prefix: string): string {
  return mkdtempSync(join(tmpdir(), `zentalk-${prefix}-`))
}

/** A child process whose output we can wait on. */
export class Proc {
  readonly child: ChildProcess
  output = ''
  /** Prefixed to every line of verbose output (a node's peer ID tail, once known). */
  name: string
  private readonly waiters: Array<() => void> = []
  private partialLine = ''

  constructor (args: string[], name: string, command = NODE) {
    this.name = name
    // Its own process group, so stop() reaches every process it starts (npm → sh → node).
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, DEBUG: process.env.ZENTALK_DEBUG ?? '', NODE_OPTIONS: process.env.ZENTALK_NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? '' } })
    const onData = (d: Buffer): void => {
      this.output += d.toString()
      if (process.env.ZENTALK_E2E_VERBOSE === '1') {
        const lines = (this.partialLine + d.toString()).split('\n')
        this.partialLine = lines.pop() ?? ''
        for (const line of lines) process.stdout.write(`${new Date().toISOString().slice(11, 23)} [${this.name}] ${line}\n`)
      }
      for (const w of this.waiters.splice(0)) w()
    }
    this.child.stdout!.on('data', onData)
    this.child.stderr!.on('data', onData)
    this.child.on('exit', () => { for (const w of this.waiters.splice(0)) w() })
  }

  /** Waits until the output matches `pattern` `count` times; returns the matches. */
  async waitFor (pattern: RegExp, count = 1, timeoutMs = 120_000): Promise<RegExpMatchArray[]> {
    const deadline = Date.now() + timeoutMs
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g')
    for (;;) {
      const matches = [...this.output.matchAll(global)]
      if (matches.length >= count) return matches
      if (this.child.exitCode != null) throw new Error(`process exited (${this.child.exitCode}) before printing ${pattern}:\n${this.output.slice(-3000)}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count}× ${pattern}; output:\n${this.output.slice(-3000)}`)
      await new Promise<void>(resolve => {
        this.waiters.push(resolve)
        setTimeout(resolve, 500)
      })
    }
  }

  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode != null || this.child.signalCode != null) return
    const exited = new Promise<void>(resolve => this.child.once('exit', () => resolve()))
    const kill = (sig: NodeJS.Signals): void => { try { process.kill(-this.child.pid!, sig) } catch {} }
    kill(signal)
    const timer = setTimeout(() => kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}

export interface RelayProc { proc: Proc, url: string, peerId: string, multiaddr: string, port: number, dataDir: string }

export async function startRelayProc (opts: { port: number, dataDir?: string, storageNodes?: number, extra?: string[] }): Promise<RelayProc> {
  const dataDir = opts.dataDir ?? tempDir('relay')
  const proc = new Proc(['relay', '--host', '127.0.0.1', '--port', String(opts.port), '--data', dataDir,
    '--storage-nodes', String(opts.storageNodes ?? 0), '--rtc-bind-address', '127.0.0.1', ...(opts.extra ?? [])], 'relay')
  const [m] = await proc.waitFor(/relay multiaddr: (\S+)/)
  const multiaddr = m[1]
  return { proc, url: `http://127.0.0.1:${opts.port}/`, peerId: multiaddr.split('/p2p/')[1], multiaddr, port: opts.port, dataDir }
}

export interface StorageProc { proc: Proc, peerIds: string[] }

/** A fleet of headless storage nodes spread over several processes, as operators would run them. */
export interface StorageFleet { procs: StorageProc[], peerIds: string[], stop(): Promise<void> }

/**
 * `count` headless storage nodes, `perProcess` (default 5) to a process, `parallel` (default 1) processes starting
 * at a time; `extra` flags go to every process.
 */
export async function startStorageFleet (opts: { bootstrap: string, count: number, perProcess?: number, parallel?: number, extra?: string[] }): Promise<StorageFleet> {
  const per = opts.perProcess ?? 5
  const counts: number[] = []
  for (let left = opts.count; left > 0; left -= per) counts.push(Math.min(per, left))
  const procs: StorageProc[] = []
  const parallel = Math.max(1, opts.parallel ?? 1)
  for (let i = 0; i < counts.length; i += parallel) {
    procs.push(...await Promise.all(counts.slice(i, i + parallel).map(async count =>
      await startStorageProc({ bootstrap: opts.bootstrap, count, extra: opts.extra }))))
  }
  return {
    procs,
    peerIds: procs.flatMap(p => p.peerIds),
    stop: async () => { await Promise.all(procs.map(async p => { await p.proc.stop() })) }
  }
}

export async function startStorageProc (opts: { bootstrap: string, count: number, dataDir?: string, extra?: string[] }): Promise<StorageProc> {
  const proc = new Proc(['relay', 'storage', '--bootstrap', opts.bootstrap, '--count', String(opts.count),
    '--data', opts.dataDir ?? tempDir('storage'), '--port', '0', '--host', '127.0.0.1', '--rtc-bind-address', '127.0.0.1',
    '--stagger-ms', '100', ...(opts.extra ?? [])], 'storage')
  const started = await proc.waitFor(/storage node \d+ started: (\S+)/, opts.count, 180_000)
  if (opts.count === 1) proc.name = `storage …${started[0][1].slice(-6)}`
  await proc.waitFor(/storage node \d+ ready: /, opts.count, 180_000)
  return { proc, peerIds: started.map(m => m[1]) }
}

/** One headless storage node in its own process, so a test can stop or restart nodes one at a time. */
export interface SingleNode { proc: StorageProc, peerId: string, dataDir: string, extra: string[] }

/** `count` single-node processes, `parallel` starting at a time. */
export async function startSingleNodes (opts: { bootstrap: string, count: number, parallel?: number, extra?: string[] }): Promise<SingleNode[]> {
  const nodes: SingleNode[] = []
  const parallel = opts.parallel ?? 4
  for (let started = 0; started < opts.count; started += parallel) {
    const batch = Math.min(parallel, opts.count - started)
    nodes.push(...await Promise.all(Array.from({ length: batch }, async () => {
      const dataDir = tempDir('storage')
      const extra = opts.extra ?? []
      const proc = await startStorageProc({ bootstrap: opts.bootstrap, count: 1, dataDir, extra })
      return { proc, peerId: proc.peerIds[0], dataDir, extra }
    })))
  }
  return nodes
}

/** Starts a stopped single node again on its data directory: same key, same stored shards. */
export async function restartSingleNode (node: SingleNode, bootstrap: string): Promise<SingleNode> {
  const proc = await startStorageProc({ bootstrap, count: 1, dataDir: node.dataDir, extra: node.extra })
  if (proc.peerIds[0] !== node.peerId) throw new Error(`restarted node came back as ${proc.peerIds[0]}, not ${node.peerId}`)
  return { ...node, proc }
}

/** Query string that makes pages fast and deterministic enough for tests. */
export const TEST_QUERY = 'dialTimeoutMs=8000&lookupTimeoutMs=8000&keeperIntervalMs=1000&discoveryIntervalMs=30000&dialerGraceMs=3000'

export async function newNodeContext (browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext()
  // With media permission Chromium offers 127.0.0.1 host candidates (ENVIRONMENT.md).
  await context.grantPermissions(['microphone', 'camera'])
  // ZENTALK_PAGE_DEBUG turns on libp2p's debug namespaces in every tab, as ZENTALK_DEBUG does for processes.
  const debug = process.env.ZENTALK_PAGE_DEBUG
  if (debug != null && debug !== '') await context.addInitScript(namespaces => { localStorage.setItem('debug', namespaces) }, debug)
  return context
}

export async function openNodePage (context: BrowserContext, url: string, query = TEST_QUERY): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', err => { console.error(`[page] ${err.message}`) })
  if (process.env.ZENTALK_E2E_VERBOSE === '1') page.on('console', msg => { console.log(`[page] ${msg.text()}`) })
  await page.goto(`${url}?${query}`)
  await waitReady(page)
  return page
}

export async function waitReady (page: Page, timeoutMs = 120_000): Promise<void> {
  await page.waitForFunction(() => window.zentalk != null || window.zentalkError != null, null, { timeout: timeoutMs })
  const error = await page.evaluate(() => window.zentalkError)
  if (error != null) throw new Error(`page failed to start: ${error.name}: ${error.message}`)
  await page.evaluate(async (ms) => {
    await Promise.race([window.zentalk!.ready, new Promise((_resolve, reject) => setTimeout(() => reject(new Error('node not ready in time')), ms))])
  }, timeoutMs)
}

export async function pagePeerId (page: Page): Promise<string> {
  return await page.evaluate(() => window.zentalk!.peerId)
}

export async function pageClosest (page: Page, key: Uint8Array, count = 15): Promise<string[]> {
  return await page.evaluate(async ({ key, count }) => await window.zentalk!.closestPeers(new Uint8Array(key), count), { key: [...key], count })
}

/** The true `count` closest storage nodes to `key`, computed here from everyone's peer IDs. */
export function trueClosest (key: Uint8Array, peerIds: string[], count = 15): string[] {
  return closestTo(kadIdOfKey(key), peerIds, id => kadIdOfPeer(peerIdFromString(id).toMultihash().bytes), count)
}

export function randomKey (): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32))
}

export async function eventually<T> (what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T
  for (;;) {
    last = await fn()
    if (ok(last)) return last
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last value ${JSON.stringify(last)}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

/** The chats-list entry of the conversation with `address`. */
export const chatItemSelector = (address: string): string => `[data-testid="chat-item"][data-peer="${address}"]`

/** Opens the conversation with `peer` in a tab's chat UI (finishing onboarding and adding `peer` as a contact if needed). */
export async function openConversation (page: Page, peer: string): Promise<void> {
  const onboarding = page.getByTestId('onboarding')
  if (await onboarding.isVisible()) await page.getByTestId('onboarding-start').click()
  await page.getByTestId('nav-chats').click()
  if (await page.locator(chatItemSelector(peer)).count() === 0) {
    await page.getByTestId('contact-address').fill(peer)
    await page.getByTestId('contact-add').click()
  }
  await page.locator(chatItemSelector(peer)).click()
  await page.locator(`[data-testid="conversation"][data-peer="${peer}"]`).waitFor({ state: 'visible' })
}
