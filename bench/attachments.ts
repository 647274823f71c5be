// `npm run bench -- attachments`: attachment upload and download throughput between two Chromium tabs (two
// browser profiles: Alice and Bob) on a warm mesh of a relay and 15 headless storage nodes, all on loopback inside
// the namespace bench/run.mjs creates. Alice sends files of 1, 5 and 25 MiB of random bytes to Bob
// (`window.zentalk.sendAttachment`: encrypt, 4 MiB chunks, 15 shards each placed and acknowledged, then the
// message); Bob downloads each (`fetchAttachment`: 10 verified shards per chunk, decrypt, SHA-256 check). The
// bytes are made inside Alice's tab and only their hash crosses to Node, so the figures are the tabs' own.
import { availableParallelism, loadavg } from 'node:os'
import { chromium } from '@playwright/test'
import { chromiumLaunchOptions } from '../e2e/chromium.ts'
import { eventually, newNodeContext, openNodePage, startRelayProc, startStorageFleet } from '../e2e/harness.ts'

const PORT = 18760
const HEADLESS = 15
const SIZES_MIB = [1, 5, 25]
const ROUNDS = 3

export async function runAttachmentBench (): Promise<void> {
  const relay = await startRelayProc({ port: PORT })
  const fleet = await startStorageFleet({ bootstrap: relay.url, count: HEADLESS })
  const browser = await chromium.launch(chromiumLaunchOptions)
  try {
    const alice = await openNodePage(await newNodeContext(browser), relay.url)
    const bob = await openNodePage(await newNodeContext(browser), relay.url)
    for (const page of [alice, bob]) {
      await eventually('tab connected directly to every headless node',
        async () => await page.evaluate(() => window.zentalk!.connections().filter(c => c.direct).map(c => c.peerId)),
        direct => fleet.peerIds.every(id => direct.includes(id)), 180_000)
      await page.evaluate(async () => { await window.zentalk!.chatReady })
    }
    const bobAddress = await bob.evaluate(() => window.zentalk!.address)
    const loadBefore = loadavg()[0]
    const rows: Array<Record<string, string | number>> = []
    for (const mib of SIZES_MIB) {
      const upload: number[] = []
      const download: number[] = []
      for (let round = 0; round < ROUNDS; round++) {
        const sent = await alice.evaluate(async ({ to, bytes }) => {
          const file = new Uint8Array(bytes)
          for (let offset = 0; offset < file.length; offset += 65_536) crypto.getRandomValues(file.subarray(offset, offset + 65_536))
          const started = performance.now()
          const result = await window.zentalk!.sendAttachment(to, { name: 'bench.bin', type: 'application/octet-stream', bytes: file })
          return { ms: performance.now() - started, attachment: result.attachment }
        }, { to: bobAddress, bytes: mib * 1024 * 1024 })
        const fetched = await bob.evaluate(async attachment => {
          const started = performance.now()
          const bytes = await window.zentalk!.fetchAttachment(attachment)
          return { ms: performance.now() - started, length: bytes.length }
        }, sent.attachment)
        if (fetched.length !== mib * 1024 * 1024) throw new Error(`downloaded ${fetched.length} bytes of ${mib} MiB`)
        upload.push(sent.ms)
        download.push(fetched.ms)
      }
      const mbps = (ms: number): number => Math.round((mib * 1024 * 1024 / 1e6) / (ms / 1000) * 10) / 10
      rows.push({
        file: `${mib} MiB`,
        rounds: ROUNDS,
        'upload median ms': Math.round(median(upload)),
        'upload MB/s': mbps(median(upload)),
        'download median ms': Math.round(median(download)),
        'download MB/s': mbps(median(download))
      })
    }
    console.log(`\nAttachments between two Chromium tabs over WebRTC, ${HEADLESS} headless storage nodes; upload = ` +
      'encrypt + 4 MiB chunks stored on 15 holders each + the message sent; download = every chunk from 10 verified ' +
      'shards + decrypt + SHA-256 check; MB/s = 10^6 B/s of the file, median of the rounds')
    console.table(rows)
    console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after ` +
      `(the whole mesh shares this machine's ${availableParallelism()} cores)`)
  } finally {
    await browser.close()
    await fleet.stop()
    await relay.proc.stop()
  }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
