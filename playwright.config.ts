import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './e2e/chromium.ts'

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // The 60-node fleet keeps more than one of two cores busy: it runs on its own, with `npm run test:fleet`.
  testIgnore: process.env.ZENTALK_E2E_FLEET === '1' ? [] : ['**/fleet.spec.ts'],
  // Every spec runs its own relay and storage nodes on a 2-core machine: one at a time.
  workers: 1,
  // No retries: a test that fails under the load of a relay, 20+ headless nodes and 4 Chromium pages on two
  // cores shows a drop or a miss the product must not have, and a retry would hide it.
  retries: 0,
  fullyParallel: false,
  timeout: 10 * 60_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions
  }
})
