/**
 * Mesh foundation acceptance: a relay, 20 headless storage nodes and 4 browser contexts form one Kademlia
 * mesh over direct WebRTC; every tab computes the exact 15 closest storage nodes; tabs keep their identity
 * across reloads; the mesh keeps answering without the relay and everyone reconnects when it returns.
 */
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import {
  eventually, newNodeContext, openNodePage, pageClosest, pagePeerId, randomKey, startRelayProc, startStorageFleet,
  TEST_QUERY, trueClosest, type RelayProc, type StorageFleet
} from './harness.ts'

const HEADLESS = 20
const TABS = 4
const PORT = 18080
const BUDGET = 48
const BUDGET_QUERY = `${TEST_QUERY}&connectionBudget=${BUDGET}`

test.describe.configure({ mode: 'serial' })

let relay: RelayProc
let storage: StorageFleet
let browser: Browser
const contexts: BrowserContext[] = []
const tabs: Page[] = []
const tabIds: string[] = []

async function relayStatus (): Promise<{ connectedPeers: string[], reservations: number }> {
  const res = await fetch(`${relay.url}api/status`)
  return await res.json()
}

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(10 * 60_000)
  relay = await startRelayProc({ port: PORT })
  storage = await startStorageFleet({ bootstrap: relay.url, count: HEADLESS, parallel: 2 })
  browser = await playwright.chromium.launch()
  for (let i = 0; i < TABS; i++) {
    const context = await newNodeContext(browser)
    contexts.push(context)
    const started = Date.now()
    // A connection budget that this mesh fills (relayed signalling connections and connections both ways count):
    // the tabs keep it through every test of the suite.
    const page = await openNodePage(context, relay.url, BUDGET_QUERY)
    console.log(`tab ${i} ready ${Date.now() - started} ms after navigation`)
    tabs.push(page)
    tabIds.push(await pagePeerId(page))
  }
})

test.afterAll(async () => {
  await browser?.close()
  await storage?.stop()
  await relay?.proc.stop()
})

function allStorageIds (): string[] {
  return [...storage.peerIds, ...tabIds]
}

test('every node is ready and tabs talk over direct WebRTC to tabs and headless nodes', async () => {
  expect(new Set(allStorageIds()).size).toBe(HEADLESS + TABS)
  const headless = new Set(storage.peerIds)
  for (const [i, page] of tabs.entries()) {
    const others = new Set(tabIds.filter((_, j) => j !== i))
    const conns = await eventually(`tab ${i} direct connections`,
      async () => await page.evaluate(() => window.zentalk!.connections()),
      cs => cs.some(c => c.direct && others.has(c.peerId)) && cs.some(c => c.direct && headless.has(c.peerId)),
      90_000)
    const toTab = conns.find(c => c.direct && others.has(c.peerId))!
    const toHeadless = conns.find(c => c.direct && headless.has(c.peerId))!
    expect(toTab.remoteAddr).toContain('/webrtc')
    expect(toHeadless.remoteAddr).toContain('/webrtc')
    // The routing table holds the mesh, not just the relay.
    await eventually(`tab ${i} routing table holds the mesh`, async () => await page.evaluate(() => window.zentalk!.routingTable()),
      table => table.length > HEADLESS / 2, 60_000)
    // The tab counts the connections it holds and has opened, and never holds more than its budget.
    const summary = await page.evaluate(() => window.zentalk!.connectionSummary())
    expect(summary.budget).toBe(BUDGET)
    expect(summary.open).toBeGreaterThan(HEADLESS / 2)
    expect(summary.peak).toBeGreaterThanOrEqual(summary.open)
    expect(summary.peak).toBeLessThanOrEqual(BUDGET)
    expect(summary.openedInLifetime).toBeGreaterThanOrEqual(summary.peak)
    await expect(page.getByTestId('connection-budget')).toContainText(`at most ${BUDGET} open at once`)
  }
})

test('closestPeers from every tab is exactly the true 15 closest storage nodes, for 20 random keys', async () => {
  const everyone = allStorageIds()
  // Each tab keeps direct connections to every storage node of a mesh this small, which is what lets
  // lookups stay exact while the relay (the only signalling path for new WebRTC connections) is away.
  for (const [i, page] of tabs.entries()) {
    const started = Date.now()
    await eventually(`tab ${i} directly connected to all other storage nodes`, async () => {
      const peers = await directStorageConnections(page)
      const missing = everyone.filter(id => id !== tabIds[i] && !peers.includes(id))
      const detail = await page.evaluate(async (ids) => await Promise.all(ids.map(async id => {
        const l = window.zentalk!.libp2p
        const peer = (await l.peerStore.all()).find(p => p.id.toString() === id)
        return { id, addrs: peer?.addresses.map(a => a.multiaddr.toString()), protocols: peer?.protocols, conns: l.getConnections().filter(c => c.remotePeer.toString() === id).map(c => c.remoteAddr.toString() + (c.limits != null ? ' limited' : '')) }
      })), missing)
      return { missing: detail, tabs: missing.filter(id => tabIds.includes(id)).length, pending: (await page.evaluate(() => window.zentalk!.status().pending)) }
    }, v => v.missing.length === 0, 120_000)
    console.log(`tab ${i} directly connected to all ${everyone.length - 1} other storage nodes (+${Date.now() - started} ms)`)
  }
  for (let k = 0; k < 20; k++) {
    const key = randomKey()
    const want = trueClosest(key, everyone)
    for (const [i, page] of tabs.entries()) {
      const started = Date.now()
      const got = await pageClosest(page, key)
      if (k === 0 || k === 19) console.log(`closestPeers from tab ${i}: ${Date.now() - started} ms (${k === 0 ? 'first' : 'warm'})`)
      expect(got, `key ${k} from tab ${i}`).toEqual(want)
    }
  }
})

test('without the relay, lookups stay exact; when it returns, everyone reconnects within 15 s', async () => {
  const everyone = allStorageIds()
  await relay.proc.stop()
  for (let k = 0; k < 5; k++) {
    const key = randomKey()
    const want = trueClosest(key, everyone)
    for (const [i, page] of tabs.entries()) {
      const got = await pageClosest(page, key)
      const missing = want.filter(id => !got.includes(id))
      if (missing.length > 0) {
        // What the tab knows of the peers it left out: which kind they are and what became of its connections.
        const seen = await page.evaluate((ids) => window.zentalk!.libp2p.getConnections()
          .filter(c => ids.includes(c.remotePeer.toString()))
          .map(c => ({ peer: c.remotePeer.toString(), addr: c.remoteAddr.toString(), status: c.status, limited: c.limits != null })), missing)
        console.log(`relay down, key ${k}, tab ${i} left out ${missing.map(id => `${id}${tabIds.includes(id) ? ' (a tab)' : ''}`).join(', ')}; ` +
          `its connections to them: ${JSON.stringify(seen)}`)
      }
      expect(got, `relay down, key ${k}, tab ${i}`).toEqual(want)
    }
  }
  relay = await startRelayProc({ port: PORT, dataDir: relay.dataDir })
  const back = Date.now()
  const reconnectedAt = new Map<string, number>()
  const status = await eventually('all storage nodes reconnected to the relay', async () => {
    const s = await relayStatus()
    for (const id of s.connectedPeers) if (!reconnectedAt.has(id)) reconnectedAt.set(id, Date.now() - back)
    return s
  }, s => everyone.every(id => s.connectedPeers.includes(id)), 15_000).finally(() => {
    const when = (ids: string[]): string => ids.map(id => reconnectedAt.get(id) ?? 'not yet').join(', ')
    console.log(`reconnected after ms: tabs ${when(tabIds)}; headless ${when(storage.peerIds)}`)
    // What the headless nodes of a process that is not back said of their relay: the dials that failed and why.
    for (const [n, p] of storage.procs.entries()) {
      if (p.peerIds.every(id => reconnectedAt.has(id))) continue
      const lines = p.proc.output.split('\n').filter(l => /lost its relay|back on the relay/.test(l)).slice(-2 * p.peerIds.length)
      console.log(`headless process ${n}, relay lines:\n${lines.join('\n')}`)
    }
  })
  console.log(`all ${everyone.length} storage nodes back on the relay after ${Date.now() - back} ms`)
  expect(status.connectedPeers.length).toBeGreaterThanOrEqual(everyone.length)
  for (const page of tabs) {
    await eventually('tab holds a relay reservation again',
      async () => await page.evaluate(() => window.zentalk!.status().relay), r => r.connected && r.reservation, 15_000)
  }
})

test('through lookups, the relay going away and coming back, no tab ever held more connections than its budget', async () => {
  for (const [i, page] of tabs.entries()) {
    const summary = await page.evaluate(() => window.zentalk!.connectionSummary())
    console.log(`tab ${i}: ${JSON.stringify(summary)}`)
    expect(summary.budget).toBe(BUDGET)
    expect(summary.peak).toBeLessThanOrEqual(BUDGET)
    expect(summary.open).toBeLessThanOrEqual(BUDGET)
  }
})

test('a second tab in the same browser context is another node, and a reload keeps the node', async () => {
  const second = await openNodePage(contexts[0], relay.url)
  const secondId = await pagePeerId(second)
  expect(secondId).not.toBe(tabIds[0])
  expect(allStorageIds()).not.toContain(secondId)
  const slots = await Promise.all([tabs[0], second].map(async p => await p.evaluate(() => window.zentalk!.slot)))
  expect(slots[0]).not.toBe(slots[1])

  await tabs[0].reload()
  await openedReady(tabs[0])
  expect(await pagePeerId(tabs[0])).toBe(tabIds[0])
  await second.reload()
  await openedReady(second)
  expect(await pagePeerId(second)).toBe(secondId)
  await second.close()
})

async function directStorageConnections (page: Page): Promise<string[]> {
  const conns = await page.evaluate(() => window.zentalk!.connections())
  return [...new Set(conns.filter(c => c.direct && c.peerId !== relay.peerId).map(c => c.peerId))]
}

async function openedReady (page: Page): Promise<void> {
  await page.waitForFunction(() => window.zentalk != null, null, { timeout: 60_000 })
  await page.evaluate(async () => { await window.zentalk!.ready })
}
