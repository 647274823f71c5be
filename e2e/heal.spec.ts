/**
 * Self-healing: 20 headless storage nodes (one process each, so each can be stopped alone) and a tab, 21 storage
 * nodes, with health checks every 2 s. The tab stores 30 objects.
 * - Round 1: 5 holders crash; every object again has 15 verified shards on 15 distinct live nodes, soon after
 *   the crashes are detected.
 * - Round 2: 5 more of the first holders crash, so 10 of them are gone and without repair no object could be
 *   rebuilt: all 30 still fetch byte for byte.
 * - The nodes of round 1 come back with their old shards: they are taken back, and no shard is left twice.
 * - A new node joins among the closest to the owner's key: it receives shards only after the grace period.
 * - Round 3: 5 more current holders crash: all 30 still fetch.
 * At no moment does a node hold two shards of one object, or a shard that fails verification.
 *
 * "Verified" is checked by the test itself: it reads every live headless node's SQLite file and checks each
 * shard against its owner-signed manifest, and asks the tab for its own shards.
 */
import Database from 'better-sqlite3'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { test, expect, type Browser, type Page } from '@playwright/test'
import { NS_HISTORY } from '../src/crypto/index.ts'
import { placementKeyFor } from '../src/placement/index.ts'
import { DEFAULT_SETTINGS } from '../src/config/index.ts'
import { generateNodeKey } from '../src/node/index.ts'
import { decodeSignedManifest } from '../src/wire/index.ts'
import { verifyShard } from '../src/wire/index.ts'
import {
  TEST_QUERY, eventually, newNodeContext, openNodePage, restartSingleNode, startRelayProc, startSingleNodes, startStorageProc, tempDir,
  trueClosest, type RelayProc, type SingleNode
} from './harness.ts'

const HEADLESS = 20
const OBJECTS = 30
const TOTAL_SHARDS = 15
const PORT = 18600
const HEALTH_INTERVAL_MS = 2000
const HEALTH_RETRIES = 2
const HANDOFF_GRACE_MS = 10_000
// Every node here knows every other (they all connect directly), so the periodic DHT discovery of new peers can
// be slow: on two cores it would otherwise take CPU the repairs need.
const HEAL_FLAGS = ['--health-interval-ms', String(HEALTH_INTERVAL_MS), '--health-retries', String(HEALTH_RETRIES),
  '--handoff-grace-ms', String(HANDOFF_GRACE_MS), '--discovery-interval-ms', '120000']
/** Detection to full redundancy, at most: the figure (see healAfterCrash). */
const REPAIR_BOUND_MS = 10_000
const HEAL_QUERY = `${TEST_QUERY}&healthIntervalMs=${HEALTH_INTERVAL_MS}&healthRetries=${HEALTH_RETRIES}&handoffGraceMs=${HANDOFF_GRACE_MS}`

test.describe.configure({ mode: 'serial' })

let relay: RelayProc
let nodes: Array<SingleNode & { alive: boolean }> = []
let browser: Browser
let tab: Page
let tabPeerId: string
let owner: string
interface Stored { objectId: string, hash: string, size: number }
let stored: Stored[] = []
/** Each object's holders right after the store: its "first holders". */
const firstHoldersOf = new Map<string, Set<string>>()
/** Nodes holding a shard of every object right after the store (most of them: a few shards went to spares). */
let commonHolders: string[] = []
const stoppedByRound: string[][] = []
/** When each round's crashes happened. */
const stoppedAt: number[] = []

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(10 * 60_000)
  relay = await startRelayProc({ port: PORT })
  const started = Date.now()
  nodes = (await startSingleNodes({ bootstrap: relay.url, count: HEADLESS, extra: HEAL_FLAGS })).map(node => ({ ...node, alive: true }))
  console.log(`${HEADLESS} headless nodes ready in ${Date.now() - started} ms`)
  browser = await playwright.chromium.launch()
  tab = await openNodePage(await newNodeContext(browser), relay.url, HEAL_QUERY)
  tabPeerId = await tab.evaluate(() => window.zentalk!.peerId)
  owner = await tab.evaluate(() => window.zentalk!.address)
  // The tab is a storage node like the others: until it is directly connected to them, they cannot survey it,
  // and would take its shards for lost.
  await eventually('the tab connected directly to every headless node', async () =>
    await tab.evaluate(() => window.zentalk!.connections().filter(c => c.direct).map(c => c.peerId)),
  direct => nodes.every(node => direct.includes(node.peerId)), 4 * 60_000)
  console.log(`mesh settled ${Date.now() - started} ms after the headless nodes started`)
})

test.afterAll(async () => {
  await browser?.close()
  await Promise.all(nodes.map(async node => { await node.proc.proc.stop('SIGKILL') }))
  await relay?.proc.stop()
})

/** Where each object's shards are right now: object → shard index → live nodes holding an intact copy. */
interface Survey {
  /** When the survey ended. */
  at: number
  shards: Map<string, Map<number, string[]>>
  /**
   * Object → shard index → when the first of its live holders stored its copy (the holder's own record; a repeated
   * STORE of a shard it holds keeps that time). Every copy the survey saw was there from then on, so the latest of
   * these, over all the shards, is when the survey's picture was complete, however long the survey took to read it.
   */
  storedAt: Map<string, Map<number, number>>
  /** Shards that failed verification against their manifest. */
  corrupt: string[]
}

/** Manifests decoded and signature-checked, by their bytes in hex (the same bytes always decode the same). */
const manifests = new Map<string, ReturnType<typeof decodeSignedManifest>>()

async function survey (): Promise<Survey> {
  const started = Date.now()
  const shards = new Map<string, Map<number, string[]>>()
  const storedAt = new Map<string, Map<number, number>>()
  const corrupt: string[] = []
  const add = (objectId: string, index: number, holder: string, at: number): void => {
    const byIndex = shards.get(objectId) ?? new Map<number, string[]>()
    byIndex.set(index, [...(byIndex.get(index) ?? []), holder])
    shards.set(objectId, byIndex)
    const times = storedAt.get(objectId) ?? new Map<number, number>()
    times.set(index, Math.min(times.get(index) ?? Infinity, at))
    storedAt.set(objectId, times)
  }
  // Every holder of an object keeps the same manifest bytes: their owner signature is checked once per run, not once
  // per survey. Surveys run every half second on a machine the repairs keep busy (under that load one took 2.7 s),
  // and the less they take from it, the sooner after the repair they see it. Every shard is still checked each time.
  const manifestOf = (bytes: Buffer): ReturnType<typeof decodeSignedManifest> => {
    const key = bytes.toString('hex')
    let manifest = manifests.get(key)
    if (manifest === undefined) manifests.set(key, manifest = decodeSignedManifest(bytes))
    return manifest
  }
  // The tab reads its IndexedDB while this process reads the headless nodes' SQLite files: the survey takes the
  // longer of the two rather than their sum.
  const tabShards = tab.evaluate(async () => await window.zentalk!.heldShards())
  tabShards.catch(() => {}) // awaited below; this only keeps a failure from going unhandled meanwhile
  for (const node of nodes.filter(n => n.alive)) {
    // Lets the tab's request go out before the synchronous reads below.
    await new Promise(resolve => setImmediate(resolve))
    const db = new Database(join(node.dataDir, 'node-0', 'chunks.sqlite'), { readonly: true, fileMustExist: true })
    try {
      const rows = db.prepare('SELECT object_id, chunk_id, data, manifest, shard_proof, stored_at FROM chunks WHERE user_addr = ?').all(owner) as
        Array<{ object_id: string, chunk_id: number, data: Buffer, manifest: Buffer, shard_proof: Buffer | null, stored_at: number }>
      for (const row of rows) {
        const intact = verifyShard(manifestOf(row.manifest), row.chunk_id, row.data, row.shard_proof ?? undefined)
        if (intact) add(row.object_id, row.chunk_id, node.peerId, row.stored_at)
        else corrupt.push(`${node.peerId} ${row.object_id}/${row.chunk_id}`)
      }
    } finally {
      db.close()
    }
  }
  const sqliteMs = Date.now() - started
  for (const shard of await tabShards) {
    if (shard.owner !== owner) continue
    if (shard.intact) add(shard.objectId, shard.shardIndex, tabPeerId, shard.storedAt)
    else corrupt.push(`${tabPeerId} ${shard.objectId}/${shard.shardIndex}`)
  }
  // `at` is the survey's end (the tab answers last): a slow survey makes figures timed by it later, never earlier.
  const tookMs = Date.now() - started
  if (tookMs > 2_000) console.log(`survey took ${tookMs} ms (${sqliteMs} ms for the headless nodes' stores, the tab's alongside)`)
  return { at: Date.now(), shards, storedAt, corrupt }
}

/** When the last shard of the stored objects that `s` found was stored on a live holder: `s` was complete from then on. */
function completeAt (s: Survey): number {
  let latest = -Infinity
  for (const { objectId } of stored) {
    for (let index = 0; index < TOTAL_SHARDS; index++) latest = Math.max(latest, s.storedAt.get(objectId)?.get(index) ?? Infinity)
  }
  return latest
}

/** Objects that lack one of their 15 shards on a live node, or have two shards on one node. */
function problems (s: Survey, options: { noDuplicates?: boolean } = {}): string[] {
  const found: string[] = []
  for (const { objectId } of stored) {
    const byIndex = s.shards.get(objectId) ?? new Map<number, string[]>()
    const missing = Array.from({ length: TOTAL_SHARDS }, (_, i) => i).filter(i => (byIndex.get(i) ?? []).length === 0)
    if (missing.length > 0) found.push(`${objectId.slice(0, 8)} misses shards ${missing.join(',')}`)
    const perNode = new Map<string, number[]>()
    for (const [index, holders] of byIndex) for (const holder of holders) perNode.set(holder, [...(perNode.get(holder) ?? []), index])
    for (const [holder, indices] of perNode) {
      // Sorted: the text must not depend on the order the survey read the holders in (tolerated doubles compare it).
      if (new Set(indices).size > 1) found.push(`${objectId.slice(0, 8)}: ${holder} holds shards ${[...indices].sort((a, b) => a - b).join(',')}`)
    }
    if (options.noDuplicates === true) {
      for (const [index, holders] of byIndex) if (holders.length > 1) found.push(`${objectId.slice(0, 8)} shard ${index} on ${holders.length} nodes`)
    }
  }
  return found
}

/** Nodes holding two different shards of one object, as `problems` words it. */
function doubledIn (s: Survey): string[] {
  return problems(s).filter(p => p.includes(' holds shards '))
}

/** The shard indices each node holds of each object where it holds more than one: `object: holder` → indices. */
function doublesOf (s: Survey): Map<string, number[]> {
  const found = new Map<string, number[]>()
  for (const p of doubledIn(s)) {
    const [where, indices] = p.split(' holds shards ')
    found.set(where, indices.split(',').map(Number))
  }
  return found
}

/**
 * Never, at any moment: two different shards of one object on one node, or a shard that fails verification.
 * `tolerated` are doubles placed while fewer live nodes than shards existed; they may remain until moved off, and a
 * node may keep part of them (three shards down to two), but it may not gain a shard it did not hold then.
 */
function expectNeverTwoOnOneNode (s: Survey, tolerated: ReadonlyMap<string, number[]> = new Map()): void {
  expect(s.corrupt).toEqual([])
  const gained = [...doublesOf(s)].filter(([where, indices]) => {
    const allowed = tolerated.get(where)
    return allowed === undefined || indices.some(index => !allowed.includes(index))
  }).map(([where, indices]) => `${where} holds shards ${indices.join(',')} (held ${tolerated.get(where)?.join(',') ?? 'at most one'} before)`)
  expect(gained).toEqual([])
}

/**
 * Surveys until every object has its 15 shards on live nodes. `doublesAllowed`: fewer live nodes than shards, so
 * two shards of an object on one node are expected, not a problem.
 */
async function waitUntilHealthy (what: string, timeoutMs: number,
  options: { noDuplicates?: boolean, tolerated?: ReadonlyMap<string, number[]>, doublesAllowed?: boolean } = {}): Promise<Survey> {
  const deadline = Date.now() + timeoutMs
  let last: string[] = []
  for (;;) {
    const s = await survey()
    if (options.doublesAllowed === true) expect(s.corrupt).toEqual([])
    else expectNeverTwoOnOneNode(s, options.tolerated)
    last = problems(s, options).filter(p => options.doublesAllowed !== true || !p.includes(' holds shards '))
    if (last.length === 0) return s
    if (Date.now() > deadline) throw new Error(`${what}: not healthy after ${timeoutMs} ms: ${last.slice(0, 5).join('; ')} (${last.length} problems)`)
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

/** Nodes holding shards of the stored objects (the tab's key bundle and presence records live elsewhere). */
function holdersIn (s: Survey): string[] {
  const all = new Set<string>()
  for (const { objectId } of stored) {
    for (const holders of s.shards.get(objectId)?.values() ?? []) for (const h of holders) all.add(h)
  }
  return [...all]
}

/** When the first live node printed that `peerId` is dead. */
async function deathSeen (peerId: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  const pattern = `health: ${peerId} is dead`
  for (;;) {
    if (nodes.some(n => n.alive && n.proc.proc.output.includes(pattern))) return Date.now()
    if (Date.now() > deadline) throw new Error(`no node declared ${peerId} dead within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Crashes five current holders (headless, not already stopped); prefers `prefer` when given. */
async function crashHolders (s: Survey, prefer: (peerId: string) => boolean = () => true): Promise<{ stopped: string[], at: number }> {
  const holders = holdersIn(s).filter(id => id !== tabPeerId)
  const order = (id: string): number => commonHolders.includes(id) ? commonHolders.indexOf(id) : commonHolders.length
  const ranked = [...holders.filter(prefer).sort((a, b) => order(a) - order(b)), ...holders.filter(id => !prefer(id))]
  const stopped = ranked.slice(0, 5)
  expect(stopped).toHaveLength(5)
  const at = Date.now()
  await Promise.all(stopped.map(async id => {
    const node = nodes.find(n => n.peerId === id)!
    node.alive = false
    // A crash, not a goodbye: the node gets no chance to close its connections or hand anything over.
    await node.proc.proc.stop('SIGKILL')
  }))
  stoppedByRound.push(stopped)
  stoppedAt.push(at)
  return { stopped, at }
}

/** Detection (first node to declare each stopped node dead), then full redundancy; both from the crash. */
async function healAfterCrash (round: number, crash: { stopped: string[], at: number }): Promise<void> {
  // When the tab's own connections to the crashed nodes went (WebRTC gets no TCP reset from a crashed peer).
  const tabDropped = (async () => {
    while (Date.now() - crash.at < 30_000) {
      const open = await tab.evaluate(() => window.zentalk!.connections().map(c => c.peerId)).catch(() => [] as string[])
      if (!crash.stopped.some(id => open.includes(id))) return `${Date.now() - crash.at} ms`
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    return 'more than 30 s'
  })()
  const detected = await Promise.all(crash.stopped.map(async id => await deathSeen(id, 60_000)))
  const detectionMs = Math.max(...detected) - crash.at
  // Whether the tab, a storage node like the others, took part in the repair (its repairer does not print).
  const tabRebuilt = async (): Promise<number> => await tab.evaluate(() => window.zentalk!.status().repair.counters.shardsRebuilt)
  const tabBefore = await tabRebuilt()
  const healed = await waitUntilHealthy(`round ${round}`, detectionMs + REPAIR_BOUND_MS + 5_000).finally(async () => {
    console.log(`round ${round}: the tab rebuilt ${await tabRebuilt().catch(() => NaN) - tabBefore} shards; ` +
      `it dropped its connections to the crashed nodes ${await tabDropped} after the crash`)
  })
  // When the last missing shard was stored on a live holder, by the holders' own records: the surveys add 0.5 to 5 s
  // of their own (a poll every half second; the tab answers its part from IndexedDB while it takes part in the
  // repair), which say how quickly this test looks, not how quickly the mesh heals.
  const completed = completeAt(healed)
  const fullMs = completed - crash.at
  console.log(`round ${round}: crash at ${new Date(crash.at).toISOString()}; detection ${Math.min(...detected) - crash.at} / ${detectionMs} ms ` +
    `(first / last of 5), full redundancy ${fullMs} ms after the crash (seen by the survey that ended ${healed.at - crash.at} ms after it)`)
  // No holder's store time can be later than the survey that read it.
  expect(completed, 'the holders\' store times are no later than the survey that read them').toBeLessThanOrEqual(healed.at)
  // Detection time plus 10 s, as the issue asks. On the 2-core test machine, with 21 nodes and a browser sharing
  // it, full redundancy comes 4 to 8 s after detection in most runs: the repairers' own health rounds declare the
  // deaths 1 to 5 s after the first node does, and a repair round takes 3 to 7 s (its LISTs, reads and stores wait
  // on the slowest of the holders, the tab among them). A repair that waits for the next sweep, for the new-object
  // grace, or for the erasure WASM to compile fails it.
  expect(fullMs, 'every object has 15 verified shards on distinct live nodes within detection time plus 10 s')
    .toBeLessThanOrEqual(detectionMs + REPAIR_BOUND_MS)
}

async function fetchAll (): Promise<{ objects: Stored[], failed: unknown[] }> {
  return await tab.evaluate(async () => {
    const hex = (buffer: ArrayBuffer): string => [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('')
    const result = await window.zentalk!.fetchObjects()
    return {
      objects: await Promise.all(result.objects.map(async ({ objectId, bytes }) =>
        ({ objectId, size: bytes.length, hash: hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)) }))),
      failed: result.failed
    }
  })
}

async function expectAllFetch (): Promise<void> {
  const started = Date.now()
  const fetched = await fetchAll()
  console.log(`fetched ${fetched.objects.length} objects in ${Date.now() - started} ms`)
  expect(fetched.failed).toEqual([])
  const byId = new Map(fetched.objects.map(o => [o.objectId, o]))
  for (const item of stored) expect(byId.get(item.objectId), `object ${item.objectId}`).toEqual(item)
}

test('the tab stores 30 objects, each as 15 verified shards on 15 distinct nodes', async () => {
  test.setTimeout(6 * 60_000)
  const started = Date.now()
  stored = await tab.evaluate(async (count) => {
    const hex = (buffer: ArrayBuffer): string => [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('')
    const out: Array<{ objectId: string, hash: string, size: number }> = []
    let next = 0
    // A few at a time, as a chat client storing a burst of messages would.
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < count) {
        const i = next++
        const bytes = new Uint8Array(1024 + ((i * 7919) % 31) * 1024)
        crypto.getRandomValues(bytes)
        const started = performance.now()
        const { objectId, failures } = await window.zentalk!.storeObject(bytes)
        console.log(`stored object ${i} (${bytes.length} B) in ${Math.round(performance.now() - started)} ms; ${failures.length} holders failed` +
          (failures.length > 0 ? `, first: ${failures[0].error.name}: ${failures[0].error.message}` : ''))
        out[i] = { objectId, hash: hex(await crypto.subtle.digest('SHA-256', bytes)), size: bytes.length }
      }
    }))
    return out
  }, OBJECTS)
  expect(new Set(stored.map(s => s.objectId)).size).toBe(OBJECTS)
  console.log(`stored ${OBJECTS} objects in ${Date.now() - started} ms`)
  const expected = trueClosest(placementKeyFor(NS_HISTORY, owner), [...nodes.map(n => n.peerId), tabPeerId], TOTAL_SHARDS)
  // Headless nodes holding a shard of every object. Those beyond the 15 closest to the key first (a store that
  // found a closer node busy placed shards there): they hand their shards off later, so round 1 crashes them while
  // they still hold, and round 2 takes nodes among the 15 closest, which keep theirs.
  const holdingAll = (survey: Survey): string[] => holdersIn(survey)
    .filter(id => id !== tabPeerId && stored.every(({ objectId }) => [...survey.shards.get(objectId)!.values()].flat().includes(id)))
    .sort((a, b) => Number(expected.includes(a)) - Number(expected.includes(b)))
  let s = await waitUntilHealthy('after the store', 60_000)
  // Two rounds of 5 crashes among them take 10 of the 15 first holders of every object. A store that met several
  // busy holders left fewer in common; the spare nodes it used hand those shards to the closest nodes, which
  // then hold a shard of every object.
  const settling = Date.now()
  while (holdingAll(s).length < 10 && Date.now() - settling < 90_000) {
    console.log(`${holdingAll(s).length} headless nodes hold a shard of every object; waiting for the hand-offs`)
    await new Promise(resolve => setTimeout(resolve, 2_000))
    s = await waitUntilHealthy('after the store', 60_000, { noDuplicates: true })
  }
  for (const { objectId } of stored) firstHoldersOf.set(objectId, new Set([...s.shards.get(objectId)!.values()].flat()))
  commonHolders = holdingAll(s)
  expect(commonHolders.length).toBeGreaterThanOrEqual(10)
})

test('round 1: 5 holders crash; every object is back to 15 verified shards on distinct live nodes', async () => {
  test.setTimeout(3 * 60_000)
  await healAfterCrash(1, await crashHolders(await survey(), id => commonHolders.includes(id)))
})

test('round 2: 5 more of the first holders crash, 10 of them gone: all 30 objects still fetch byte-identical', async () => {
  test.setTimeout(3 * 60_000)
  await crashHolders(await survey(), id => commonHolders.includes(id))
  const alive = (id: string): boolean => id === tabPeerId || nodes.find(n => n.peerId === id)?.alive === true
  // Without repair, at most 5 of the 15 shards of each object would be left: fewer than the 10 a rebuild needs.
  for (const { objectId } of stored) expect([...firstHoldersOf.get(objectId)!].filter(alive).length).toBeLessThanOrEqual(5)
  await expectAllFetch()
})

test('crashed nodes that come back are taken back and leave no duplicate shards', async () => {
  test.setTimeout(3 * 60_000)
  const returning = stoppedByRound[0]
  // After round 2 only 11 storage nodes were left for 15 shards, so some hold two shards of an object; once the
  // returned nodes are back, those move off. No other node may gain a second shard meanwhile.
  const before = await waitUntilHealthy('round 2', 2 * 60_000, { doublesAllowed: true })
  console.log(`round 2: every object has its 15 shards again ${before.at - stoppedAt[1]} ms after the crash`)
  const tolerated = doublesOf(before)
  console.log(`${tolerated.size} times a node holds two or more shards of one object before the return (11 live nodes for 15 shards)`)
  const started = Date.now()
  await Promise.all(returning.map(async id => {
    const index = nodes.findIndex(n => n.peerId === id)
    nodes[index] = { ...await restartSingleNode(nodes[index], relay.url), alive: true }
  }))
  console.log(`returned nodes: all 5 ready ${Date.now() - started} ms after the restarts began`)
  // Each comes back with the shards it held before it crashed, which were rebuilt elsewhere meanwhile; with 16
  // live nodes again every object gets back to 15 shards, each once.
  const s = await waitUntilHealthy('after the return', 2 * 60_000, { noDuplicates: true, tolerated })
  console.log(`returned nodes: every object healthy with no duplicate ${s.at - started} ms after the restarts began`)
  const returned = returning.filter(id => holdersIn(s).includes(id))
  expect(returned.length, 'the returning nodes hold shards again').toBeGreaterThan(0)
  for (const id of returning) {
    const declaredDead = nodes.filter(n => n.alive && n.proc.proc.output.includes(`health: ${id} is dead`))
    const takenBack = declaredDead.filter(n => n.proc.proc.output.includes(`health: ${id} is alive again`))
    // The node ran again, so whoever had marked it dead saw it answer; the processes restarted are fresh.
    expect(takenBack.length, `${id} taken back by every node that marked it dead`).toBe(declaredDead.length)
  }
})

test('a new node that joins among the closest to the owner\'s key receives its shards after the grace period', async () => {
  test.setTimeout(3 * 60_000)
  const key = placementKeyFor(NS_HISTORY, owner)
  const live = [...nodes.filter(n => n.alive).map(n => n.peerId), tabPeerId]
  // A node key (with the mesh's node-ID work) that puts the newcomer among the 10 closest live nodes to the key.
  let chosen
  for (let attempt = 0; attempt < 1000 && chosen === undefined; attempt++) {
    const { key: candidate } = await generateNodeKey(DEFAULT_SETTINGS.nodeIdWorkBits)
    const id = peerIdFromPrivateKey(candidate).toString()
    if (trueClosest(key, [...live, id], 10).includes(id)) chosen = { key: candidate, id }
  }
  expect(chosen).toBeDefined()
  const dataDir = tempDir('heal-join')
  mkdirSync(join(dataDir, 'node-0'), { recursive: true })
  writeFileSync(join(dataDir, 'node-0', 'libp2p-node-key'), privateKeyToProtobuf(chosen!.key))
  const started = Date.now()
  const proc = await startStorageProc({ bootstrap: relay.url, count: 1, dataDir, extra: HEAL_FLAGS })
  expect(proc.peerIds[0]).toBe(chosen!.id)
  nodes.push({ proc, peerId: chosen!.id, dataDir, extra: HEAL_FLAGS, alive: true })
  const ready = Date.now()
  let firstShardAt: number | undefined
  const deadline = Date.now() + 2 * 60_000
  for (;;) {
    const s = await survey()
    expectNeverTwoOnOneNode(s)
    const onNewcomer = stored.filter(({ objectId }) => [...(s.shards.get(objectId)?.values() ?? [])].some(h => h.includes(chosen!.id)))
    if (onNewcomer.length > 0 && firstShardAt === undefined) firstShardAt = s.at
    if (onNewcomer.length === stored.length && problems(s, { noDuplicates: true }).length === 0) break
    if (Date.now() > deadline) throw new Error(`the newcomer holds shards of ${onNewcomer.length} of ${stored.length} objects; ${problems(s, { noDuplicates: true }).slice(0, 3).join('; ')}`)
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  console.log(`newcomer started in ${ready - started} ms; first shard ${(firstShardAt ?? 0) - ready} ms, ` +
    `every object ${Date.now() - ready} ms after it was ready (grace ${HANDOFF_GRACE_MS} ms)`)
  // Not before the grace period: tabs that come and go must not cause churn.
  expect((firstShardAt ?? 0) - started).toBeGreaterThanOrEqual(HANDOFF_GRACE_MS)
})

test('round 3: 5 more current holders crash; all 30 objects still fetch byte-identical', async () => {
  test.setTimeout(3 * 60_000)
  await crashHolders(await survey(), id => !stoppedByRound[0].includes(id))
  await expectAllFetch()
})
