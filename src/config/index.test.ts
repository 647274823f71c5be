import { describe, it, expect } from 'vitest'
import { DEFAULT_SETTINGS, fromSearchParams, isLocalHost, parseIceServers, parseNodeSettings } from './index.ts'
import { InvalidConfigError } from '../errors/index.ts'

const parse = (query: string) => parseNodeSettings(fromSearchParams(new URLSearchParams(query)))
const relay = '/ip4/127.0.0.1/tcp/8080/ws/p2p/12D3KooWGRUVh7ULyBYtNu7RV8zJuVQsDFUYGyHp1QG6qPMbV5ph'

describe('node settings', () => {
  it('uses production defaults when nothing is given', () => {
    expect(parse('')).toEqual(DEFAULT_SETTINGS)
    expect(DEFAULT_SETTINGS.iceServers).toEqual([])
  })

  it('reads numbers, booleans and repeated relays from URL parameters', () => {
    const s = parse(`dialTimeoutMs=2500&targetPeers=8&allowPrivate=1&slot=3&relay=${encodeURIComponent(relay)}&relay=${encodeURIComponent(relay)}`)
    expect(s.dialTimeoutMs).toBe(2500)
    expect(s.targetPeers).toBe(8)
    expect(s.allowPrivate).toBe(true)
    expect(s.slot).toBe(3)
    expect(s.relay).toEqual([relay, relay])
    expect(parse('allowPrivate=false').allowPrivate).toBe(false)
  })

  it('keeps caller defaults unless overridden', () => {
    const s = parseNodeSettings(fromSearchParams(new URLSearchParams('lookupTimeoutMs=500')), { allowPrivate: true, lookupTimeoutMs: 9 })
    expect(s.allowPrivate).toBe(true)
    expect(s.lookupTimeoutMs).toBe(500)
  })

  it('rejects bad values with a typed error naming the setting', () => {
    expect(() => parse('dialTimeoutMs=fast')).toThrow(InvalidConfigError)
    expect(() => parse('dialTimeoutMs=fast')).toThrow(/dialTimeoutMs/)
    expect(() => parse('targetPeers=0')).toThrow(/between 1 and/)
    expect(() => parse('allowPrivate=maybe')).toThrow(InvalidConfigError)
    expect(() => parse('relay=/ip4/1.2.3.4/tcp/1')).toThrow(/p2p/)
    expect(() => parse('iceServers=http://x')).toThrow(/stun/)
    expect(() => parse('iceServers=[oops')).toThrow(/JSON/)
  })

  it('parses ICE servers as a URL list or JSON', () => {
    expect(parseIceServers('none')).toEqual([])
    expect(parseIceServers('stun:127.0.0.1:3478, turn:127.0.0.1:3478')).toEqual([{ urls: 'stun:127.0.0.1:3478' }, { urls: 'turn:127.0.0.1:3478' }])
    expect(parseIceServers('[{"urls":"turn:h:3478","username":"u","credential":"c"}]')).toEqual([{ urls: 'turn:h:3478', username: 'u', credential: 'c' }])
  })

  it('recognises local hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.8.9.1', '[::1]', '10.1.2.3', '192.168.1.1', '172.20.0.1']) expect(isLocalHost(h)).toBe(true)
    for (const h of ['zentalk.example', '8.8.8.8', '172.32.0.1']) expect(isLocalHost(h)).toBe(false)
  })
})
