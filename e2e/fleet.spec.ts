/**
 * A mesh larger than any budget: a relay, 60 headless storage nodes in 6 processes (WebRTC-Direct listeners) and 3
 * tabs whose connection budget is 16. No tab can hold a connection to every storage node, so a tab's placement is
 * exact only by asking: every tab's `closestPeers` must equal the true 15 closest storage nodes for 20 random keys,
 * no tab may ever hold more than 16 connections, and with the relay stopped a tab still dials a headless node, over
 * WebRTC-Direct.
 *
 * Heavy for two cores (the fleet alone keeps more than one core busy), so it is not part of `npm test`: run it with
 * `npm run test:fleet`.
 */
import { test, expect, type Browser, type Page } from '@playwright/test'
import {
  eventually, newNodeContext, openNodePage, pageClosest, pagePeerId, randomKey, startRelayProc, startStorageFleet, TEST_QUERY,
  trueClosest, type RelayProc, type StorageFleet
} from './harness.ts'

const PORT = 18900
const HEADLESS = 60
const PER_PROCESS = 10
const TABS = 3
const BUDGET = 16
const KEYS = 20

test.describe.configure({ mode: 'serial' })

let relay: RelayProc
let fleet: StorageFleet
let browser: Browser
const tabs: Page[] = []
const tabIds: string[] = []

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(10 * 60_000)
  relay = await startRelayProc({ port: PORT })
  fleet = await startStorageFleet({
    bootstrap: relay.url, count: HEADLESS, perProcess: PER_PROCESS, parallel: HEADLESS / PER_PROCESS, extra: ['--webrtc-direct-port', '0']
  })
  browser = await playwright.chromium.launch()
  for (let i = 0; i < TABS; i++) {
    const page = await newNodeContext(browser).then(async context => await openNodePage(context, relay.url, `${TEST_QUERY}&connectionBudget=${BUDGET}`))
    // Watches the tab's open connections from the moment it is ready, independently of the node's own count.
    await page.evaluate(() => {
      const libp2p = window.zentalk!.libp2p
      const w = window as unknown as { mostOpen: number }
      const count = (): void => { w.mostOpen = Math.max(w.mostOpen ?? 0, libp2p.getConnections().filter(c => c.status === 'open').length) }
      count()
      libp2p.addEventListener('connection:open', count)
    })
    tabs.push(page)
    tabIds.push(await pagePeerId(page))
    // A tab that took itself for one without WebRTC (a light node) holds no shards and ranks no storage node.
    const { role, webrtc } = await page.evaluate(() => ({
      role: window.zentalk!.status().role,
      webrtc: window.zentalk!.startup().find(s => s.stage.startsWith('WebRTC'))
    }))
    console.log(`tab ${i}: ${role} node; ${webrtc?.stage ?? 'no WebRTC probe stage'} at ${webrtc?.atMs ?? '?'} ms`)
    expect(role, `tab ${i}`).toBe('storage')
  }
  lastReady = Date.now()
})

test.afterAll(async () => {
  await browser?.close()
  await fleet?.stop()
  await relay?.proc.stop()
})

/**
 * A tab's first minutes are busy: it publishes its key bundle and presence and walks the DHT once (stores and reads
 * on 15 holders each, each needing a connection within its budget). Its lookups are checked once it has joined and
 * WARM_UP_MS has passed since the last tab was ready. It never goes quiet: its one-minute inbox poll reads three keys
 * (about 45 holders) against a budget of 16, so the lookups run alongside that.
 */
const WARM_UP_MS = 120_000
let lastReady = 0

async function warmedUp (page: Page): Promise<void> {
  await page.evaluate(async () => { await window.zentalk!.joined })
  const left = lastReady + WARM_UP_MS - Date.now()
  if (left > 0) await new Promise(resolve => setTimeout(resolve, left))
}

test(`every tab's closestPeers is exact for ${KEYS} random keys among ${HEADLESS} headless nodes`, async () => {
  test.setTimeout(10 * 60_000)
  for (const page of tabs) await warmedUp(page)
  const everyone = [...fleet.peerIds, ...tabIds]
  const misses: string[] = []
  const times: number[] = []
  for (let k = 0; k < KEYS; k++) {
    const key = randomKey()
    const want = trueClosest(key, everyone)
    for (const [i, page] of tabs.entries()) {
      const started = Date.now()
      const got = await pageClosest(page, key)
      times.push(Date.now() - started)
      if (got.length !== 15 || !got.every(id => want.includes(id))) {
        misses.push(`key ${k}, tab ${i}: ${got.filter(id => want.includes(id)).length} of 15 (${got.length} answered)`)
      }
    }
  }
  times.sort((a, b) => a - b)
  console.log(`${times.length - misses.length} of ${times.length} answers exact; lookup ms p50 ${times[Math.floor(times.length / 2)]}, max ${times[times.length - 1]}`)
  expect(misses).toEqual([])
})

test(`no tab ever held more than its budget of ${BUDGET} connections`, async () => {
  for (const page of tabs) {
    const { summary, mostOpen } = await page.evaluate(() => ({
      summary: window.zentalk!.connectionSummary(),
      mostOpen: (window as unknown as { mostOpen: number }).mostOpen
    }))
    expect(summary.budget).toBe(BUDGET)
    expect(summary.peak).toBeLessThanOrEqual(BUDGET)
    expect(mostOpen).toBeLessThanOrEqual(BUDGET)
    expect(summary.open).toBeGreaterThan(0)
  }
})

test('with the relay stopped, a tab dials a headless node again over WebRTC-Direct', async () => {
  test.setTimeout(3 * 60_000)
  await relay.proc.stop()
  const [tab] = tabs
  const redialled = await tab.evaluate(async (headless) => {
    const libp2p = window.zentalk!.libp2p
    const connection = libp2p.getConnections().find(c => headless.includes(c.remotePeer.toString()) && c.remoteAddr.toString().includes('/webrtc-direct/'))
    if (connection === undefined) throw new Error('no WebRTC-Direct connection to a headless node')
    const peer = connection.remotePeer
    await libp2p.hangUp(peer)
    const again = await libp2p.dial(peer, { signal: AbortSignal.timeout(20_000) })
    return { addr: again.remoteAddr.toString(), peer: peer.toString() }
  }, fleet.peerIds)
  expect(redialled.addr).toContain('/webrtc-direct/')
  expect(redialled.addr).not.toContain('/p2p-circuit')
  // And the tab still answers for a key from the connections it holds, with the relay gone.
  const connected = await eventually('the redialled connection is open', async () =>
    await tab.evaluate((peer) => window.zentalk!.connections().some(c => c.peerId === peer && c.direct), redialled.peer), open => open, 20_000)
  expect(connected).toBe(true)
})
