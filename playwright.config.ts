import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './e2e/chromium.ts'

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Every spec runs its own relay and storage nodes on a 2-core machine: one at a time.
  workers: 1,
  // The mesh suites run a relay, 20+ headless nodes and 4 Chromium pages on two cores; under that load a
  // WebRTC connection occasionally drops mid-test. One retry of the group (same assertions, fresh mesh)
  // keeps that from failing a run; a real regression fails both attempts.
  retries: 1,
  fullyParallel: false,
  timeout: 10 * 60_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions
  }
})
