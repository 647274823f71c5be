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
import { formatValue, recordSection, startSection } from './report.ts'
import type { TabBench } from './tab/index.ts'

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
    const finish = startSection()
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
    // The same-run baseline: in Alice's tab, the erasure code alone on one 4 MiB chunk (the default functions, in a
    // Web Worker as an upload codes it) and a memory copy of it: what the tab's CPU allows with no network at all.
    const chunkBytes = 4 * 1024 * 1024
    const [coder] = await alice.evaluate(async (bytes) =>
      await (await window.zentalk!.bench() as TabBench).erasure({ sizes: [bytes], coders: ['default'], repeats: 3 }), chunkBytes)
    console.log(`\nAttachments between two Chromium tabs over WebRTC, ${HEADLESS} headless storage nodes; upload = ` +
      'encrypt + 4 MiB chunks stored on 15 holders each + the message sent; download = every chunk from 10 verified ' +
      'shards + decrypt + SHA-256 check; MB/s = 10^6 B/s of the file, median of the rounds')
    console.table(rows)
    console.log(`baseline in Alice's tab, one 4 MiB chunk: erasure encode ${coder.encodeMBps.toFixed(0)} MB/s, ` +
      `rebuild of 5 lost shards ${coder.rebuildMBps.toFixed(0)} MB/s, memcpy ${coder.memcpyMBps.toFixed(0)} MB/s`)
    console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after ` +
      `(the whole mesh shares this machine's ${availableParallelism()} cores)`)
    recordSection(finish({
      name: 'attachments',
      title: 'Attachment upload and download',
      environment: `Chromium ${browser.version()}, two tabs (two profiles) over WebRTC on loopback, a relay and ` +
        `${HEADLESS} headless storage nodes, all on this machine's ${availableParallelism()} cores`,
      description: 'Alice sends files of random bytes to Bob, who downloads each. Upload = encrypt + 4 MiB chunks, ' +
        'each stored as 15 shards on 15 holders and acknowledged + the message sent; download = every chunk from 10 ' +
        `verified shards + decrypt + SHA-256 check. MB/s = 10^6 B of the file per second, median of ${ROUNDS} rounds. ` +
        'Baseline, measured in Alice\'s tab in the same run: the erasure code alone on one 4 MiB chunk (the default ' +
        'functions, in a Web Worker as uploads use them) and a memory copy of it, with no network.',
      tables: [{
        columns: ['file', 'rounds', 'upload median ms', 'upload MB/s', 'download median ms', 'download MB/s'],
        rows: rows.map(row => [row.file, row.rounds, row['upload median ms'], row['upload MB/s'],
          row['download median ms'], row['download MB/s']])
      }, {
        caption: 'Same-run baseline in Alice\'s tab, one 4 MiB chunk, no network:',
        columns: ['erasure encode MB/s', 'rebuild 5 MB/s', 'decode MB/s', 'memcpy MB/s'],
        rows: [[formatValue(coder.encodeMBps), formatValue(coder.rebuildMBps), formatValue(coder.decodeMBps), formatValue(coder.memcpyMBps)]]
      }],
      targets: [],
      notes: ['No target is set for attachment throughput; the figures are for tracking.'],
      chart: {
        title: 'Attachment MB/s between two tabs, next to the erasure code alone on a 4 MiB chunk',
        unit: 'MB/s',
        log: true,
        categories: [...rows.map(row => String(row.file)), '4 MiB chunk, no network'],
        series: [
          { name: 'upload', values: [...rows.map(row => Number(row['upload MB/s'])), null] },
          { name: 'download', values: [...rows.map(row => Number(row['download MB/s'])), null] },
          { name: 'erasure encode alone (baseline)', values: [...rows.map(() => null), coder.encodeMBps], baseline: true },
          { name: 'rebuild 5 alone (baseline)', values: [...rows.map(() => null), coder.rebuildMBps], baseline: true }
        ]
      }
    }))
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
