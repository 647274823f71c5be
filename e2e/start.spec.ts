/**
 * What a new user and an operator do first: `node relay --help`, and `npm start`, which builds the web app and
 * starts the relay with its own headless storage nodes; the page it serves becomes a ready node on its own.
 */
import { spawnSync } from 'node:child_process'
import { test, expect } from '@playwright/test'
import { Proc, eventually, newNodeContext, openNodePage, tempDir } from './harness.ts'

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

test('npm start serves a page whose node becomes ready, with full 15-node placement from its own storage nodes', async ({ browser }) => {
  test.setTimeout(5 * 60_000)
  const port = 18300
  const npm = new Proc(['start', '--', '--host', '127.0.0.1', '--port', String(port), '--data', tempDir('start'), '--rtc-bind-address', '127.0.0.1'], 'npm start', 'npm')
  try {
    const [open] = await npm.waitFor(/open (http:\/\/\S+) in a browser/, 1, 120_000)
    expect(open[1]).toBe(`http://127.0.0.1:${port}/`)
    const started = await npm.waitFor(/storage node \d+ ready: (\S+)/, 15, 180_000)
    const page = await openNodePage(await newNodeContext(browser), open[1], '')
    const self = await page.evaluate(() => window.zentalk!.peerId)
    // One person alone: their tab plus the relay's 15 headless nodes give full 15-node placement.
    const closest = await eventually('15 closest storage nodes', async () => await page.evaluate(async () =>
      await window.zentalk!.closestPeers(new TextEncoder().encode('alice'))), c => c.length === 15, 60_000)
    const everyone = new Set([self, ...started.map(m => m[1])])
    for (const id of closest) expect(everyone.has(id)).toBe(true)
    await expect(page.locator('#node-state')).toContainText('storage node')
  } finally {
    await npm.stop('SIGINT')
  }
  expect(npm.output).toContain('shutting down')
})
