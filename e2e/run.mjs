// Runs the Playwright suite inside a network namespace that has only a loopback interface, so no test
// traffic (WebRTC candidates included) can leave 127.0.0.1. As root: `unshare -n`; otherwise a user
// namespace (`unshare -rn`). Extra arguments go to `playwright test`.
import { spawnSync } from 'node:child_process'

const args = process.argv.slice(2)
if (process.env.ZENTALK_IN_NETNS !== '1') {
  const isRoot = process.getuid?.() === 0
  const inner = `ip link set lo up && exec "${process.execPath}" e2e/run.mjs "$@"`
  const r = spawnSync('unshare', [isRoot ? '-n' : '-rn', 'sh', '-c', inner, 'sh', ...args], {
    stdio: 'inherit',
    env: { ...process.env, ZENTALK_IN_NETNS: '1' }
  })
  if (r.error != null) {
    console.error(`e2e: cannot create a loopback-only network namespace (${r.error.message}); install util-linux and iproute2`)
    process.exit(1)
  }
  process.exit(r.status ?? 1)
}
const r = spawnSync(process.execPath, ['node_modules/@playwright/test/cli.js', 'test', ...args], { stdio: 'inherit' })
process.exit(r.status ?? 1)
