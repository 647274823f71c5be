/**
 * Relay clients for the flood benchmark and the relay's tests: each has a fresh identity, connects to the relay over
 * WebSockets from a chosen loopback source address (127.0.0.2, 127.0.0.3, …: all of 127.0.0.0/8 is loopback), asks
 * for a circuit-relay-v2 reservation and can disconnect again. Real libp2p (noise, yamux) and the relay's real hop
 * protocol; the reservation request is the two-byte RESERVE message a browser's relay transport sends.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { createRequire } from 'node:module'

/** `ws` (libp2p's own WebSocket server library; it ships no types): its client takes a `localAddress`. */
type WsClientClass = new (url: string | URL, protocols: string | string[] | undefined, options: Record<string, unknown>) => object
const { WebSocket: WsWebSocket } = createRequire(import.meta.url)('ws') as { WebSocket: WsClientClass }

const HOP = '/libp2p/circuit/relay/0.2.0/hop'
/** HopMessage { type: RESERVE }. */
const RESERVE = Uint8Array.of(0x08, 0x00)
export const STATUS_OK = 100

/**
 * Node's built-in WebSocket cannot choose its source address; libp2p's WebSocket transport dials with the global
 * `WebSocket`. This puts a `ws` WebSocket bound to `localAddress` in its place, for this process, so every client
 * dialled from now on connects from that address (sending `headers` with its upgrade request, e.g. the
 * X-Forwarded-For of a proxy).
 */
export function bindWebSocketsTo (localAddress: string, headers: Record<string, string> = {}): void {
  class BoundWebSocket extends WsWebSocket {
    constructor (url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { localAddress, headers })
    }
  }
  (globalThis as { WebSocket: unknown }).WebSocket = BoundWebSocket
}

export interface FloodClient {
  node: Libp2p
  peerId: string
  /** The relay's answer to RESERVE: 100 (OK), 200 (RESERVATION_REFUSED), 202 (PERMISSION_DENIED), … */
  reserve(): Promise<number>
  stop(): Promise<void>
}

/** A fresh identity connected to the relay at `relayAddr` (`/ip4/…/tcp/…/ws/p2p/…`). Throws if the relay refuses the connection. */
export async function connectClient (relayAddr: string, timeoutMs = 10_000): Promise<FloodClient> {
  const node = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionMonitor: { enabled: false }
  })
  const ma = multiaddr(relayAddr)
  try {
    await node.dial(ma, { signal: AbortSignal.timeout(timeoutMs) })
  } catch (err) {
    await node.stop()
    throw err
  }
  return {
    node,
    peerId: node.peerId.toString(),
    reserve: async () => {
      const stream = await node.dialProtocol(ma, HOP, { signal: AbortSignal.timeout(timeoutMs) })
      const lp = lpStream(stream)
      await lp.write(RESERVE, { signal: AbortSignal.timeout(timeoutMs) })
      const answer = await lp.read({ signal: AbortSignal.timeout(timeoutMs) })
      return hopStatus(answer.subarray())
    },
    stop: async () => { await node.stop() }
  }
}

/** The `status` field (5) of a HopMessage, or 0 when absent. */
export function hopStatus (bytes: Uint8Array): number {
  let pos = 0
  const varint = (): number => {
    let value = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = bytes[pos++]
      if (b == null) throw new RangeError('truncated HopMessage')
      value += (b & 0x7f) * 2 ** shift
      if (b < 0x80) return value
    }
    throw new RangeError('varint too long')
  }
  let status = 0
  while (pos < bytes.length) {
    const tag = varint()
    const wire = tag & 7
    if (wire === 0) {
      const v = varint()
      if (tag >>> 3 === 5) status = v
    } else if (wire === 2) {
      const length = varint()
      pos += length
    } else {
      throw new RangeError(`unexpected wire type ${wire}`)
    }
  }
  return status
}
