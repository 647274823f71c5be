#!/usr/bin/env node
// `node relay [storage] [options]`: the ZenTalk Mesh relay and headless storage nodes.
// This launcher is plain JavaScript so that any Node can read it: the relay itself needs Node 22+, which
// `npm ci` installs into node_modules (the `node` package). On an older Node we hand over to that one.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const NEEDED_MAJOR = 22
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const major = Number(process.versions.node.split('.')[0])

if (major < NEEDED_MAJOR) {
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(bundled)) {
    console.error(`ZenTalk Mesh relay needs Node.js ${NEEDED_MAJOR} or newer; this is Node ${process.versions.node}.\n` +
      `Fix: run \`npm ci\` in ${root} (it installs Node ${NEEDED_MAJOR} locally), then \`node relay\` again;\n` +
      `or run it with Node ${NEEDED_MAJOR} directly: \`npx -y node@${NEEDED_MAJOR} relay\`.`)
    process.exit(1)
  }
  const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal != null ? 1 : 0)))
} else {
  if (!existsSync(join(root, 'node_modules', 'tsx'))) {
    console.error(`ZenTalk Mesh relay: dependencies are missing. Run \`npm ci\` in ${root} first.`)
    process.exit(1)
  }
  const { register } = await import('tsx/esm/api')
  register()
  await import('./debug-colors.ts')
  await import('./cli.ts')
}
