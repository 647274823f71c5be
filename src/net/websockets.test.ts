import { createServer, type Server, type Socket } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { ping, type Ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { closingWebSockets } from './websockets.ts'

/** A TCP server that takes connections and never answers: a node too busy to finish a WebSocket handshake. */
async function silentServer (): Promise<{ server: Server, port: number, open: () => number, accepted: () => number, stop: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server = createServer(socket => {
    accepted++
    sockets.add(socket)
    // Read (and drop) whatever arrives, so that the client's end of the connection is seen.
    socket.resume()
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const stop = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy()
    await new Promise(resolve => server.close(resolve))
  }
  return { server, port, open: () => sockets.size, accepted: () => accepted, stop }
}

const stoppers: Array<() => Promise<void>> = []
afterEach(async () => { for (const stop of stoppers.splice(0)) await stop() })

async function node (listen: string[] = []): Promise<Awaited<ReturnType<typeof createLibp2p>>> {
  const libp2p = await createLibp2p({
    addresses: { listen },
    transports: [closingWebSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { ping: ping() }
  })
  stoppers.push(async () => { await libp2p.stop() })
  return libp2p
}

describe('closingWebSockets', () => {
  it('a dial given up before the handshake closes its socket', async () => {
    const silent = await silentServer()
    stoppers.push(silent.stop)
    const dialer = await node()
    const target = multiaddr(`/ip4/127.0.0.1/tcp/${silent.port}/ws`)
    for (let i = 0; i < 10; i++) {
      await expect(dialer.dial(target, { signal: AbortSignal.timeout(300), force: true })).rejects.toThrow()
    }
    expect(silent.accepted()).toBeGreaterThanOrEqual(10)
    const deadline = Date.now() + 3_000
    while (silent.open() > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    expect(silent.open()).toBe(0)
  })

  it('a dial that is not given up connects, and the connection carries streams', async () => {
    const listener = await node(['/ip4/127.0.0.1/tcp/0/ws'])
    const dialer = await node()
    const connection = await dialer.dial(listener.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) })
    expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
    expect(await (dialer.services.ping as Ping).ping(listener.getMultiaddrs()[0])).toBeGreaterThanOrEqual(0)
  })

  it('a dial to a port nobody listens on fails at once with a typed error', async () => {
    const free = await silentServer()
    await free.stop()
    const dialer = await node()
    await expect(dialer.dial(multiaddr(`/ip4/127.0.0.1/tcp/${free.port}/ws`), { signal: AbortSignal.timeout(5_000) }))
      .rejects.toThrow(/connect/i)
  })
})
