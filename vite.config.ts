import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { defineConfig, type Plugin } from 'vite'

/** The file the build lists its files' SHA-256 in, so anyone can compare a served page with their own build. */
const BUILD_HASHES_FILE = 'build-hashes.json'

/**
 * Writes `dist/build-hashes.json`: the SHA-256 (hex) of every file of the build, by path. Whoever serves the page's
 * code can take the keys in it; a user who builds the same commit can compare these hashes with their own
 * (`sha256sum dist/assets/*`) and with the files the page actually loads (README: Security model).
 */
function buildHashes (): Plugin {
  let outDir = 'dist'
  return {
    name: 'zentalk-build-hashes',
    apply: 'build',
    configResolved (config) { outDir = resolve(config.root, config.build.outDir) },
    closeBundle () {
      const files: Record<string, string> = {}
      for (const path of listFiles(outDir).sort()) {
        const name = relative(outDir, path).split(sep).join('/')
        if (name === BUILD_HASHES_FILE) continue
        files[name] = createHash('sha256').update(readFileSync(path)).digest('hex')
      }
      writeFileSync(join(outDir, BUILD_HASHES_FILE), `${JSON.stringify({ algorithm: 'sha256', files }, null, 2)}\n`)
    }
  }
}

function listFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)])
}

export default defineConfig({
  plugins: [buildHashes()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      // Error classes take their `name` from the class name (src/errors); keep it through minification.
      output: { keepNames: true }
    }
  },
  server: {
    // `npm run dev` serves the page only; point it at a running relay with ?relay=<multiaddr>.
    host: '127.0.0.1'
  }
})
