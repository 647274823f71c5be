/**
 * The relay's one public port: serves the built web app and `/api/bootstrap`, and hands WebSocket upgrades to
 * libp2p's WebSocket listener in this process, socket and all, so users open a single port and libp2p sees each
 * connection's real remote address (its connection gater and per-address limits depend on it).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { BOOTSTRAP_PATH, type BootstrapInfo } from '../src/net/index.ts'
import { AddressList, clientAddress, isLoopback, unmapIPv4 } from './addresses.ts'
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'

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
  /**
   * Operator status for `GET /api/status`; `full` is true for loopback callers and holders of the status token
   * (they see peer IDs), false for everyone else (counts only).
   */
  status: (full: boolean) => unknown
  /**
   * Takes a WebSocket upgrade into libp2p in this process (the socket keeps its real remote address).
   * Without it, upgrades are spliced to `libp2pWsPort` over loopback, where every peer looks like 127.0.0.1.
   */
  handleUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Where the libp2p WebSocket listener runs. */
  libp2pWsPort: number
  /** Proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`). */
  trustedProxies?: AddressList
  /** Callers that see the full `/api/status` without a token: loopback addresses that are also in this list. */
  statusTrusted?: AddressList
  /** `--status-token`: `Authorization: Bearer <token>` sees the full `/api/status` from anywhere. */
  statusToken?: string
  /** `--hsts`: send Strict-Transport-Security (only meaningful when users reach the relay over TLS). */
  hsts?: boolean
  /**
   * WebSocket origins the page may connect to besides its own (`ws://host:port`, `wss://host:port`): the relay's
   * announced hosts, and its storage nodes' WebSocket listeners (added as they start), which a tab without WebRTC
   * dials. Read on every response.
   */
  connectSources?: string[] | (() => string[])
  /** Told once when a request carries X-Forwarded-For from a proxy that is not trusted. */
  warn?: (message: string) => void
}

/** Content-Security-Policy of every page response: no inline script, no framing, connections to the relay only. */
export function contentSecurityPolicy (connectSources: string[] = []): string {
  return [
    "default-src 'self'",
    // WebAssembly (the erasure coder) compiles under 'wasm-unsafe-eval'; nothing else is evaluated.
    "script-src 'self' 'wasm-unsafe-eval'",
    // The erasure Web Worker; the SIMD kernel is fetched from a data: URL.
    "worker-src 'self' blob:",
    ["connect-src 'self'", ...connectSources, 'data:'].join(' '),
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join('; ')
}

export function securityHeaders (options: Pick<RelayHttpOptions, 'connectSources' | 'hsts'>): Record<string, string> {
  const sources = typeof options.connectSources === 'function' ? options.connectSources() : options.connectSources
  return {
    'content-security-policy': contentSecurityPolicy(sources),
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    ...(options.hsts === true ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {})
  }
}

export async function startHttpServer (options: RelayHttpOptions): Promise<Server> {
  const trusted = options.trustedProxies ?? new AddressList()
  const security = (): Record<string, string> => securityHeaders(options)
  let warnedUntrustedProxy = false
  const clientOf = (req: IncomingMessage): string => {
    if (!warnedUntrustedProxy && req.headers['x-forwarded-for'] != null && !trusted.has(req.socket.remoteAddress ?? '')) {
      warnedUntrustedProxy = true
      options.warn?.(`a request from ${req.socket.remoteAddress ?? '?'} carries X-Forwarded-For, which is ignored: if a reverse proxy runs there, ` +
        'start the relay with --trusted-proxy <its address> so that per-address limits apply to each client instead of the proxy')
    }
    return clientAddress(req, trusted)
  }
  const server = createServer((req, res) => {
    void serve(req, options, clientOf(req)).then(({ status, headers, file, body }) => {
      res.writeHead(status, { 'x-content-type-options': 'nosniff', ...security(), ...headers })
      if (file != null && req.method !== 'HEAD') createReadStream(file).pipe(res)
      else res.end(req.method === 'HEAD' ? undefined : body)
    }).catch(() => {
      res.writeHead(500, security()).end('internal error')
    })
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (options.handleUpgrade != null) {
      const client = clientOf(req)
      if (client !== unmapIPv4(req.socket.remoteAddress ?? '')) {
        // Behind a trusted proxy: libp2p reads the remote address from the socket, so show it the client's.
        Object.defineProperty(req.socket as Socket, 'remoteAddress', { value: client, configurable: true })
      }
      options.handleUpgrade(req, socket, head)
      return
    }
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

function tokenMatches (req: IncomingMessage, token: string | undefined): boolean {
  if (token == null || token === '') return false
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
  if (m == null) return false
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(m[1]!), digest(token))
}

async function serve (req: IncomingMessage, options: RelayHttpOptions, client: string): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://relay')
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD' }, body: 'method not allowed' }
  if (url.pathname === BOOTSTRAP_PATH) {
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' }, body: JSON.stringify(options.bootstrap()) }
  }
  if (url.pathname === STATUS_PATH) {
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(options.status((isLoopback(client) && (options.statusTrusted?.has(client) ?? true)) || tokenMatches(req, options.statusToken))) }
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
