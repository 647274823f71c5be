/**
 * The relay against a crowd of fresh identities from one address: a real relay (libp2p, its HTTP port) on
 * loopback, real libp2p clients dialling it from distinct loopback source addresses (127.0.0.2 is "the attacker",
 * 127.0.0.3 "a user"). Per-address limits, reservations that end with their connection, the real remote address
 * at the gater, /api/status for outsiders, and the page's security headers.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bindWebSocketsTo, connectClient, hopStatus, STATUS_OK, type FloodClient } from '../bench/relay-flood-client.ts'
import { AddressList, clientAddress, limitKey } from './addresses.ts'
import { freeLoopbackPort } from './free-port.ts'
import { startRelay, type Relay, type RelayStatus } from './relay-node.ts'
import type { IncomingMessage } from 'node:http'

const ATTACKER = '127.0.0.2'
const USER = '127.0.0.3'
const PROXY = '127.0.0.4'

/** A GET from a chosen loopback source address, raw HTTP so the source can be bound. */
async function get (port: number, path: string, from: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Record<string, string>, body: string }> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from }, () => {
      socket.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
        Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n')
    })
    let raw = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => { raw += d })
    socket.on('error', reject)
    socket.on('end', () => {
      const [head = '', ...rest] = raw.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const hs: Record<string, string> = {}
      for (const l of lines) {
        const i = l.indexOf(':')
        hs[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim()
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: hs, body: rest.join('\r\n\r\n') })
    })
  })
}

async function waitFor (what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

describe('relay under a flood of fresh identities from one address', () => {
  let relay: Relay
  let port: number
  let dir: string
  const clients: FloodClient[] = []
  const reservations = (): number => (relay.libp2p.services.relay as { reservations: { size: number } }).reservations.size

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-limits-'))
    port = await freeLoopbackPort()
    relay = await startRelay({
      host: '127.0.0.1',
      port,
      dataDir: dir,
      webRoot: undefined,
      announceHosts: ['127.0.0.1'],
      maxReservations: 1024,
      maxConnections: 4096,
      iceServers: [],
      maxConnectionsPerAddress: 6,
      maxReservationsPerAddress: 4,
      // Only 127.0.0.1 is exempt here, so the other loopback addresses stand for remote clients.
      exemptLoopback: false,
      exemptAddresses: ['127.0.0.1/32'],
      statusToken: 'sesame',
      trustedProxies: [PROXY],
      warn: () => {}
    })
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async c => { await c.stop() }))
  })
  afterAll(async () => {
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const addr = (): string => relay.multiaddrs[0]!

  it('sees the client\'s own address, caps reservations per address, and still lets another address reserve', async () => {
    bindWebSocketsTo(ATTACKER)
    const answers: number[] = []
    for (let i = 0; i < 5; i++) {
      const c = await connectClient(addr())
      clients.push(c)
      answers.push(await c.reserve())
    }
    expect(answers.slice(0, 4)).toEqual([STATUS_OK, STATUS_OK, STATUS_OK, STATUS_OK])
    expect(answers[4]).not.toBe(STATUS_OK)
    const remote = relay.libp2p.getConnections().map(c => c.remoteAddr.toString())
    expect(remote.filter(a => a.startsWith(`/ip4/${ATTACKER}/`))).toHaveLength(5)

    bindWebSocketsTo(USER)
    const user = await connectClient(addr())
    clients.push(user)
    expect(await user.reserve()).toBe(STATUS_OK)
    expect(relay.limits.refused.reservations).toBeGreaterThanOrEqual(1)
  })

  it('believes X-Forwarded-For from a trusted proxy only', async () => {
    bindWebSocketsTo(PROXY, { 'x-forwarded-for': '203.0.113.7, 198.51.100.7' })
    const proxied = await connectClient(addr())
    clients.push(proxied)
    bindWebSocketsTo(ATTACKER, { 'x-forwarded-for': '198.51.100.8' })
    const spoofer = await connectClient(addr())
    clients.push(spoofer)
    const remoteOf = (peer: string): string[] => relay.libp2p.getConnections().filter(c => c.remotePeer.toString() === peer).map(c => c.remoteAddr.toString())
    await waitFor('the relay to register both connections', () => remoteOf(proxied.peerId).length > 0 && remoteOf(spoofer.peerId).length > 0)
    expect(remoteOf(proxied.peerId)[0]).toMatch(/^\/ip4\/198\.51\.100\.7\/tcp\/\d+\/ws/)
    expect(remoteOf(spoofer.peerId)[0]).toMatch(/^\/ip4\/127\.0\.0\.2\/tcp\/\d+\/ws/)
  })

  it('caps connections per address', async () => {
    await waitFor('earlier clients to leave', () => relay.libp2p.getConnections().length === 0)
    bindWebSocketsTo(ATTACKER)
    for (let i = 0; i < 6; i++) clients.push(await connectClient(addr()))
    await expect(connectClient(addr(), 3000)).rejects.toThrow()
    bindWebSocketsTo(USER)
    clients.push(await connectClient(addr()))
  })

  it('ends a reservation when its connection closes, so connect-reserve-leave fills no slots', async () => {
    await waitFor('earlier clients to leave', () => reservations() === 0 && relay.libp2p.getConnections().length === 0)
    bindWebSocketsTo(ATTACKER)
    for (let i = 0; i < 12; i++) {
      const c = await connectClient(addr())
      expect(await c.reserve()).toBe(STATUS_OK)
      await c.stop()
      await waitFor('the reservation to end', () => reservations() === 0)
    }
  })

  it('/api/status lists peer IDs to loopback-exempt callers and token holders only', async () => {
    bindWebSocketsTo(USER)
    const c = await connectClient(addr())
    clients.push(c)
    const outsider = JSON.parse((await get(port, '/api/status', ATTACKER)).body) as RelayStatus
    expect(outsider.connectedPeers).toEqual([])
    expect(outsider.peersHidden).toBe(true)
    expect(outsider.connectedPeerCount).toBeGreaterThanOrEqual(1)
    const wrongToken = JSON.parse((await get(port, '/api/status', ATTACKER, { authorization: 'Bearer nope' })).body) as RelayStatus
    expect(wrongToken.connectedPeers).toEqual([])
    const withToken = JSON.parse((await get(port, '/api/status', ATTACKER, { authorization: 'Bearer sesame' })).body) as RelayStatus
    expect(withToken.connectedPeers).toContain(c.peerId)
    const local = JSON.parse((await get(port, '/api/status', '127.0.0.1')).body) as RelayStatus
    expect(local.connectedPeers).toContain(c.peerId)
    expect(local.peersHidden).toBe(false)
  })

  it('sends security headers on every response', async () => {
    for (const path of ['/api/status', '/api/bootstrap', '/']) {
      const res = await get(port, path, USER)
      const csp = res.headers['content-security-policy'] ?? ''
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
      expect(csp).not.toContain('unsafe-inline')
      expect(csp).toContain(`ws://127.0.0.1:${port}`)
      expect(res.headers['referrer-policy']).toBe('no-referrer')
      expect(res.headers['strict-transport-security']).toBeUndefined()
    }
  })
})

describe('client addresses', () => {
  const req = (remote: string, xff?: string): IncomingMessage =>
    ({ socket: { remoteAddress: remote }, headers: xff == null ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage

  it('believes X-Forwarded-For only from trusted proxies, walking from the right', () => {
    const none = new AddressList()
    const proxy = new AddressList(['10.0.0.0/8'])
    expect(clientAddress(req('203.0.113.9', '1.2.3.4'), none)).toBe('203.0.113.9')
    expect(clientAddress(req('10.1.1.1', '1.2.3.4'), proxy)).toBe('1.2.3.4')
    // A client cannot choose its address by sending its own X-Forwarded-For through the proxy.
    expect(clientAddress(req('10.1.1.1', '6.6.6.6, 1.2.3.4'), proxy)).toBe('1.2.3.4')
    expect(clientAddress(req('10.1.1.1', '1.2.3.4, 10.2.2.2'), proxy)).toBe('1.2.3.4')
    expect(clientAddress(req('10.1.1.1', 'garbage'), proxy)).toBe('10.1.1.1')
    expect(clientAddress(req('::ffff:10.1.1.1', '1.2.3.4'), proxy)).toBe('1.2.3.4')
  })

  it('counts IPv6 clients by /64 and rejects malformed lists', () => {
    expect(limitKey('2001:db8:1:2:aaaa::1')).toBe(limitKey('2001:db8:1:2:bbbb::2'))
    expect(limitKey('2001:db8:1:2::1')).not.toBe(limitKey('2001:db8:1:3::1'))
    expect(limitKey('::ffff:1.2.3.4')).toBe('1.2.3.4')
    expect(() => new AddressList(['1.2.3.4/33'])).toThrow(/prefix/)
    expect(() => new AddressList(['example.com'])).toThrow(/not an IP/)
    expect(new AddressList(['127.0.0.0/8']).has('::ffff:127.0.0.5')).toBe(true)
  })

  it('reads the status of a HopMessage', () => {
    expect(hopStatus(Uint8Array.of(0x08, 0x02, 0x28, 0xc8, 0x01))).toBe(200)
  })
})
