import { describe, it, expect } from 'vitest'
import { parseBootstrapInfo, relayAddrFromUrl } from './bootstrap.ts'

const id = '12D3KooWGRUVh7ULyBYtNu7RV8zJuVQsDFUYGyHp1QG6qPMbV5ph'

describe('relay bootstrap', () => {
  it('builds the relay multiaddr from the URL the client used', () => {
    expect(relayAddrFromUrl(new URL('http://127.0.0.1:8080/'), id)).toBe(`/ip4/127.0.0.1/tcp/8080/ws/p2p/${id}`)
    expect(relayAddrFromUrl(new URL('http://localhost:9000/x?y'), id)).toBe(`/dns4/localhost/tcp/9000/ws/p2p/${id}`)
    expect(relayAddrFromUrl(new URL('https://zentalk.example/'), id)).toBe(`/dns4/zentalk.example/tcp/443/wss/p2p/${id}`)
    expect(relayAddrFromUrl(new URL('http://[::1]:8080/'), id)).toBe(`/ip6/::1/tcp/8080/ws/p2p/${id}`)
  })

  it('rejects a reply without peer ID', () => {
    expect(() => parseBootstrapInfo({ multiaddrs: [] })).toThrow(/peerId/)
    expect(parseBootstrapInfo({ peerId: id, multiaddrs: ['/a'] })).toEqual({ peerId: id, multiaddrs: ['/a'], iceServers: [] })
  })
})
