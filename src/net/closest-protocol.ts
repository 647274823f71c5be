/**
 * The closest-peers protocol (`CLOSEST_PROTOCOL`): a node answers "which live storage nodes do you know closest to
 * this key" from what it already knows (its holder selector's local answer: no lookup, no dial), with a few
 * addresses for each. A node with a connection budget asks the storage nodes it is connected to instead of
 * dialling its way through the DHT, so a lookup costs it no new connection.
 *
 * One small request and one answer per stream; at most MAX_INBOUND_STREAMS at once per connection, a deadline on
 * both, and anything malformed ends the stream without an answer.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import {
  CLOSEST_PROTOCOL, MAX_CLOSEST_ADDRS, MAX_CLOSEST_REQUEST_BYTES, MAX_CLOSEST_RESPONSE_BYTES, decodeClosestRequest,
  decodeClosestResponse, encodeClosestRequest, encodeClosestResponse, type ClosestAnswerPeer
} from '../wire/index.ts'
import type { MeshLibp2p } from './libp2p.ts'
import type { Connection, PeerId, Stream } from '@libp2p/interface'

/** Requests one connection may have in flight at once (a node asks each of a few peers once per lookup). */
const MAX_INBOUND_STREAMS = 16
/** From the stream's opening to the answer written. */
const SERVE_TIMEOUT_MS = 5_000

export interface ClosestPeerAnswer { peerId: string, addrs: Multiaddr[] }

/** Serves the protocol: `answer` gives the peer IDs, nearest first. */
export async function serveClosest (libp2p: MeshLibp2p, answer: (key: Uint8Array, count: number) => Promise<string[]>): Promise<void> {
  await libp2p.handle(CLOSEST_PROTOCOL, async (stream: Stream, _connection: Connection) => {
    const signal = AbortSignal.timeout(SERVE_TIMEOUT_MS)
    try {
      const messages = lpStream(stream, { maxDataLength: MAX_CLOSEST_REQUEST_BYTES, maxBufferSize: MAX_CLOSEST_REQUEST_BYTES + 16 })
      const query = decodeClosestRequest((await messages.read({ signal })).subarray())
      const peers: ClosestAnswerPeer[] = []
      for (const id of await answer(query.key, query.count)) {
        const peerId = peerIdFromString(id)
        peers.push({ id, addrs: (await addressesOf(libp2p, peerId)).map(a => a.bytes) })
      }
      await lpStream(stream, { maxDataLength: MAX_CLOSEST_RESPONSE_BYTES }).write(encodeClosestResponse(peers), { signal })
      await stream.close({ signal })
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    }
  }, { maxInboundStreams: MAX_INBOUND_STREAMS, runOnLimitedConnection: false })
}

/** Asks `peerId` (over the connection the node holds; never dials) for the `count` storage nodes closest to `key`. */
export async function askClosest (libp2p: MeshLibp2p, peerId: PeerId, key: Uint8Array, count: number, signal: AbortSignal): Promise<ClosestPeerAnswer[]> {
  const connection = libp2p.getConnections(peerId).find(c => c.status === 'open' && c.limits == null)
  if (connection === undefined) throw new Error(`no open connection to ${peerId.toString()}`)
  let step = 'opening a stream'
  let stream: Stream | undefined
  try {
    stream = await connection.newStream(CLOSEST_PROTOCOL, { signal })
    const messages = lpStream(stream, { maxDataLength: MAX_CLOSEST_RESPONSE_BYTES, maxBufferSize: MAX_CLOSEST_RESPONSE_BYTES + 16 })
    step = 'sending the request'
    await messages.write(encodeClosestRequest({ key, count }), { signal })
    // The answer is read while our end closes: on WebRTC closing waits for the peer's acknowledgement of it, which
    // the answer does not need (the request is one frame), and a lookup must not wait on it.
    void stream.close({ signal }).catch(() => {})
    step = 'reading the answer'
    return parseAnswerPeers(decodeClosestResponse((await messages.read({ signal })).subarray()))
  } catch (error) {
    stream?.abort(error instanceof Error ? error : new Error(String(error)))
    throw new Error(`${step}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
}

/** The peers of an answer frame; a peer ID or address that does not parse is left out, the rest stands. */
export function parseAnswerPeers (peers: ClosestAnswerPeer[]): ClosestPeerAnswer[] {
  return peers.flatMap(p => {
    let id: string
    try {
      id = peerIdFromString(p.id).toString()
    } catch {
      return []
    }
    return [{ peerId: id, addrs: p.addrs.flatMap(bytes => { try { return [multiaddr(bytes)] } catch { return [] } }) }]
  })
}

/** Up to MAX_CLOSEST_ADDRS of a peer's addresses, those a browser can dial (WebRTC) first; the node's own for itself. */
export async function addressesOf (libp2p: MeshLibp2p, peerId: PeerId): Promise<Multiaddr[]> {
  let addrs: Multiaddr[]
  if (peerId.equals(libp2p.peerId)) addrs = libp2p.getMultiaddrs()
  else {
    try {
      addrs = (await libp2p.peerStore.get(peerId)).addresses.map(a => a.multiaddr)
    } catch {
      addrs = []
    }
  }
  const rank = (a: Multiaddr): number => a.toString().includes('/webrtc') ? 0 : 1
  return [...addrs].sort((a, b) => rank(a) - rank(b)).slice(0, MAX_CLOSEST_ADDRS)
}
