// Runs a Node script inside a network namespace that has only a loopback interface, so no test or benchmark
// traffic (WebRTC candidates included) can leave 127.0.0.1. As root: `unshare -n`; otherwise a user namespace
// (`unshare -rn`). Used by `npm run test:e2e` (e2e/run.mjs) and `npm run bench` (bench/run.mjs).
import { spawnSync } from 'node:child_process'

/** True inside the namespace that `reexecInLoopbackNamespace` created. */
export function inLoopbackNamespace () {
  return process.env.ZENTALK_IN_NETNS === '1'
}

/** Runs `script` with `args` again inside a fresh loopback-only namespace and exits with its status. */
export function reexecInLoopbackNamespace (script, args) {
  const isRoot = process.getuid?.() === 0
  const inner = `ip link set lo up && exec "${process.execPath}" "${script}" "$@"`
  const r = spawnSync('unshare', [isRoot ? '-n' : '-rn', 'sh', '-c', inner, 'sh', ...args], {
    stdio: 'inherit',
    env: { ...process.env, ZENTALK_IN_NETNS: '1' }
  })
  if (r.error != null) {
    console.error(`cannot create a loopback-only network namespace (${r.error.message}); install util-linux and iproute2`)
    process.exit(1)
  }
  process.exit(r.status ?? 1)
}
