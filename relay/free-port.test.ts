import { createSocket } from 'node:dgram'
import { describe, expect, it } from 'vitest'
import { freeUdpPort } from './free-port.ts'

describe('freeUdpPort', () => {
  it('gives a UDP port on the host that a socket can then bind', async () => {
    for (let i = 0; i < 5; i++) {
      const port = await freeUdpPort('127.0.0.1')
      expect(port).toBeGreaterThan(0)
      const socket = createSocket('udp4')
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind(port, '127.0.0.1', () => { resolve() })
      })
      expect(socket.address().port).toBe(port)
      await new Promise<void>(resolve => socket.close(() => resolve()))
    }
  })

  it('fails for a host this machine does not have', async () => {
    await expect(freeUdpPort('192.0.2.1')).rejects.toThrow(/EADDRNOTAVAIL/)
  })
})
