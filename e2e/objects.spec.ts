/**
 * Object storage acceptance: 17 headless storage nodes (one process each, so each can be stopped alone) and 3
 * tabs. A tab stores 50 objects of 0 B to 256 KiB on the 15 closest nodes; any 5 holders can vanish, a tab among
 * them, and another tab still rebuilds every object byte for byte; a 6th loss gives NotEnoughShardsError for
 * that owner's objects while another owner's objects still fetch. Tabs keep their shards across a reload
 * (IndexedDB) and headless nodes across a restart (SQLite).
 */
import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { NS_HISTORY } from '../src/crypto/index.ts'
import { placementKeyFor } from '../src/placement/index.ts'
import {
  TEST_QUERY, eventually, newNodeContext, openNodePage, pageClosest, pagePeerId, restartSingleNode, startRelayProc, startSingleNodes, trueClosest, waitReady,
  type RelayProc, type SingleNode
} from './harness.ts'

const HEADLESS = 17
const TABS = 3
const PORT = 18400
const MAX_OBJECT_BYTES = 256 * 1024
// This suite shows what erasure coding alone survives (and where it stops), so no node repairs during it: the
// health checks that start repairs run once an hour here. e2e/heal.spec.ts covers repair.
const NO_REPAIR_FLAGS = ['--health-interval-ms', '3600000']
const NO_REPAIR_QUERY = `${TEST_QUERY}&healthIntervalMs=3600000`

test.describe.configure({ mode: 'serial' })

let relay: RelayProc
let headless: SingleNode[] = []
let browser: Browser
interface Tab { name: string, context: BrowserContext, page: Page, peerId: string, address: string, stopped: boolean }
const tabs: Tab[] = []

interface Expected { objectId: string, size: number, hash: string }
interface Fetched {
  objects: Expected[]
  failed: Array<{ objectId: string, error: { name: string, message: string } }>
  stats?: unknown
}

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(12 * 60_000)
  relay = await startRelayProc({ port: PORT })
  const started = Date.now()
  headless = await startSingleNodes({ bootstrap: relay.url, count: HEADLESS, extra: NO_REPAIR_FLAGS })
  console.log(`${HEADLESS} headless nodes ready in ${Date.now() - started} ms`)
  browser = await playwright.chromium.launch()
  for (let i = 0; i < TABS; i++) tabs.push(await openTab(`tab ${i}`))
  // The scenario depends on random identities: about one draw in forty has none that fits (two owners' 15
  // closest among 20 nodes are often the same set). Before the mesh settles, a tab whose identity leaves no
  // scenario is replaced by a fresh one (a new browser context is a new identity and peer id).
  const replacedIds: string[] = []
  for (let attempt = 1; pickScenario() === undefined; attempt++) {
    if (attempt > 10) throw new Error('no scenario fits after 10 fresh tab identities')
    const index = attempt % TABS
    const replaced = tabs[index]
    replacedIds.push(replaced.peerId)
    await replaced.context.close()
    tabs[index] = await openTab(replaced.name)
    console.log(`no scenario fits these identities: ${replaced.name} (${replaced.peerId}) replaced by a fresh identity (${tabs[index].peerId})`)
  }
  // Let every tab meet every other storage node directly first: placement is only checked against the exact
  // 15 closest once the mesh has settled (a holder that is still being dialled would hand its shard on).
  for (const tab of tabs) {
    await connectedToEveryNode(tab, 300_000)
    console.log(`${tab.name} settled after ${Date.now() - started} ms`)
  }
  // A closed tab stays a candidate holder until the others find it gone: the owners' placement is checked once
  // every tab places their objects on the true 15 closest of the nodes still up.
  if (replacedIds.length > 0) {
    for (const tab of tabs) {
      for (const owner of tabs) {
        const key = placementKeyFor(NS_HISTORY, owner.address)
        await eventually(`${tab.name} places ${owner.name}'s objects without the closed tabs`, async () => await pageClosest(tab.page, key),
          closest => closest.join() === holdersOf(owner.address).join(), 180_000)
      }
    }
    console.log(`the closed tabs left every tab's placement ${Date.now() - started} ms after the headless nodes started`)
  }
  console.log(`mesh settled ${Date.now() - started} ms after the headless nodes started`)
})

test.afterAll(async () => {
  await browser?.close()
  await Promise.all(headless.map(async node => { await node.proc.proc.stop('SIGKILL') }))
  await relay?.proc.stop()
})

async function openTab (name: string): Promise<Tab> {
  const context = await newNodeContext(browser)
  const page = await openNodePage(context, relay.url, NO_REPAIR_QUERY)
  return { name, context, page, peerId: await pagePeerId(page), address: await page.evaluate(() => window.zentalk!.address), stopped: false }
}

/**
 * Waits until `tab` has a working direct connection to every other storage node (one whose stream muxer closed
 * under it does not count), logging its progress every 15 s.
 */
async function connectedToEveryNode (tab: Tab, timeoutMs: number): Promise<void> {
  const ids = everyone()
  let lastLog = Date.now()
  const direct = await eventually(`${tab.name} connected directly to every storage node`,
    async () => {
      const direct = await tab.page.evaluate(() => window.zentalk!.connections().filter(c => c.direct).map(c => c.peerId))
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now()
        const pending = await tab.page.evaluate(() => window.zentalk!.status().pending)
        console.log(`${tab.name}: ${new Set(direct).size} peers over ${direct.length} direct connections; pending ${JSON.stringify(pending)}`)
      }
      return direct
    },
    direct => ids.every(id => id === tab.peerId || direct.includes(id)), timeoutMs)
  console.log(`${tab.name}: ${new Set(direct).size} peers over ${direct.length} direct connections`)
}

function everyone (): string[] {
  return [...headless.map(node => node.peerId), ...tabs.map(tab => tab.peerId)]
}

function holdersOf (address: string): string[] {
  return trueClosest(placementKeyFor(NS_HISTORY, address), everyone(), 15)
}

/** Stores `count` pseudo-random objects (sizes 0 B to 256 KiB, the first two at the extremes) from `page`. */
async function storeObjects (page: Page, count: number, seed: number): Promise<Array<Expected & { holders: string[] }>> {
  return await page.evaluate(async ({ count, seed, max }) => {
    const hex = (buffer: ArrayBuffer): string => [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('')
    const make = (i: number): Uint8Array<ArrayBuffer> => {
      let x = (seed * 7919 + i * 104_729 + 1) >>> 0
      const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x }
      const size = i === 0 ? 0 : i === 1 ? max : next() % (max + 1)
      const bytes = new Uint8Array(size)
      for (let j = 0; j < size; j++) bytes[j] = next() & 0xff
      return bytes
    }
    const out: Array<{ objectId: string, holders: string[], size: number, hash: string }> = []
    const problems: string[] = []
    let nextIndex = 0
    // A few stores at a time, as a busy chat client would.
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (nextIndex < count) {
        const i = nextIndex++
        const bytes = make(i)
        const hash = hex(await crypto.subtle.digest('SHA-256', bytes))
        const t0 = performance.now()
        const { objectId, holders, failures } = await window.zentalk!.storeObject(bytes)
        if (failures.length > 0) problems.push(`store ${i}: ${JSON.stringify(failures)}`)
        console.log(`store ${i} (${bytes.length} B) ${Math.round(performance.now() - t0)} ms`)
        out[i] = { objectId, holders, size: bytes.length, hash }
      }
    }))
    return { out, problems }
  }, { count, seed, max: MAX_OBJECT_BYTES }).then(({ out, problems }) => {
    // A shard that went to a spare node names the holder that failed and why.
    for (const problem of problems) console.log(problem)
    return out
  })
}

async function fetchObjects (page: Page, owner: string): Promise<Fetched> {
  return await page.evaluate(async (owner) => {
    const hex = (buffer: ArrayBuffer): string => [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('')
    const result = await window.zentalk!.fetchObjects(owner)
    return {
      objects: await Promise.all(result.objects.map(async ({ objectId, bytes }) =>
        ({ objectId, size: bytes.length, hash: hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)) }))),
      failed: result.failed,
      stats: result.stats
    }
  }, owner)
}

function byId (list: Expected[]): Map<string, Expected> {
  return new Map(list.map(item => [item.objectId, item]))
}

function expectAllIdentical (fetched: Fetched, expected: Expected[]): void {
  expect(fetched.failed).toEqual([])
  expect(fetched.objects.length).toBe(expected.length)
  const got = byId(fetched.objects)
  for (const item of expected) expect(got.get(item.objectId), `object ${item.objectId}`).toEqual(item)
}

async function stopNode (peerId: string): Promise<void> {
  const tab = tabs.find(candidate => candidate.peerId === peerId)
  if (tab !== undefined) {
    tab.stopped = true
    await tab.context.close()
    return
  }
  const node = headless.find(candidate => candidate.peerId === peerId)!
  // A crash, not a goodbye: the node gets no chance to close its connections.
  await node.proc.proc.stop('SIGKILL')
}

/** Every shard row of a headless node's SQLite store: `objectId/shardIndex` → SHA-256 of the stored bytes. */
function shardRows (node: SingleNode): Map<string, string> {
  const db = new Database(join(node.dataDir, 'node-0', 'chunks.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('SELECT object_id, chunk_id, data FROM chunks').all() as Array<{ object_id: string, chunk_id: number, data: Buffer }>
    return new Map(rows.map(row => [`${row.object_id}/${row.chunk_id}`, createHash('sha256').update(row.data).digest('hex')]))
  } finally {
    db.close()
  }
}

/**
 * What a node held before must all still be there, unchanged. Every tab publishes its key bundle and presence
 * when its chat starts (a reloaded tab too), so a holder may have gained shards meanwhile: more is fine, less is not.
 * A new presence record replaces its owner's older ones, which the owner then deletes, so callers compare the
 * objects this suite stored, which nobody deletes.
 */
function expectKept<T> (before: Map<string, T>, after: Map<string, T>): void {
  const lost = [...before].filter(([key, value]) => after.get(key) !== value).map(([key]) => key)
  expect(lost, 'shards lost or changed').toEqual([])
}

// The scenario, decided once every node is up: which tab stores (X), which other owner stores (Y), which tab
// fetches (F) and which six holders of X are stopped, a tab first.
let owner: Tab
let other: Tab
let fetcher: Tab
let reloaded: Tab
let stops: string[] = []
let stored: Expected[] = []
let otherStored: Expected[] = []

interface Scenario { owner: Tab, other: Tab, fetcher: Tab, reloaded: Tab, stops: string[] }

/** X (owner) and Y (other) store, F (fetcher) fetches, six holders of X are stopped (a tab first), a tab is reloaded. */
function pickScenario (): Scenario | undefined {
  const tabIds = new Set(tabs.map(tab => tab.peerId))
  // F fetches; X's holders must include a tab other than F (it is stopped first), and Y's holders must miss at
  // least one of X's holders, so six stops can break X without breaking Y. Most draws of identities have one
  // (beforeAll replaces a tab until one fits).
  for (const f of tabs) {
    for (const x of tabs) {
      if (x === f) continue
      const hx = holdersOf(x.address)
      const tabHolder = hx.find(id => tabIds.has(id) && id !== f.peerId)
      if (tabHolder === undefined) continue
      for (const y of tabs) {
        if (y === x) continue
        const hy = new Set(holdersOf(y.address))
        const outsideY = hx.filter(id => !hy.has(id) && id !== f.peerId && id !== tabHolder)
        if (outsideY.length === 0) continue
        const rest = hx.filter(id => id !== f.peerId && id !== tabHolder && id !== outsideY[0] && !tabIds.has(id))
        if (rest.length < 4) continue
        // A tab that stays up and holds shards of X or Y, to reload.
        const keeper = tabs.find(t => t.peerId !== tabHolder && (hx.includes(t.peerId) || hy.has(t.peerId)))
        if (keeper === undefined) continue
        // Five holders with a tab among them, then a sixth; at most five of the six hold shards of Y.
        return { owner: x, other: y, fetcher: f, reloaded: keeper, stops: [tabHolder, ...rest.slice(0, 3), outsideY[0], rest[3]] }
      }
    }
  }
  return undefined
}

test('a tab stores 50 objects of 0 B to 256 KiB, each on its 15 closest storage nodes', async () => {
  test.setTimeout(8 * 60_000)
  expect(new Set(everyone()).size).toBe(HEADLESS + TABS)
  const scenario = pickScenario()
  expect(scenario, 'a scenario with a tab among the holders').toBeDefined()
  ;({ owner, other, fetcher, reloaded, stops } = scenario!)
  console.log(`owner ${owner.name}, other owner ${other.name}, fetcher ${fetcher.name}; stopping ${stops.join(', ')}`)

  // Placement is checked against the exact 15 closest, which assumes the storing tab reaches each of them: check
  // that again now rather than trust the check made when the mesh settled (a connection lost since is redialled).
  await connectedToEveryNode(owner, 120_000)
  const started = Date.now()
  const results = await storeObjects(owner.page, 50, 1)
  const elapsed = Date.now() - started
  console.log(`stored 50 objects (${results.reduce((n, r) => n + r.size, 0)} bytes) in ${elapsed} ms`)
  const expectedHolders = holdersOf(owner.address)
  for (const result of results) expect(result.holders).toEqual(expectedHolders)
  expect(results.map(r => r.size)).toContain(0)
  expect(results.map(r => r.size)).toContain(MAX_OBJECT_BYTES)
  stored = results.map(({ objectId, size, hash }) => ({ objectId, size, hash }))
  expect(new Set(stored.map(r => r.objectId)).size).toBe(50)

  await connectedToEveryNode(other, 120_000)
  const others = await storeObjects(other.page, 10, 2)
  for (const result of others) expect(result.holders).toEqual(holdersOf(other.address))
  otherStored = others.map(({ objectId, size, hash }) => ({ objectId, size, hash }))

  // Every tab reads them all back before anything fails.
  expectAllIdentical(await fetchObjects(fetcher.page, owner.address), stored)
})

test('with any 5 holders gone, a tab among them, another tab fetches all 50 byte-identical', async () => {
  test.setTimeout(5 * 60_000)
  for (const id of stops.slice(0, 5)) await stopNode(id)
  const started = Date.now()
  const fetched = await fetchObjects(fetcher.page, owner.address)
  console.log(`fetched 50 objects with 5 holders gone in ${Date.now() - started} ms: ${JSON.stringify(fetched.stats)}`)
  expectAllIdentical(fetched, stored)
  expectAllIdentical(await fetchObjects(fetcher.page, other.address), otherStored)
})

test('a tab that holds shards keeps them across a reload (IndexedDB)', async () => {
  const tab = reloaded
  expect(tab.stopped).toBe(false)
  const held = async (): Promise<Map<string, string>> => new Map((await tab.page.evaluate(async () => await window.zentalk!.heldShards()))
    .map(shard => [`${shard.objectId}/${shard.shardIndex}`, `${shard.owner.toLowerCase()} ${shard.size} ${shard.intact ? 'intact' : 'corrupt'}`]))
  const before = await held()
  expect(before.size).toBeGreaterThan(0)
  // Among them shards of the objects this suite stored.
  const suiteOwners = [owner.address, other.address].map(address => `${address.toLowerCase()} `)
  expect([...before.values()].some(v => suiteOwners.some(prefix => v.startsWith(prefix)))).toBe(true)
  await tab.page.reload()
  await waitReady(tab.page)
  expect(await pagePeerId(tab.page)).toBe(tab.peerId)
  const after = await held()
  expectKept(before, after)
  for (const value of after.values()) expect(value).toMatch(/ intact$/)
  // And it serves them again, once the fetcher has met the reloaded tab: with five of X's holders gone, X's objects
  // rebuild only when every other holder answers (the 6th-holder test counts on that).
  const again = await eventually('the fetcher rebuilds all of X with the reloaded tab back', async () => await fetchObjects(fetcher.page, owner.address),
    fetched => fetched.failed.length === 0, 120_000)
  expectAllIdentical(again, stored)
})

test('a headless node keeps its shards across a restart (SQLite)', async () => {
  test.setTimeout(6 * 60_000)
  const hy = holdersOf(other.address)
  const index = headless.findIndex(node => hy.includes(node.peerId) && !stops.includes(node.peerId))
  const node = headless[index]
  const suiteObjects = new Set([...stored, ...otherStored].map(item => item.objectId))
  const ofSuite = (rows: Map<string, string>): Map<string, string> => new Map([...rows].filter(([key]) => suiteObjects.has(key.split('/')[0])))
  const before = ofSuite(shardRows(node))
  expect(before.size).toBeGreaterThan(0)
  await node.proc.proc.stop('SIGTERM')
  headless[index] = await restartSingleNode(node, relay.url)
  expectKept(before, ofSuite(shardRows(headless[index])))
  // And it serves them: once the fetcher has found it again (the keeper redials a storage node that came back),
  // Y's objects still rebuild with this node back among their holders. The next test counts on every holder not
  // stopped answering.
  await eventually('the fetcher reconnected directly to the restarted node', async () =>
    await fetcher.page.evaluate(() => window.zentalk!.connections().filter(c => c.direct).map(c => c.peerId)),
  direct => direct.includes(node.peerId), 60_000)
  expectAllIdentical(await fetchObjects(fetcher.page, other.address), otherStored)
  // X's objects too, which need every holder not stopped (the restarted node among them when it holds X's shards).
  expectAllIdentical(await eventually('the fetcher rebuilds all of X with the restarted node back', async () => await fetchObjects(fetcher.page, owner.address),
    fetched => fetched.failed.length === 0, 120_000), stored)
})

test('a 6th holder gone: that owner gets NotEnoughShardsError, another owner still fetches, no node crashes', async () => {
  test.setTimeout(5 * 60_000)
  await stopNode(stops[5])
  const broken = await fetchObjects(fetcher.page, owner.address)
  expect(broken.objects).toEqual([])
  expect(broken.failed.map(f => f.objectId).sort()).toEqual(stored.map(s => s.objectId).sort())
  for (const failure of broken.failed) {
    expect(failure.error.name).toBe('NotEnoughShardsError')
    expect(failure.error.message).toMatch(/retrieved 9 of the 10 shards needed/)
  }
  expectAllIdentical(await fetchObjects(fetcher.page, other.address), otherStored)

  // Every node not stopped is still up and serving.
  for (const node of headless.filter(n => !stops.includes(n.peerId))) expect(node.proc.proc.child.exitCode, node.peerId).toBeNull()
  for (const tab of tabs.filter(t => !t.stopped)) {
    const status = await tab.page.evaluate(() => window.zentalk!.status())
    expect(status.relay.connected).toBe(true)
  }
  expect(relay.proc.child.exitCode).toBeNull()
})
