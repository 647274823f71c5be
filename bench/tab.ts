// Benchmarks in a real Chromium tab on a warm mesh: a relay, 15 headless storage nodes (3 processes) and one
// tab, all on loopback inside the namespace bench/run.mjs creates. Prints the erasure code's MB/s in Chromium
// next to memory copy, then store and fetch latency for 512 B and 64 KiB objects.
import { availableParallelism, loadavg } from 'node:os'
import { chromium } from '@playwright/test'
import { chromiumLaunchOptions } from '../e2e/chromium.ts'
import { eventually, newNodeContext, openNodePage, startRelayProc, startStorageFleet } from '../e2e/harness.ts'
import { printErasureRows } from './erasure-table.ts'
import type { TabBench } from './tab/index.ts'

const PORT = 18700
const HEADLESS = 15

export async function runTabBench (): Promise<void> {
  const relay = await startRelayProc({ port: PORT })
  const fleet = await startStorageFleet({ bootstrap: relay.url, count: HEADLESS })
  const browser = await chromium.launch(chromiumLaunchOptions)
  try {
    const page = await openNodePage(await newNodeContext(browser), relay.url)
    // Warm: the tab holds a direct connection to every headless node before anything is timed.
    await eventually('tab connected directly to every headless node',
      async () => await page.evaluate(() => window.zentalk!.connections().filter(c => c.direct).map(c => c.peerId)),
      direct => fleet.peerIds.every(id => direct.includes(id)), 180_000)

    const loadBefore = loadavg()[0]
    const erasure = await page.evaluate(async () => await (await window.zentalk!.bench() as TabBench).erasure())
    const version = await browser.version()
    console.log(`\nReed-Solomon 10+5 in Chromium ${version} (WASM in the tab); MB/s = 10^6 B/s, median of 7 batches`)
    printErasureRows(erasure)

    const objects = await page.evaluate(async () => await (await window.zentalk!.bench() as TabBench).objects({ ops: 40, warmup: 5, historyFetches: 3 }))
    console.log(`\nObject store from a Chromium tab over WebRTC: ${HEADLESS} headless storage nodes and the tab itself, ` +
      'one operation at a time; store = erasure code + sign + 15 shards placed and acknowledged; fetch = one object ' +
      'by ID from the first 10 verified shards; history = every object of the owner')
    console.table(objects.map(row => ({
      operation: row.operation,
      object: row.objectBytes >= 1024 ? `${row.objectBytes / 1024} KiB` : `${row.objectBytes} B`,
      ops: row.ops,
      'objects/op': row.objectsPerOp || '',
      'p50 ms': row.p50Ms,
      'p99 ms': row.p99Ms,
      'mean ms': row.meanMs,
      'max ms': row.maxMs
    })))
    console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after ` +
      `(the whole mesh shares this machine's ${availableParallelism()} cores)`)
  } finally {
    await browser.close()
    await fleet.stop()
    await relay.proc.stop()
  }
}
