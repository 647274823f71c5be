import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { defineConfig, type Plugin } from 'vite'

/** The file the build lists its files' SHA-256 in, so anyone can compare a served page with their own build. */
const BUILD_HASHES_FILE = 'build-hashes.json'

/**
 * Adds subresource integrity to the page (`addIntegrity`), then writes `dist/build-hashes.json`: the SHA-256 (hex)
 * of every file of the build, by path. Whoever serves the page's
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
      addIntegrity(outDir)
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

/**
 * Subresource integrity: the page's own script and stylesheet tags get the SHA-384 of the files they load, so a
 * browser refuses a file that was changed after the page was served (a cache or CDN in between). It does not help
 * against whoever serves the page itself, who can change the page too: build-hashes.json is for that. Chunks the
 * script loads later (the in-tab benchmarks, the erasure worker) are not covered. Computed from the written files,
 * after every other step of the build.
 */
function addIntegrity (outDir: string): void {
  const page = join(outDir, 'index.html')
  const html = readFileSync(page, 'utf8')
  const withIntegrity = html.replace(/<(script|link)\b([^>]*?)\s(src|href)="\/(assets\/[^"]+)"([^>]*)>/g,
    (tag, element: string, before: string, attr: string, path: string, after: string) => {
      if (/\sintegrity=/.test(tag)) return tag
      const integrity = `sha384-${createHash('sha384').update(readFileSync(join(outDir, path))).digest('base64')}`
      return `<${element}${before} ${attr}="/${path}" integrity="${integrity}"${after}>`
    })
  writeFileSync(page, withIntegrity)
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
