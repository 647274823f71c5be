import { describe, it, expect } from 'vitest'
import { DEFAULT_SETTINGS, fromSearchParams, isLocalHost, pageNotice, pageSettings, parseIceServers, parseNodeSettings } from './index.ts'
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

  it('reads an inbox\'s budget, and refuses a strangers\' allowance that is not below the whole', () => {
    const s = parse('inboxMaxObjects=100&inboxStrangerObjects=10&inboxStrangerRate=5')
    expect([s.inboxMaxObjects, s.inboxStrangerObjects, s.inboxStrangerRate]).toEqual([100, 10, 5])
    expect(() => parse('inboxMaxObjects=100&inboxStrangerObjects=100')).toThrow(/inboxStrangerObjects \(100\) must be below inboxMaxObjects/)
    expect(() => parse('inboxStrangerObjects=5000')).toThrow(InvalidConfigError) // the default whole is 4096
  })

  it('reads the grace before an offline holder counts as lost (0 to 30 days) and the repair threshold (k to k + m - 1)', () => {
    expect([parse('').lostAfterMs, parse('').repairThreshold]).toEqual([0, undefined])
    expect(parse('lostAfterMs=604800000&repairThreshold=12')).toMatchObject({ lostAfterMs: 604_800_000, repairThreshold: 12 })
    expect(parse('lostAfterMs=2592000000').lostAfterMs).toBe(2_592_000_000)
    expect(() => parse('lostAfterMs=2592000001')).toThrow(/lostAfterMs must be between 0 and 2592000000/)
    expect(() => parse('lostAfterMs=-1')).toThrow(InvalidConfigError)
    expect(parse('repairThreshold=10').repairThreshold).toBe(10)
    expect(parse('repairThreshold=14').repairThreshold).toBe(14)
    expect(() => parse('repairThreshold=9')).toThrow(/repairThreshold must be from k to k \+ m - 1 for every stripe \(10\+5: 10 to 14\), got 9/)
    expect(() => parse('repairThreshold=15')).toThrow(InvalidConfigError)
    expect(() => parse('repairThreshold=twelve')).toThrow(InvalidConfigError)
    // Checked against every stripe the node repairs.
    expect(parse('stripes=10%2B5,12%2B6&repairThreshold=13').repairThreshold).toBe(13)
    expect(() => parse('stripes=10%2B5,12%2B6&repairThreshold=11')).toThrow(/\(12\+6: 12 to 17\)/)
  })

  it('reads the stripe of a namespace, which the node then also accepts', () => {
    expect(parse('').namespaceStripes).toEqual([])
    const s = parse(`namespaceStripes=${encodeURIComponent('zentalk/history/v1=10+20,zentalk/inbox/v1/=10+20')}`)
    expect(s.namespaceStripes).toEqual([
      { namespace: 'zentalk/history/v1', stripe: { k: 10, m: 20 } },
      { namespace: 'zentalk/inbox/v1/', stripe: { k: 10, m: 20 } }
    ])
    expect(s.stripes).toEqual([{ k: 10, m: 5 }, { k: 10, m: 20 }])
    // Given stripes keep their order; a namespace's stripe already among them is not added twice.
    expect(parse(`stripes=${encodeURIComponent('10+20,10+5')}&namespaceStripes=${encodeURIComponent('zentalk/history/v1=10+20')}`).stripes)
      .toEqual([{ k: 10, m: 20 }, { k: 10, m: 5 }])
    for (const bad of ['zentalk/history/v1', 'zentalk/history/v1=10', '=10+20', 'zentalk/history/v1=0+5', 'a=10+5,a=10+20', 'zentalk/history/v1=200+100']) {
      expect(() => parse(`namespaceStripes=${encodeURIComponent(bad)}`), bad).toThrow(InvalidConfigError)
    }
    expect(() => parse(`namespaceStripes=${encodeURIComponent('a=10+5,a=10+20')}`)).toThrow('namespaceStripes names a twice')
  })

  it('reads the operator holders of a stripe placed by class', () => {
    expect(parse('').operatorHolders).toEqual([])
    expect(parse(`operatorHolders=${encodeURIComponent('10+20=14,10+5=5')}`).operatorHolders).toEqual([{ k: 10, m: 20, operators: 14 }, { k: 10, m: 5, operators: 5 }])
    for (const bad of ['14', '10+20', '10+20=0', '10+20=31', '10+20=14,10+20=12', '0+5=1']) {
      expect(() => parse(`operatorHolders=${encodeURIComponent(bad)}`), bad).toThrow(InvalidConfigError)
    }
  })

  it('reads a repair threshold per stripe next to the one for every other stripe', () => {
    const wide = `namespaceStripes=${encodeURIComponent('zentalk/history/v1=10+20')}`
    expect(parse(`${wide}&repairThreshold=${encodeURIComponent('12,10+20=23')}`)).toMatchObject({ repairThreshold: 12, repairThresholds: [{ k: 10, m: 20, threshold: 23 }] })
    expect(parse(`${wide}&repairThreshold=${encodeURIComponent('10+20=23')}`)).toMatchObject({ repairThreshold: undefined, repairThresholds: [{ k: 10, m: 20, threshold: 23 }] })
    // The one for all is checked only against the stripes without their own.
    expect(() => parse(`${wide}&repairThreshold=23`)).toThrow(/\(10\+5: 10 to 14\), got 23/)
    expect(() => parse(`${wide}&repairThreshold=${encodeURIComponent('12,10+20=30')}`)).toThrow('repairThreshold of stripe 10+20 must be from 10 to 29, got 30')
    expect(() => parse(`repairThreshold=${encodeURIComponent('10+20=23')}`)).toThrow(/names stripe 10\+20, which this node does not accept/)
    expect(() => parse(`${wide}&repairThreshold=${encodeURIComponent('10+20=23,10+20=24')}`)).toThrow(/twice/)
    expect(() => parse(`${wide}&repairThreshold=${encodeURIComponent('12,13')}`)).toThrow(InvalidConfigError)
  })

  it('reads the grace of tab holders (0 to 30 days); unset, the repairer uses lostAfterMs for tabs too', () => {
    expect(parse('').tabLostAfterMs).toBeUndefined()
    expect(parse('lostAfterMs=259200000')).toMatchObject({ lostAfterMs: 259_200_000, tabLostAfterMs: undefined })
    expect(parse('lostAfterMs=259200000&tabLostAfterMs=604800000')).toMatchObject({ lostAfterMs: 259_200_000, tabLostAfterMs: 604_800_000 })
    expect(parse('tabLostAfterMs=0').tabLostAfterMs).toBe(0)
    expect(parse('tabLostAfterMs=2592000000').tabLostAfterMs).toBe(2_592_000_000)
    expect(() => parse('tabLostAfterMs=2592000001')).toThrow(InvalidConfigError)
    expect(() => parse('tabLostAfterMs=2592000001')).toThrow(/tabLostAfterMs must be between 0 and 2592000000, got 2592000001/)
    expect(() => parse('tabLostAfterMs=-1')).toThrow(/tabLostAfterMs must be between 0 and/)
    expect(() => parse('tabLostAfterMs=7d')).toThrow(/tabLostAfterMs must be a whole number/)
    expect(parseNodeSettings(fromSearchParams(new URLSearchParams('tabLostAfterMs=5')), { tabLostAfterMs: 9 }).tabLostAfterMs).toBe(5)
  })

  it('reads how many shards of an object a store may hedge: none by default', () => {
    expect(parse('').storeHedges).toBe(0)
    expect(parse('storeHedges=5').storeHedges).toBe(5)
    expect(() => parse('storeHedges=-1')).toThrow(/storeHedges must be between 0 and 255/)
    expect(() => parse('storeHedges=all')).toThrow(/storeHedges must be a whole number/)
  })

  it('reads a connection budget: none by default, at least 4', () => {
    expect(parse('').connectionBudget).toBeUndefined()
    expect(parse('connectionBudget=48').connectionBudget).toBe(48)
    expect(parseNodeSettings(fromSearchParams(new URLSearchParams('connectionBudget=16')), { connectionBudget: 48 }).connectionBudget).toBe(16)
    expect(() => parse('connectionBudget=3')).toThrow(/connectionBudget must be between 4 and/)
    expect(() => parse('connectionBudget=lots')).toThrow(InvalidConfigError)
  })

  it('reads the node-ID work: 10 bits by default, 0 to 24', () => {
    expect(parse('').nodeIdWorkBits).toBe(10)
    expect(parse('nodeIdWorkBits=0').nodeIdWorkBits).toBe(0)
    expect(parse('nodeIdWorkBits=16').nodeIdWorkBits).toBe(16)
    expect(() => parse('nodeIdWorkBits=25')).toThrow(/nodeIdWorkBits must be between 0 and 24/)
    expect(() => parse('nodeIdWorkBits=-1')).toThrow(InvalidConfigError)
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

describe('page settings: who may choose the mesh', () => {
  const evil = '/dns4/evil.example/tcp/443/wss/p2p/12D3KooWGRUVh7ULyBYtNu7RV8zJuVQsDFUYGyHp1QG6qPMbV5ph'
  const query = `relay=${encodeURIComponent(evil)}&iceServers=${encodeURIComponent('turn:evil.example:3478')}&dialTimeoutMs=2500`
  const settingsOf = (q: string, host: string) => parseNodeSettings(pageSettings(new URLSearchParams(q), host).source)

  it('ignores relay and iceServers from the URL of a page served from a public host, keeping the other settings', () => {
    const page = pageSettings(new URLSearchParams(query), 'chat.example.org')
    expect(page).toMatchObject({ developer: false, ignored: ['relay', 'iceServers'] })
    const s = parseNodeSettings(page.source)
    expect(s.relay).toEqual([])
    expect(s.iceServers).toEqual([])
    expect(s.dialTimeoutMs).toBe(2500)
    const notice = pageNotice(page, ['/dns4/chat.example.org/tcp/443/wss/p2p/12D3KooWServed'])
    expect(notice?.kind).toBe('ignored')
    expect(notice?.text).toContain('relay, iceServers')
    expect(notice?.text).not.toContain('evil.example')
  })

  it('honours them on loopback and private hosts, as local development and tests use, without a banner', () => {
    for (const host of ['127.0.0.1', 'localhost', '192.168.1.20', '[::1]']) {
      const page = pageSettings(new URLSearchParams(query), host)
      expect(page.ignored).toEqual([])
      expect(settingsOf(query, host).relay).toEqual([evil])
      expect(settingsOf(query, host).iceServers).toEqual([{ urls: 'turn:evil.example:3478' }])
      expect(pageNotice(page, [evil])).toBeUndefined()
    }
  })

  it('honours them anywhere with developer=1, and then warns, naming the relay in use', () => {
    const page = pageSettings(new URLSearchParams(`${query}&developer=1`), 'chat.example.org')
    expect(page).toMatchObject({ developer: true, ignored: [] })
    expect(parseNodeSettings(page.source).relay).toEqual([evil])
    const notice = pageNotice(page, [evil])
    expect(notice?.kind).toBe('developer')
    expect(notice?.text).toContain(evil)
    expect(notice?.text).toContain('STUN/TURN')
    // The switch alone, on a local page: the served relay, still named in the warning.
    const served = '/ip4/127.0.0.1/tcp/8080/ws/p2p/12D3KooWServed'
    expect(pageNotice(pageSettings(new URLSearchParams('developer=1'), '127.0.0.1'), [served])?.text).toContain(served)
    // A long list of relays is summed up rather than filling the page.
    const many = Array.from({ length: 50 }, (_, i) => `${evil}${i}`)
    expect(pageNotice(page, many)?.text).toContain('and 47 more')
  })

  it('does not take developer=0 as the switch, refuses a value that is not a boolean, and says nothing without mesh parameters', () => {
    expect(pageSettings(new URLSearchParams(`${query}&developer=0`), 'chat.example.org').ignored).toEqual(['relay', 'iceServers'])
    expect(() => pageSettings(new URLSearchParams('developer=maybe'), 'chat.example.org')).toThrow(InvalidConfigError)
    expect(pageNotice(pageSettings(new URLSearchParams('dialTimeoutMs=2500'), 'chat.example.org'), ['/x/p2p/y'])).toBeUndefined()
    expect(pageSettings(new URLSearchParams('iceServers=none'), 'chat.example.org').ignored).toEqual(['iceServers'])
  })
})
