import { afterAll, describe, expect, it, vi } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { startMemoryLibp2p, TEST_LIBP2P_LIMITS } from '../testing/memory-libp2p.ts'
import { KAD_PROTOCOL } from '../wire/index.ts'
import type { PrivateKey, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import { connectionPingIntervalFor, createMeshLibp2p, dialable, DHT_SELF_QUERY_INTERVAL_MS, DHT_TABLE_REFRESH_INTERVAL_MS, preferredAddressesFirst, type MeshLibp2p } from './libp2p.ts'

describe('idle cost settings of the libp2p assembly', () => {
  let node: MeshLibp2p | undefined
  afterAll(async () => { await node?.stop() })

  it('pings connections a fifth of the health interval apart, 15 to 60 s', () => {
    expect(connectionPingIntervalFor(2_000)).toBe(15_000)
    expect(connectionPingIntervalFor(100_000)).toBe(20_000)
    expect(connectionPingIntervalFor(300_000)).toBe(60_000)
    expect(connectionPingIntervalFor(3_600_000)).toBe(60_000)
  })

  it('applies the ping interval, slows kad-dht\'s periodic self-query and table refresh, and lets lookups start without its first self-query in a built node', async () => {
    node = await createMeshLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      ...TEST_LIBP2P_LIMITS,
      userAgent: 'zentalk-libp2p-test',
      connectionPingIntervalMs: connectionPingIntervalFor(100_000)
    })
    await node.start()
    const internals = node as unknown as { components: { connectionMonitor?: { pingIntervalMs?: number } } }
    const dht = node.services.dht as unknown as { routingTableRefresh: { refreshInterval: number }, querySelf: { interval: number }, queryManager: { initialQuerySelfHasRun?: unknown } }
    // These are kad-dht's and libp2p's private fields: a release that renames them must fail here, not silently
    // bring back the idle cost.
    expect(internals.components.connectionMonitor?.pingIntervalMs).toBe(20_000)
    expect(dht.routingTableRefresh.refreshInterval).toBe(DHT_TABLE_REFRESH_INTERVAL_MS)
    expect(dht.querySelf.interval).toBe(DHT_SELF_QUERY_INTERVAL_MS)
    // Lookups do not wait for kad-dht's first self-query (up to 5 s in a mesh smaller than its bucket size).
    expect('initialQuerySelfHasRun' in dht.queryManager).toBe(true)
    expect(dht.queryManager.initialQuerySelfHasRun).toBeUndefined()
  })
})

describe('peer store writes of a built node', () => {
  const nodes: MeshLibp2p[] = []
  afterAll(async () => { await Promise.all(nodes.map(async node => { await node.stop() })) })

  async function memoryNode (name: string): Promise<MeshLibp2p> {
    const node = await startMemoryLibp2p(`peer-store-writes-${name}`)
    nodes.push(node)
    return node
  }

  it('streams to a peer whose protocols the store already holds do not rewrite its record', async () => {
    const dialer = await memoryNode('dialer')
    const listener = await memoryNode('listener')
    // libp2p's own datastore (private): count writes of peer records.
    const datastore = (dialer as unknown as { components: { datastore: { put: (key: { toString: () => string }, ...rest: unknown[]) => unknown } } }).components.datastore
    const put = datastore.put.bind(datastore)
    let recordWrites = 0
    datastore.put = (key, ...rest) => {
      if (key.toString().startsWith('/peers/')) recordWrites++
      return put(key, ...rest)
    }
    const writesOfPings = async (pings: number): Promise<number> => {
      const before = recordWrites
      for (let i = 0; i < pings; i++) await dialer.services.ping.ping(listener.peerId)
      return recordWrites - before
    }
    await dialer.services.ping.ping(listener.getMultiaddrs()[0])
    // A new connection brings writes of its own (identify, the DHT's tags): let them pass first.
    for (let settling = 0; settling < 50 && await writesOfPings(3) > 0; settling++);
    expect(await writesOfPings(5)).toBe(0)
    expect((await dialer.peerStore.get(listener.peerId)).protocols).toContain('/ipfs/ping/1.0.0')
  })
})

describe('a node whose relay goes away', () => {
  const nodes: MeshLibp2p[] = []
  afterAll(async () => { await Promise.all(nodes.map(async node => { await node.stop() })) })

  async function wsNode (init: { relayServer?: boolean, relayIds?: Set<string>, privateKey?: PrivateKey, listen?: string } = {}): Promise<MeshLibp2p> {
    const node = await createMeshLibp2p({
      privateKey: init.privateKey ?? await generateKeyPair('Ed25519'),
      listen: init.relayServer === true ? [init.listen ?? '/ip4/127.0.0.1/tcp/0/ws'] : ['/ip4/127.0.0.1/tcp/0/ws', '/p2p-circuit'],
      ...TEST_LIBP2P_LIMITS,
      webrtc: false,
      dialWebSocketPeers: true,
      relayPeerIds: () => init.relayIds ?? new Set(),
      ...(init.relayServer === true ? { relayServer: { maxReservations: 10, reservationTtlMs: 60_000 } } : {}),
      userAgent: 'zentalk-libp2p-test'
    })
    await node.start()
    nodes.push(node)
    return node
  }

  const RESERVATION_WAIT = { timeout: 10_000, interval: 50 }
  const hasRelayedAddress = (node: MeshLibp2p): boolean => node.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit'))

  it('does not walk the DHT looking for another relay: a peer it is connected to gets no stream of lookups; it reserves again once the relay is back', async () => {
    const relayKey = await generateKeyPair('Ed25519')
    const relay = await wsNode({ relayServer: true, privateKey: relayKey })
    const relayAddr = relay.getMultiaddrs()[0]
    const relayIds = new Set([relay.peerId.toString()])
    const node = await wsNode({ relayIds })
    const peer = await wsNode({ relayIds })
    await node.dial(relayAddr)
    await peer.dial(relayAddr)
    await node.dial(peer.getMultiaddrs()[0])
    await vi.waitFor(() => { expect(hasRelayedAddress(node)).toBe(true) }, RESERVATION_WAIT)
    // Count the DHT requests the peer receives (one stream each), through libp2p's registrar.
    const registrar = (peer as unknown as { components: { registrar: { getHandler: (protocol: string) => { handler: StreamHandler, options: StreamHandlerOptions } } } }).components.registrar
    const { handler, options } = registrar.getHandler(KAD_PROTOCOL)
    let requests = 0
    await peer.unhandle(KAD_PROTOCOL)
    await peer.handle(KAD_PROTOCOL, async (stream, connection) => { requests++; await handler(stream, connection) }, options)
    await new Promise(resolve => setTimeout(resolve, 1_000))
    const whileRelayUp = requests
    await relay.stop()
    await new Promise(resolve => setTimeout(resolve, 3_000))
    // Before, the circuit-relay transport walked the DHT for random IDs without pause until some relay turned up.
    expect(requests - whileRelayUp).toBeLessThan(10)
    expect(hasRelayedAddress(node)).toBe(false)
    // The relay comes back (same key, same address) and the node dials it, as its peer keeper does: the transport
    // reserves on it again without any walk.
    const back = await wsNode({ relayServer: true, privateKey: relayKey, listen: relayAddr.decapsulate('/p2p').toString() })
    await node.dial(back.getMultiaddrs()[0])
    await vi.waitFor(() => { expect(hasRelayedAddress(node)).toBe(true) }, RESERVATION_WAIT)
  })
})

describe('dial policy', () => {
  const relay = '12D3KooWRqnRk4sZKbLSbfpnY3TKnMmgAZgCHQJ2rFyZPjyE5bGs'
  const peer = '12D3KooWDJ3YHhA7ZAttKf6vCxBB1yqrMzbSXgXDNzU6Qwkbc8HW'
  const relayWs = `/ip4/127.0.0.1/tcp/8080/ws/p2p/${relay}`
  const base = { allowPrivateAddresses: true, isRelayAddress: (ma: ReturnType<typeof multiaddr>) => ma.toString().endsWith(relay) }
  const can = (addr: string, policy: Partial<Parameters<typeof dialable>[1]> = {}): boolean => dialable(multiaddr(addr), { ...base, ...policy })

  it('reaches peers over WebRTC through the relay, never over a plain relayed connection unless the peer is named for it', () => {
    expect(can(`${relayWs}/p2p-circuit/webrtc/p2p/${peer}`)).toBe(true)
    expect(can(`${relayWs}/p2p-circuit/p2p/${peer}`)).toBe(false)
    expect(can(`${relayWs}/p2p-circuit/p2p/${peer}`, { relayedDialPeers: new Set([peer]) })).toBe(true)
    expect(can(`${relayWs}/p2p-circuit/p2p/${relay}`, { relayedDialPeers: new Set([peer]) })).toBe(false)
  })

  it('a node without WebRTC dials no WebRTC address; plain WebSockets only to the relay unless allowed', () => {
    expect(can(`${relayWs}/p2p-circuit/webrtc/p2p/${peer}`, { webrtc: false })).toBe(false)
    expect(can(relayWs, { webrtc: false })).toBe(true)
    expect(can(`/ip4/127.0.0.1/tcp/9000/ws/p2p/${peer}`)).toBe(false)
    expect(can(`/ip4/127.0.0.1/tcp/9000/ws/p2p/${peer}`, { webrtc: false, dialWebSocketPeers: true })).toBe(true)
    expect(can(`/ip4/127.0.0.1/tcp/9000/ws/p2p/${peer}`, { dialWebSocketPeers: true, allowPrivateAddresses: false })).toBe(false)
  })

  it('a tab dials WebRTC-Direct addresses (which need WebRTC), and tries them before relay-signalled WebRTC; headless nodes do not', () => {
    const direct = `/ip4/127.0.0.1/udp/9001/webrtc-direct/certhash/uEiAyLk6p5ybHGnYZWjEFJvi448ZVCwRPFkhKTzqNDBBzfA/p2p/${peer}`
    const signalled = `${relayWs}/p2p-circuit/webrtc/p2p/${peer}`
    const ws = `/ip4/127.0.0.1/tcp/9000/ws/p2p/${peer}`
    expect(can(direct, { dialWebRTCDirect: true })).toBe(true)
    expect(can(direct, { dialWebRTCDirect: true, webrtc: false })).toBe(false)
    // Headless nodes do not dial it (they reach each other over WebSockets).
    expect(can(direct)).toBe(false)
    const order = (addrs: string[]): string[] => addrs.map(a => ({ multiaddr: multiaddr(a), isCertified: false }))
      .sort(preferredAddressesFirst).map(a => a.multiaddr.toString())
    expect(order([signalled, direct])).toEqual([direct, signalled])
    // Headless nodes, which dial WebSockets, reach each other over them first.
    expect(order([signalled, direct, ws])).toEqual([ws, direct, signalled])
  })
})
