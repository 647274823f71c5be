import { defineConfig } from 'vitest/config'

// Unit tests of pure logic and of the Node-side adapters. Browser behaviour is tested with Playwright (e2e/).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'relay/**/*.test.ts'],
    testTimeout: 60_000
  }
})
