// Runs the Playwright suite inside a network namespace that has only a loopback interface (see netns.mjs).
// Extra arguments go to `playwright test`.
import { spawnSync } from 'node:child_process'
import { inLoopbackNamespace, reexecInLoopbackNamespace } from './netns.mjs'

const args = process.argv.slice(2)
if (!inLoopbackNamespace()) reexecInLoopbackNamespace('e2e/run.mjs', args)
const r = spawnSync(process.execPath, ['node_modules/@playwright/test/cli.js', 'test', ...args], { stdio: 'inherit' })
process.exit(r.status ?? 1)
