import { existsSync } from 'node:fs'

/** Debian's Chromium when present (CI, this project's machines); Playwright's own browser elsewhere. */
export const chromiumExecutable = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)

/** How tests and benchmarks launch Chromium. */
export const chromiumLaunchOptions = {
  executablePath: chromiumExecutable,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // WebRTC between local nodes: offer 127.0.0.1 host candidates (ENVIRONMENT.md).
    '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'
  ]
}
