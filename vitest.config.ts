import { playwright } from '@vitest/browser-playwright'
import { configDefaults, defineConfig } from 'vitest/config'

// Three projects: Node unit tests (pure logic, Node-side adapters, relay), browser tests (`*.browser.test.ts`,
// e.g. the IndexedDB store) in real Chromium, and the simulated meshes, alone after both. The system Chromium is
// used: Playwright's own browsers are not downloadable here. Flags keep the browser off the network; only the
// loopback Vitest server is contacted.
const BROWSER_TESTS = 'src/**/*.browser.test.ts'
// Many real nodes in one process (bench/lookup): run on their own, after the rest.
const SIMULATIONS = 'bench/lookup/lookup.test.ts'

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Two test files at a time. Vitest's default in run mode is one fewer than the cores: one on the two-core CI
    // machine, where the Node and browser tests then ran one file after another (about 430 s; 235 to 250 s with two).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'relay/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: [...configDefaults.exclude, BROWSER_TESTS, SIMULATIONS],
          sequence: { groupOrder: 0 }
        }
      },
      {
        extends: true,
        // The simulated meshes run once every other test has finished, alone: a hundred nodes in one process keep
        // their timers (dials, health checks, directory snapshots) on a core nothing else competes for, so what they
        // assert is how the nodes behave, not how busy two cores were with other test files.
        test: {
          name: 'sim',
          include: [SIMULATIONS],
          sequence: { groupOrder: 1 }
        }
      },
      {
        extends: true,
        // Dependencies are found by crawling every browser test up front and pre-bundled before the first test runs,
        // so a late discovery cannot reload the page mid-run.
        optimizeDeps: { entries: [BROWSER_TESTS], include: ['idb'] },
        test: {
          name: 'browser',
          sequence: { groupOrder: 0 },
          include: [BROWSER_TESTS],
          api: { host: '127.0.0.1' }, // the Vitest server the page loads tests from: loopback only
          browser: {
            enabled: true,
            headless: true,
            ui: false,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: '/usr/bin/chromium',
                args: [
                  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync'
                ]
              }
            }),
            instances: [{ browser: 'chromium' }]
          }
        }
      }
    ]
  }
})
