import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

/** A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it; it is released before returning). */
export async function freeLoopbackPort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/**
 * A UDP port on `host` that nothing is bound to right now (the OS picks it; it is released before returning). A
 * WebRTC-Direct listener given port 0 picks its port by a TCP probe, which says nothing of UDP: on a machine busy with
 * WebRTC (every connection holds UDP ports) such a port was sometimes taken, and the node failed to start.
 */
export async function freeUdpPort (host: string): Promise<number> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  return await new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, host, () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })
}
