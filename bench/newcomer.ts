// `npm run bench -- newcomer`: what two people meet first on the default `npm start` setup (a relay with its 15
// embedded storage nodes, pages opened with no URL parameters), in real Chromium on loopback inside the namespace
// bench/run.mjs creates. Prints, per stage, when a tab becomes a node (from the page's own startup trace; and again
// after a reload, which starts from the neighbourhood the last run remembered), then for
// a first message to a new contact and for 20 later ones: shown at the recipient, "delivered" at the sender, and
// stored (every shard of the history and inbox copies acknowledged), as p50 / p95, next to the round trip of one
// libp2p ping between the two tabs in the same run. Then the same with a recipient whose tab cannot open WebRTC to
// other tabs (no loopback ICE candidates): a light node, whose messages and receipts go through the relay. Last,
// the baseline from the same run: two tabs' startup with the relay's storage nodes off WebRTC-Direct.
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { chromiumLaunchOptions } from '../e2e/chromium.ts'
import { newNodeContext, startRelayProc, waitReady } from '../e2e/harness.ts'

const PORT = 18720
const MESSAGES = 20
/** How long one message may take before the bench stops waiting for it (the inbox poll is a minute). */
const MESSAGE_DEADLINE_MS = 90_000

interface Timing { shownMs?: number, deliveredMs?: number, storedMs?: number, via?: string, failed?: string }

export async function runNewcomerBench (): Promise<void> {
  const relay = await startRelayProc({ port: PORT, storageNodes: 15 })
  const browser = await chromium.launch(chromiumLaunchOptions)
  try {
    await relay.proc.waitFor(/storage node \d+ ready: /, 15, 180_000)
    console.log('\nNewcomer: relay with 15 embedded storage nodes (as `npm start`: on WebRTC-Direct), two Chromium tabs with default settings')
    await pair(browser, browser, relay.url, 'tabs reach each other over WebRTC')
    // A Chromium that offers no 127.0.0.1 candidates cannot open WebRTC to anything here, as a tab behind a NAT
    // without TURN cannot reach most peers; it still reaches the relay over its WebSocket.
    const isolated = await chromium.launch({ ...chromiumLaunchOptions, args: chromiumLaunchOptions.args.filter(a => a !== '--allow-loopback-in-peer-connection') })
    try {
      await pair(browser, isolated, relay.url, 'the recipient\'s tab cannot open WebRTC (no loopback candidates)')
    } finally {
      await isolated.close()
    }
  } finally {
    await browser.close()
    await relay.proc.stop()
  }
  await signalledStartup()
}

/**
 * The same start with the relay's storage nodes not listening for WebRTC-Direct (`--no-webrtc-direct`, as before
 * it): tabs then signal each WebRTC handshake with them through the relay. Two tabs, startup stages only, as the
 * baseline from the same run for the figures above.
 */
async function signalledStartup (): Promise<void> {
  const relay = await startRelayProc({ port: PORT + 1, storageNodes: 15, extra: ['--no-webrtc-direct'] })
  const browser = await chromium.launch(chromiumLaunchOptions)
  try {
    await relay.proc.waitFor(/storage node \d+ ready: /, 15, 180_000)
    console.log('\nBaseline: the same start with the relay\'s storage nodes not on WebRTC-Direct (--no-webrtc-direct)')
    const contexts = [await newNodeContext(browser), await newNodeContext(browser)]
    const pages = await Promise.all(contexts.map(async context => await openDefaultPage(context, relay.url)))
    for (const [i, page] of pages.entries()) {
      await printStartup(i === 0 ? 'first' : 'second', page)
      const connections = await page.evaluate(() => window.zentalk!.connections())
      console.log(`    ${connections.filter(c => c.remoteAddr.includes('/webrtc-direct/')).length} of its ${connections.length} connections are WebRTC-Direct`)
    }
    await Promise.all(contexts.map(async context => { await context.close() }))
  } finally {
    await browser.close()
    await relay.proc.stop()
  }
}

async function pair (senderBrowser: Browser, recipientBrowser: Browser, url: string, title: string): Promise<void> {
  console.log(`\n${title}`)
  const contexts: BrowserContext[] = [await newNodeContext(senderBrowser), await newNodeContext(recipientBrowser)]
  try {
    const [sender, recipient] = await Promise.all(contexts.map(async context => await openDefaultPage(context, url)))
    for (const [who, page] of [['sender', sender], ['recipient', recipient]] as const) await printStartup(who, page)
    const [from, to] = await Promise.all([sender, recipient].map(async page => await page.evaluate(() => window.zentalk!.address)))
    const recipientPeer = await recipient.evaluate(() => window.zentalk!.peerId)
    await recipient.evaluate(() => {
      const shown = new Map<string, number>()
      ;(window as unknown as { benchShown: Map<string, number> }).benchShown = shown
      window.zentalk!.chatEvents.on('message', message => { if (!shown.has(message.text)) shown.set(message.text, Date.now()) })
    })
    const send = async (text: string): Promise<Timing> => {
      const result = await sender.evaluate(async ({ to, text, deadline }) => {
        const startedAt = Date.now()
        let deliveredAt: number | undefined
        let via: string | undefined
        const off = window.zentalk!.chatEvents.on('message-state', p => {
          if (p.text === text && p.delivered && deliveredAt === undefined) { deliveredAt = Date.now(); via = p.deliveredVia }
        })
        try {
          await Promise.race([window.zentalk!.sendMessage(to, text), new Promise((_r, reject) => setTimeout(() => reject(new Error('not sent in time')), deadline))])
          return { startedAt, storedAt: Date.now(), deliveredAt, via }
        } catch (error) {
          return { startedAt, deliveredAt, via, failed: (error as Error).message }
        } finally {
          off()
        }
      }, { to, text, deadline: MESSAGE_DEADLINE_MS })
      const shownAt = await recipient.waitForFunction(text => (window as unknown as { benchShown: Map<string, number> }).benchShown.get(text),
        text, { timeout: MESSAGE_DEADLINE_MS }).then(async handle => await handle.jsonValue() as number, () => undefined)
      return {
        shownMs: shownAt === undefined ? undefined : shownAt - result.startedAt,
        deliveredMs: result.deliveredAt === undefined ? undefined : result.deliveredAt - result.startedAt,
        storedMs: result.storedAt === undefined ? undefined : result.storedAt - result.startedAt,
        via: result.via,
        failed: result.failed
      }
    }
    const first = await send(`first message ${Date.now()}`)
    console.log(`  first message to a new contact: shown at the recipient ${ms(first.shownMs)}, delivered ${ms(first.deliveredMs)}, ` +
      `stored ${ms(first.storedMs)}, delivered over ${first.via ?? '-'}${first.failed === undefined ? '' : ` (${first.failed})`}`)
    const later: Timing[] = []
    const count = MESSAGES
    for (let i = 0; i < count; i++) later.push(await send(`message ${i} ${Date.now()}`))
    const rtt = await sender.evaluate(async peer => {
      const libp2p = window.zentalk!.libp2p
      const connection = libp2p.getConnections().find(c => c.remotePeer.toString() === peer)
      if (connection === undefined) return undefined
      const times: number[] = []
      for (let i = 0; i < 5; i++) times.push(await libp2p.services.ping.ping(connection.remotePeer))
      return times.sort((a, b) => a - b)[2]
    }, recipientPeer).catch(() => undefined)
    console.log(`  later messages (${count}), p50 / p95 ms from Send: shown at the recipient ${pct(later.map(t => t.shownMs))}, ` +
      `delivered ${pct(later.map(t => t.deliveredMs))} (${paths(later)}), stored ${pct(later.map(t => t.storedMs))}; ` +
      `libp2p ping between the tabs (median of 5): ${rtt === undefined ? 'no connection' : `${rtt} ms`}`)
    // A reload starts from the neighbourhood the last run remembered.
    await recipient.reload()
    await waitReady(recipient)
    await printStartup('recipient reloaded', recipient)
  } finally {
    await Promise.all(contexts.map(async context => { await context.close() }))
  }
}

/** The page's startup trace, once its node has reached its neighbourhood and published its key bundle. */
async function printStartup (who: string, page: Page): Promise<void> {
  await page.evaluate(async () => { await Promise.all([window.zentalk!.joined ?? window.zentalk!.ready, window.zentalk!.chatReady]) })
  const stages = await page.evaluate(() => window.zentalk!.startup())
  const role = await page.evaluate(() => window.zentalk!.status().role)
  console.log(`  ${who} tab (${role} node) startup (ms since the page began loading): ` + stages.map(s => `${s.stage} ${s.atMs}`).join(' → '))
}

async function openDefaultPage (context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', err => { console.error(`[page] ${err.message}`) })
  await page.goto(url)
  await waitReady(page)
  return page
}

/** How many were delivered over each path, e.g. `20 direct`. */
function paths (timings: Timing[]): string {
  const counts = new Map<string, number>()
  for (const t of timings) if (t.via !== undefined) counts.set(t.via, (counts.get(t.via) ?? 0) + 1)
  return counts.size === 0 ? 'none delivered' : [...counts].map(([via, n]) => `${n} ${via}`).join(', ')
}

function ms (value: number | undefined): string {
  return value === undefined ? 'never (within the deadline)' : `${value} ms`
}

/** `p50 / p95` of the values, with how many never happened. */
function pct (values: Array<number | undefined>): string {
  const done = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b)
  const missing = values.length - done.length
  if (done.length === 0) return 'never'
  const at = (q: number): number => done[Math.min(done.length - 1, Math.ceil(q * done.length) - 1)]
  return `${at(0.5)} / ${at(0.95)}${missing > 0 ? ` (${missing} never)` : ''}`
}
