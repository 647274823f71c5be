/**
 * The relay's one public port: serves the built web app and `/api/bootstrap`, and hands WebSocket upgrades to
 * the libp2p WebSocket listener (which runs on an internal loopback port), so users open a single port.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { BOOTSTRAP_PATH, type BootstrapInfo } from '../src/net/index.ts'
import type { Duplex } from 'node:stream'

export const STATUS_PATH = '/api/status'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json'
}

export interface RelayHttpOptions {
  host: string
  port: number
  webRoot: string | undefined
  bootstrap: () => BootstrapInfo
  /** Operator status for `GET /api/status`. */
  status: () => unknown
  /** Where the libp2p WebSocket listener runs. */
  libp2pWsPort: number
}

export async function startHttpServer (options: RelayHttpOptions): Promise<Server> {
  const server = createServer((req, res) => {
    void serve(req, options).then(({ status, headers, file, body }) => {
      res.writeHead(status, { 'x-content-type-options': 'nosniff', ...headers })
      if (file != null && req.method !== 'HEAD') createReadStream(file).pipe(res)
      else res.end(req.method === 'HEAD' ? undefined : body)
    }).catch(() => {
      res.writeHead(500).end('internal error')
    })
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Forward the raw upgrade request to the libp2p listener and splice the two sockets.
    const upstream = connect(options.libp2pWsPort, '127.0.0.1', () => {
      let raw = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`
      upstream.write(raw + '\r\n')
      if (head.length > 0) upstream.write(head)
      socket.pipe(upstream).pipe(socket)
    })
    const close = (): void => { socket.destroy(); upstream.destroy() }
    upstream.on('error', close)
    socket.on('error', close)
    upstream.on('close', close)
    socket.on('close', close)
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve() })
  })
  return server
}

interface Reply { status: number, headers: Record<string, string>, file?: string, body?: string }

async function serve (req: IncomingMessage, options: RelayHttpOptions): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://relay')
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD' }, body: 'method not allowed' }
  if (url.pathname === BOOTSTRAP_PATH) {
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' }, body: JSON.stringify(options.bootstrap()) }
  }
  if (url.pathname === STATUS_PATH) {
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(options.status()) }
  }
  if (options.webRoot == null) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'this relay serves no web app (start it without --no-web after `npm run build`)' }
  let path: string
  try {
    path = decodeURIComponent(url.pathname)
  } catch {
    return { status: 400, headers: {}, body: 'bad path' }
  }
  const root = normalize(options.webRoot)
  let file = normalize(join(root, path))
  if (file !== root && !file.startsWith(root + sep)) return { status: 403, headers: {}, body: 'forbidden' }
  let info = await stat(file).catch(() => undefined)
  if (info?.isDirectory() === true) {
    file = join(file, 'index.html')
    info = await stat(file).catch(() => undefined)
  }
  if (info == null || !info.isFile()) {
    // Unknown paths without an extension are app routes: serve the app.
    if (extname(path) !== '') return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' }
    file = join(root, 'index.html')
    info = await stat(file).catch(() => undefined)
    if (info == null) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'the web app is not built: run `npm run build`' }
  }
  const hashed = file.includes(`${sep}assets${sep}`)
  return {
    status: 200,
    headers: {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(info.size),
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache'
    },
    file
  }
}
