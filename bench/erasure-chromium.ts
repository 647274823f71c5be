// The erasure benchmark in real Chromium, without a mesh: Vite's dev server on loopback serves a page that loads
// bench/erasure-bench.ts (the same module the tab bench runs), and Playwright drives it.
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import { createServer } from 'vite'
import type { ErasureBenchOptions, ErasureBenchRow } from './erasure-bench.ts'
import { chromiumLaunchOptions } from '../e2e/chromium.ts'
import { printErasureRows } from './erasure-table.ts'
import { erasureSection } from './erasure-report.ts'
import { formatValue, recordSection, startSection } from './report.ts'

const PORT = 18760
const repoRoot = fileURLToPath(new URL('..', import.meta.url))

declare global {
  interface Window { runErasureBench?: (options?: ErasureBenchOptions) => Promise<ErasureBenchRow[]> }
}

export async function runChromiumErasureBench (options: ErasureBenchOptions = {}): Promise<void> {
  const server = await createServer({
    root: repoRoot, logLevel: 'error', server: { host: '127.0.0.1', port: PORT, hmr: false }
  })
  await server.listen()
  const browser = await chromium.launch(chromiumLaunchOptions)
  try {
    const page = await browser.newPage()
    const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${PORT}/`
    await page.goto(new URL('bench/erasure-chromium.html', url).href)
    await page.waitForFunction(() => window.runErasureBench !== undefined)
    const loadBefore = loadavg()[0]
    const finish = startSection()
    const rows = await page.evaluate(async (options) => await window.runErasureBench!(options), options)
    // The default functions: SIMD, with objects of 256 KiB and more coded in a Web Worker (round trip included).
    const viaWorker = await page.evaluate(async (options) => await window.runErasureBench!({
      ...options, coders: ['default'], sizes: [256 * 1024, 1024 * 1024]
    }), options)
    console.log(`\nReed-Solomon 10+5 in Chromium ${browser.version()} (WASM in a page): columns as above.`)
    printErasureRows(rows)
    console.log('The default functions on a page, which code objects of 256 KiB and more in a Web Worker ' +
      '(copy in, transfer out):')
    console.table(viaWorker.map((row) => ({
      object: `${row.objectBytes / 1024} KiB`,
      'encode MB/s': row.encodeMBps.toFixed(0),
      'rebuild 5 MB/s': row.rebuildMBps.toFixed(0),
      'decode MB/s': row.decodeMBps.toFixed(0)
    })))
    console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`)
    recordSection(finish(erasureSection({
      name: 'erasure-chromium',
      title: 'Erasure coder in Chromium',
      environment: `Chromium ${browser.version()}, WASM on the page's thread`,
      rows,
      extraTables: [{
        caption: 'The default functions on a page, which code objects of 256 KiB and more in a Web Worker (copy in, ' +
          'transfer out; round trip included), next to the coder on the page from the table above:',
        columns: ['object', 'encode MB/s (worker)', 'rebuild 5 MB/s (worker)', 'decode MB/s (worker)',
          'encode MB/s (page)', 'rebuild 5 MB/s (page)', 'memcpy MB/s (baseline)'],
        rows: viaWorker.map(row => {
          const onPage = rows.find(candidate => candidate.coder === 'simd' && candidate.objectBytes === row.objectBytes)
          return [`${row.objectBytes / 1024} KiB`, formatValue(row.encodeMBps), formatValue(row.rebuildMBps),
            formatValue(row.decodeMBps), onPage === undefined ? '' : formatValue(onPage.encodeMBps),
            onPage === undefined ? '' : formatValue(onPage.rebuildMBps), formatValue(row.memcpyMBps)]
        })
      }]
    })))
  } finally {
    await browser.close()
    await server.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runChromiumErasureBench()
