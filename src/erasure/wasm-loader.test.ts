import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadReedSolomonModule } from './wasm-loader.ts'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

describe('loadReedSolomonModule', () => {
  it('compiles the package .wasm in Node, with the exports the wrapper relies on, once', async () => {
    const module = await loadReedSolomonModule()
    expect(WebAssembly.Module.exports(module).map(({ name }) => name).sort())
      .toEqual(['__wbindgen_free', '__wbindgen_malloc', 'encode', 'memory', 'reconstruct'])
    expect(WebAssembly.Module.imports(module)).toEqual([]) // nothing to provide at instantiation
    expect(await loadReedSolomonModule()).toBe(module)
  })

  it('works in plain Node with tsx (the headless storage node), where `?url` imports do not resolve', async () => {
    // Vitest resolves `?url` itself, so only a separate process proves the browser branch stays unloaded.
    const script = `import('./src/erasure/index.ts').then(async ({ encode, decode }) => {
      const bytes = new TextEncoder().encode('storage node')
      const { shards } = await encode(bytes)
      shards[0] = null; shards[14] = null
      process.stdout.write(new TextDecoder().decode(await decode(shards, 10, 5, bytes.length)))
    })`
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot })
    expect(stdout).toBe('storage node')
  })
})
