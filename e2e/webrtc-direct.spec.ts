/**
 * Operator nodes reachable without the relay: three headless storage nodes listen for WebRTC-Direct
 * (`--webrtc-direct-port`), and a tab dials them straight from the browser, with no signalling through the relay.
 * With the relay stopped, the tab still dials such a node anew, and stores and reads an object on the nodes.
 */
import { test, expect, type Browser, type Page } from '@playwright/test'
import { eventually, newNodeContext, openNodePage, startRelayProc, startStorageProc, type RelayProc, type StorageProc } from './harness.ts'

const PORT = 18800
const HEADLESS = 3

test.describe.configure({ mode: 'serial' })

let relay: RelayProc
let storage: StorageProc
let browser: Browser
let tab: Page

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(4 * 60_000)
  relay = await startRelayProc({ port: PORT })
  storage = await startStorageProc({ bootstrap: relay.url, count: HEADLESS, extra: ['--webrtc-direct-port', '0'] })
  browser = await playwright.chromium.launch()
  tab = await openNodePage(await newNodeContext(browser), relay.url)
})

test.afterAll(async () => {
  await browser?.close()
  await storage?.proc.stop()
  await relay?.proc.stop()
})

/** The tab's direct connections to the headless nodes, by peer ID: the address each was dialled on. */
async function directAddresses (): Promise<Map<string, string>> {
  const connections = await tab.evaluate(() => window.zentalk!.connections())
  return new Map(connections.filter(c => c.direct && storage.peerIds.includes(c.peerId)).map(c => [c.peerId, c.remoteAddr]))
}

test('a tab connects to every headless node over WebRTC-Direct, not over relay-signalled WebRTC', async () => {
  const direct = await eventually('the tab connected over WebRTC-Direct to every headless node', async () => {
    const connections = await tab.evaluate(() => window.zentalk!.connections())
    return connections.filter(c => c.direct && c.remoteAddr.includes('/webrtc-direct/'))
  }, found => storage.peerIds.every(id => found.some(c => c.peerId === id)), 60_000)
  for (const connection of direct) expect(connection.remoteAddr).not.toContain('/p2p-circuit')
})

test('with the relay stopped, the tab dials a headless node again over WebRTC-Direct, and stores and reads an object', async () => {
  test.setTimeout(3 * 60_000)
  await relay.proc.stop()
  const [target] = storage.peerIds
  // A fresh dial: the tab drops its connection to the node and dials it by peer ID, from the addresses it knows.
  const redialled = await tab.evaluate(async (peerId) => {
    const libp2p = window.zentalk!.libp2p
    const connection = libp2p.getConnections().find(c => c.remotePeer.toString() === peerId)
    if (connection === undefined) throw new Error(`no connection to ${peerId}`)
    const peer = connection.remotePeer
    await libp2p.hangUp(peer)
    const again = await libp2p.dial(peer, { signal: AbortSignal.timeout(20_000) })
    return again.remoteAddr.toString()
  }, target)
  expect(redialled).toContain('/webrtc-direct/')
  expect(redialled).not.toContain('/p2p-circuit')
  expect((await directAddresses()).size).toBe(HEADLESS)

  const stored = await tab.evaluate(async () => {
    const bytes = new Uint8Array(5000)
    crypto.getRandomValues(bytes)
    const { objectId } = await window.zentalk!.storeObject(bytes)
    const back = await window.zentalk!.fetchObject(objectId)
    return { same: back.length === bytes.length && back.every((b, i) => b === bytes[i]) }
  })
  expect(stored.same).toBe(true)
})
