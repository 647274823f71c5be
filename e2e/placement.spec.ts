/**
 * Durability settings with real processes: a relay, 20 headless storage nodes (two processes) and 3 tabs, every node
 * with the same placement settings: the history written as 10 + 8 shards (`namespaceStripes`), placed by class
 * (`operatorHolders=10+8=15`: 15 operator nodes and 3 tabs). Each node's class is read from its peer ID: headless
 * nodes generate operator-class keys, tabs tab-class keys. A tab's history objects sit on exactly the holders every
 * node computes (the 15 closest operator nodes and the 3 closest tabs), and another tab reads them back.
 */
import { test, expect, type Browser, type Page } from '@playwright/test'
import { NS_HISTORY } from '../src/crypto/index.ts'
import { nodeClassOf, placementKeyFor, placementOrder } from '../src/placement/index.ts'
import {
  TEST_QUERY, eventually, newNodeContext, openNodePage, pagePeerId, startRelayProc, startStorageFleet, type RelayProc, type StorageFleet
} from './harness.ts'

const PORT = 18950
const HEADLESS = 20
const TABS = 3
const STRIPE = { k: 10, m: 8 }
const OPERATOR_HOLDERS = 15
const FLAGS = ['--stripes', '10+5,10+8', '--namespace-stripes', `${NS_HISTORY}=10+8`, '--operator-holders', `10+8=${OPERATOR_HOLDERS}`]
const QUERY = `${TEST_QUERY}&stripes=${encodeURIComponent('10+5,10+8')}&namespaceStripes=${encodeURIComponent(`${NS_HISTORY}=10+8`)}` +
  `&operatorHolders=${encodeURIComponent(`10+8=${OPERATOR_HOLDERS}`)}`
const OBJECTS = 6

test.describe.configure({ mode: 'serial' })

let relay: RelayProc
let fleet: StorageFleet
let browser: Browser
const tabs: Array<{ page: Page, peerId: string, address: string }> = []
let stored: Array<{ objectId: string, holders: string[], size: number, hash: string }> = []

const everyone = (): string[] => [...fleet.peerIds, ...tabs.map(tab => tab.peerId)]

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(8 * 60_000)
  relay = await startRelayProc({ port: PORT })
  const started = Date.now()
  fleet = await startStorageFleet({ bootstrap: relay.url, count: HEADLESS, perProcess: HEADLESS / 2, parallel: 2, extra: FLAGS })
  console.log(`${HEADLESS} headless nodes ready in ${Date.now() - started} ms`)
  browser = await playwright.chromium.launch()
  for (let i = 0; i < TABS; i++) {
    const page = await openNodePage(await newNodeContext(browser), relay.url, QUERY)
    tabs.push({ page, peerId: await pagePeerId(page), address: await page.evaluate(() => window.zentalk!.address) })
  }
  // Placement is checked against every node's view once the writing tab has met every storage node directly.
  const writer = tabs[0]
  await eventually('the writing tab is connected to every storage node', async () =>
    await writer.page.evaluate(() => window.zentalk!.connections().filter(c => c.direct).map(c => c.peerId)),
  direct => everyone().every(id => id === writer.peerId || direct.includes(id)), 240_000)
  console.log(`writing tab connected to every storage node ${Date.now() - started} ms after the headless nodes started`)
})

test.afterAll(async () => {
  await browser?.close()
  await fleet?.stop()
  await relay?.proc.stop()
})

test('every node\'s key carries its class: headless nodes operator, tabs tab', () => {
  expect(fleet.peerIds.map(nodeClassOf)).toEqual(fleet.peerIds.map(() => 'operator'))
  expect(tabs.map(tab => nodeClassOf(tab.peerId))).toEqual(tabs.map(() => 'tab'))
})

test('a tab writes its history as 10 + 8 shards on the 15 closest operator nodes and the 3 tabs', async () => {
  const writer = tabs[0]
  stored = await writer.page.evaluate(async (count) => {
    const hex = (buffer: ArrayBuffer): string => [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('')
    const out: Array<{ objectId: string, holders: string[], size: number, hash: string, ms: number, failures: string }> = []
    for (let i = 0; i < count; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(500 + i * 3_000))
      const t0 = performance.now()
      const { objectId, holders, failures } = await window.zentalk!.storeObject(bytes)
      out.push({ objectId, holders, size: bytes.length, hash: hex(await crypto.subtle.digest('SHA-256', bytes)), ms: Math.round(performance.now() - t0), failures: JSON.stringify(failures) })
    }
    return out
  }, OBJECTS)
  console.log(`stores: ${stored.map(object => (object as { ms?: number }).ms).join(', ')} ms`)
  for (const object of stored as Array<{ failures?: string }>) if (object.failures !== '[]') console.log(`failures: ${object.failures}`)
  const expected = placementOrder(placementKeyFor(NS_HISTORY, writer.address), everyone(), STRIPE.k + STRIPE.m, OPERATOR_HOLDERS)
    .slice(0, STRIPE.k + STRIPE.m)
  for (const object of stored) expect(object.holders, object.objectId).toEqual(expected)
  expect(expected.filter(peer => nodeClassOf(peer) === 'tab').sort()).toEqual(tabs.map(tab => tab.peerId).sort())
})

test('another tab reads them back byte-identical', async () => {
  const reader = tabs[1]
  const fetched = await reader.page.evaluate(async (owner) => {
    const hex = (buffer: ArrayBuffer): string => [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('')
    const result = await window.zentalk!.fetchObjects(owner)
    return {
      objects: await Promise.all(result.objects.map(async ({ objectId, bytes }) =>
        ({ objectId, size: bytes.length, hash: hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)) }))),
      failed: result.failed
    }
  }, tabs[0].address)
  expect(fetched.failed).toEqual([])
  expect(new Map(fetched.objects.map(object => [object.objectId, object])))
    .toEqual(new Map(stored.map(({ objectId, size, hash }) => [objectId, { objectId, size, hash }])))
})
