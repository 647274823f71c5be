/**
 * libp2p's WebSocket transport, with dials that close their socket when they are given up.
 *
 * `@libp2p/websockets` (10.1.21, the newest) opens a WebSocket for a dial and, when the dial's signal aborts before
 * the socket is open, throws without closing it. The socket then lives on: opened later, or, towards a busy node
 * whose listen queue is full, still waiting for the handshake, with nobody to close it. On a loaded machine every
 * timed-out dial left one behind: 60 headless nodes in six processes held about 3,000 established TCP connections per
 * process after 15 minutes, and the leak fed itself (the sockets' owners got slower, so more dials timed out).
 *
 * Here the transport's socket opening is replaced with the same steps that also end the connection on every failure,
 * an abort included. Everything else (listening, the connection itself) is the library's.
 */
import { ConnectionFailedError, type ComponentLogger, type Transport } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { multiaddrToUri } from '@multiformats/multiaddr-to-uri'
import type { Multiaddr } from '@multiformats/multiaddr'

type WebSocketsInit = Parameters<typeof webSockets>[0]
type WebSocketsComponents = Parameters<ReturnType<typeof webSockets>>[0]

/** The part of the library's transport this module replaces. */
interface SocketOpening { _connect?: (ma: Multiaddr, options: { signal?: AbortSignal }) => Promise<WebSocket> }

export function closingWebSockets (init?: WebSocketsInit): (components: WebSocketsComponents & { logger: ComponentLogger }) => Transport {
  const factory = webSockets(init)
  return components => {
    const transport = factory(components)
    const opening = transport as Transport & SocketOpening
    // A library that no longer opens sockets this way keeps its own behaviour (and, one hopes, its own fix).
    if (typeof opening._connect !== 'function') return transport
    opening._connect = async (ma, options) => await openWebSocket(multiaddrToUri(ma), options.signal)
    return transport
  }
}

/**
 * Opens a WebSocket to `uri`; on an error, a close or an abort before it opened, ends its connection and throws.
 *
 * In Node the socket comes from `ws` (the library libp2p's listener uses), whose `terminate()` ends the TCP
 * connection at once: Node's built-in WebSocket, asked to close while connecting, keeps waiting for an answer that a
 * busy listener may never send. Browsers end a connecting socket on `close()`.
 */
export async function openWebSocket (uri: string, signal?: AbortSignal): Promise<WebSocket> {
  signal?.throwIfAborted()
  const node = isNode() ? await nodeWebSocket(uri) : undefined
  const websocket = node?.websocket ?? new WebSocket(uri)
  websocket.binaryType = 'arraybuffer'
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        websocket.removeEventListener('open', onOpen)
        websocket.removeEventListener('error', onError)
        websocket.removeEventListener('close', onClose)
        signal?.removeEventListener('abort', onAbort)
        if (err === undefined) resolve()
        else reject(err)
      }
      const onOpen = (): void => { done() }
      const onError = (): void => { done(new ConnectionFailedError(`Could not connect to ${uri}`)) }
      const onClose = (): void => { done(new ConnectionFailedError(`${uri} closed the connection before it opened`)) }
      const onAbort = (): void => { done(new ConnectionFailedError(`Could not connect to ${uri}: ${String(signal?.reason?.message ?? 'aborted')}`)) }
      websocket.addEventListener('open', onOpen)
      websocket.addEventListener('error', onError)
      websocket.addEventListener('close', onClose)
      signal?.addEventListener('abort', onAbort)
      if (signal?.aborted === true) onAbort()
    })
  } catch (err) {
    try {
      if (node !== undefined) node.terminate()
      else websocket.close()
    } catch {}
    throw err
  }
  return websocket
}

function isNode (): boolean {
  return typeof window === 'undefined' && (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined
}

/** The `ws` client socket, shaped as the WebSocket libp2p's connection code expects (as its listener does). */
interface WsClient {
  terminate(): void
  emit(type: string, ...args: unknown[]): boolean
  on(type: 'error', listener: (err: Error) => void): void
}

async function nodeWebSocket (uri: string): Promise<{ websocket: WebSocket, terminate: () => void }> {
  // Not bundled for browsers: they never take this path.
  const specifier = 'ws'
  const { WebSocket: WsWebSocket } = await import(/* @vite-ignore */ specifier) as { WebSocket: new (uri: string) => WsClient }
  const ws = new WsWebSocket(uri)
  Object.defineProperty(ws, 'url', { value: uri, writable: false })
  // libp2p's connection code dispatches its own events on the socket (as @libp2p/websockets' listener adapts it).
  Object.defineProperty(ws, 'dispatchEvent', {
    value: (event: Event): boolean => {
      if (event.type === 'close') ws.emit('close')
      if (event.type === 'open') ws.emit('open')
      if (event.type === 'message') ws.emit('data', (event as MessageEvent).data)
      if (event.type === 'error') ws.emit('error', new Error('An error occurred'))
      return ws.emit(event.type, event)
    }
  })
  const terminate = (): void => {
    // Ending a socket that is still connecting reports an error; it is the one being thrown already.
    ws.on('error', () => {})
    ws.terminate()
  }
  return { websocket: ws as unknown as WebSocket, terminate }
}
