/**
 * What a new user and an operator do first: `node relay --help`, and `npm start`, which builds the web app and
 * starts the relay with its own headless storage nodes; the page it serves becomes a ready node on its own.
 */
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { test, expect } from '@playwright/test'
import { Proc, TEST_QUERY, eventually, newNodeContext, openNodePage, startRelayProc, tempDir } from './harness.ts'

test('node relay --help prints usage and exits 0; a bad flag is a clear usage error', () => {
  const help = spawnSync(process.execPath, ['relay', '--help'], { encoding: 'utf8' })
  expect(help.status).toBe(0)
  expect(help.stdout).toContain('Usage:')
  expect(help.stdout).toContain('node relay storage --bootstrap')
  const bad = spawnSync(process.execPath, ['relay', '--port', 'eighty'], { encoding: 'utf8' })
  expect(bad.status).toBe(2)
  expect(bad.stderr).toMatch(/--port must be a whole number/)
  const noBootstrap = spawnSync(process.execPath, ['relay', 'storage'], { encoding: 'utf8' })
  expect(noBootstrap.status).toBe(2)
  expect(noBootstrap.stderr).toMatch(/--bootstrap/)
})

test('npm start serves a page whose node becomes ready, with full 15-node placement from its own storage nodes, under a strict Content-Security-Policy', async ({ browser }) => {
  test.setTimeout(5 * 60_000)
  const port = 18300
  const npm = new Proc(['start', '--', '--host', '127.0.0.1', '--port', String(port), '--data', tempDir('start'), '--rtc-bind-address', '127.0.0.1'], 'npm start', 'npm')
  try {
    const [open] = await npm.waitFor(/open (http:\/\/\S+) in a browser/, 1, 120_000)
    expect(open[1]).toBe(`http://127.0.0.1:${port}/`)
    const started = await npm.waitFor(/storage node \d+ ready: (\S+)/, 15, 180_000)
    const context = await newNodeContext(browser)
    // Every CSP violation the page meets, from the event (which names the directive) and from the console.
    await context.addInitScript(() => {
      (window as unknown as { cspViolations: string[] }).cspViolations = []
      document.addEventListener('securitypolicyviolation', e => {
        (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`)
      })
    })
    const consoleViolations: string[] = []
    context.on('console', msg => { if (/Content Security Policy/i.test(msg.text())) consoleViolations.push(msg.text()) })
    const served = await fetch(open[1])
    const csp = served.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
    expect(csp).not.toContain("'unsafe-inline'")
    expect(served.headers.get('referrer-policy')).toBe('no-referrer')
    // Subresource integrity: the page's script and stylesheet name the SHA-384 of exactly what the relay serves.
    const html = await served.text()
    const tags = [...html.matchAll(/<(?:script|link)\b[^>]*\s(?:src|href)="(\/assets\/[^"]+)"[^>]*\sintegrity="sha384-([^"]+)"/g)]
    expect(tags.map(([, path]) => path.replace(/-[\w-]+\./, '.'))).toEqual(['/assets/index.js', '/assets/index.css'])
    for (const [, path, digest] of tags) {
      const body = Buffer.from(await (await fetch(new URL(path, open[1]))).arrayBuffer())
      expect(createHash('sha384').update(body).digest('base64'), path).toBe(digest)
    }
    const page = await openNodePage(context, open[1], '')
    const self = await page.evaluate(() => window.zentalk!.peerId)
    // The page's startup trace (node panel, `npm run bench -- newcomer`): every stage up to joined, in order; the
    // tab is ready at the first DHT answer, then reaches its neighbourhood.
    await page.evaluate(async () => { await window.zentalk!.joined })
    const stages = await page.evaluate(() => window.zentalk!.startup())
    const names = stages.map(s => s.stage)
    expect(names).toEqual(expect.arrayContaining(['relay connected', 'ready: DHT bootstrapped (first answer to the lookup of its own ID)', 'joined: own neighbourhood looked up']))
    expect(names.indexOf('relay connected')).toBeLessThan(names.findIndex(s => s.startsWith('ready')))
    expect(names.findIndex(s => s.startsWith('ready'))).toBeLessThan(names.indexOf('joined: own neighbourhood looked up'))
    expect(stages.every((s, i) => i === 0 || s.atMs >= stages[i - 1].atMs)).toBe(true)
    await expect(page.locator('#node-panel').getByText('Startup (ms since the page began loading)')).toHaveCount(1)
    // The tab generated its node key with the mesh's node-ID work (10 zero bits), and says so.
    const work = await page.evaluate(() => window.zentalk!.status().nodeIdWork)
    expect(work.required).toBe(10)
    expect(work.own).toBeGreaterThanOrEqual(10)
    expect(names.find(stage => stage.startsWith('node key ready'))).toBe('node key ready (10 bits of node-ID work)')
    await expect(page.locator('#node-panel')).toContainText(`${work.own} bits (storage nodes of this mesh need 10)`)
    // One person alone: their tab plus the relay's 15 headless nodes give full 15-node placement.
    const closest = await eventually('15 closest storage nodes', async () => await page.evaluate(async () =>
      await window.zentalk!.closestPeers(new TextEncoder().encode('alice'))), c => c.length === 15, 60_000)
    const everyone = new Set([self, ...started.map(m => m[1])])
    for (const id of closest) expect(everyone.has(id)).toBe(true)
    await expect(page.locator('#node-state')).toContainText('storage node')
    // Erasure coding in WASM and, for an object this large, in the erasure Web Worker: both run under the CSP.
    const stored = await page.evaluate(async () => {
      const bytes = new Uint8Array(512 * 1024).map((_, i) => i * 7)
      const { objectId, holders } = await window.zentalk!.storeObject(bytes)
      const back = await window.zentalk!.fetchObject(objectId)
      return { holders: holders.length, same: back.length === bytes.length && back.every((b, i) => b === bytes[i]) }
    })
    expect(stored).toEqual({ holders: 15, same: true })
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([])
    expect(consoleViolations).toEqual([])
  } finally {
    await npm.stop('SIGINT')
  }
  expect(npm.output).toContain('shutting down')
})

test('a page whose address carries developer=1 warns that its address chooses the mesh, naming the relay; a plain local page shows no banner', async ({ browser }) => {
  test.setTimeout(3 * 60_000)
  const relay = await startRelayProc({ port: 18700 })
  try {
    const context = await newNodeContext(browser)
    const developer = await context.newPage()
    await developer.goto(`${relay.url}?developer=1&${TEST_QUERY}`)
    const warning = developer.getByTestId('developer-warning')
    await expect(warning).toBeVisible()
    await expect(warning).toContainText('Developer mode')
    await expect(warning).toContainText(relay.peerId)
    // Served from 127.0.0.1, a page still takes its relay from its address, as development and tests do, quietly.
    const local = await context.newPage()
    await local.goto(`${relay.url}?relay=${encodeURIComponent(relay.multiaddr)}&${TEST_QUERY}`)
    await local.waitForFunction(() => window.zentalk != null || window.zentalkError != null)
    expect(await local.evaluate(() => window.zentalkError)).toBeUndefined()
    await expect(local.getByTestId('developer-warning')).toHaveCount(0)
    await context.close()
  } finally {
    await relay.proc.stop()
  }
})
