import { playwright } from '@vitest/browser-playwright'
import { configDefaults, defineConfig } from 'vitest/config'

// Two projects: Node unit tests (pure logic, Node-side adapters, relay) and browser tests (`*.browser.test.ts`,
// e.g. the IndexedDB store) in real Chromium. The system Chromium is used: Playwright's own browsers are not
// downloadable here. Flags keep the browser off the network; only the loopback Vitest server is contacted.
const BROWSER_TESTS = 'src/**/*.browser.test.ts'

export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'relay/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: [...configDefaults.exclude, BROWSER_TESTS]
        }
      },
      {
        extends: true,
        optimizeDeps: { include: ['idb'] }, // pre-bundled up front, so a late discovery cannot reload the page mid-run
        test: {
          name: 'browser',
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
