import { afterAll, describe, expect, it } from 'vitest'
import { createStorageNodes, connectTo, stopNodes, type MeshNode } from '../testing/object-mesh.ts'
import { isMuxerClosed, isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import { createTestNode } from '../testing/chunk-nodes.ts'
import { STORAGE_NODE_PROTOCOL } from '../wire/index.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { kadIdOf, rankByDistance } from '../placement/index.ts'
import { agentWithBudget, agentWithStorage, budgetOfAgent, DISCOVERY_MAX_BACKOFF, holderClassOfAgent, KAD_KEEP_ALIVE_TAG, PeerKeeper, storageOfAgent, TAB_AGENT_PREFIX, WEBRTC_LOST_CONTACT_MS, webRtcState } from './peer-keeper.ts'
import { serveClosest } from './closest-protocol.ts'

async function until (what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('PeerKeeper over real libp2p nodes', () => {
  let nodes: MeshNode[] = []
  let keeper: PeerKeeper | undefined

  afterAll(async () => {
    keeper?.stop()
    await stopNodes(nodes)
  })

  it('replaces a connection whose stream muxer closed under it (the peer went away from it) with a working one', async () => {
    nodes = await createStorageNodes(2)
    const [a, b] = nodes
    await connectTo(a, [b])
    await until('b sees the connection', () => b.libp2p.getConnections(a.libp2p.peerId).length > 0)
    // b can only dial a again once identify told it a's listen address (a dialled b).
    let knowsAddress = false
    const checkAddress = setInterval(() => {
      void b.libp2p.peerStore.get(a.libp2p.peerId).then(peer => { knowsAddress = peer.addresses.length > 0 }, () => {})
    }, 20)
    try {
      await until('b knows a\'s address', () => knowsAddress)
    } finally {
      clearInterval(checkAddress)
    }
    // A side that ends its muxer leaves the other side's connection "open" with a closed muxer: libp2p keeps it
    // until a ping times out, and every stream on it fails meanwhile.
    await (a.libp2p.getConnections(b.libp2p.peerId)[0] as unknown as { muxer: { close: () => Promise<void> } }).muxer.close()
    await until('b\'s muxer is closed', () => b.libp2p.getConnections(a.libp2p.peerId).some(isMuxerClosed))
    const broken = b.libp2p.getConnections(a.libp2p.peerId).find(isMuxerClosed)!
    expect(broken.status).toBe('open')
    expect(isUsableConnection(broken)).toBe(false)
    await expect(broken.newStream('/ipfs/ping/1.0.0')).rejects.toThrow(/muxer/)

    keeper = new PeerKeeper(b.libp2p as unknown as MeshLibp2p, {
      relayAddrs: [], intervalMs: 100, discoveryIntervalMs: 3_600_000, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4
    })
    keeper.start()
    await until('the broken connection is gone', () => broken.status !== 'open')
    await until('b holds a working connection to a again', () => b.libp2p.getConnections(a.libp2p.peerId).some(isUsableConnection))
    const working = b.libp2p.getConnections(a.libp2p.peerId).find(isUsableConnection)!
    expect(working).not.toBe(broken)
    const stream = await working.newStream('/ipfs/ping/1.0.0')
    await stream.close()
  })

  it('ends a WebRTC connection whose peer connection lost contact for a few seconds, and not one that recovers', async () => {
    keeper?.stop()
    const [a, b] = nodes
    await until('b holds a working connection to a', () => b.libp2p.getConnections(a.libp2p.peerId).some(isUsableConnection))
    const connection = b.libp2p.getConnections(a.libp2p.peerId).find(isUsableConnection)!
    // The state a WebRTC connection's RTCPeerConnection reports; these nodes talk over TCP, so it is set by hand where
    // @libp2p/webrtc keeps it (a crashed peer's WebRTC connection goes 'disconnected' and stays open in libp2p).
    const peerConnection = { connectionState: 'connected' }
    ;(connection as unknown as { maConn: { peerConnection: unknown } }).maConn.peerConnection = peerConnection
    expect(webRtcState(connection)).toBe('connected')
    keeper = new PeerKeeper(b.libp2p as unknown as MeshLibp2p, {
      relayAddrs: [], intervalMs: 100, discoveryIntervalMs: 3_600_000, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4
    })
    keeper.start()
    // A blip shorter than the limit: the connection stays.
    peerConnection.connectionState = 'disconnected'
    await new Promise(resolve => setTimeout(resolve, WEBRTC_LOST_CONTACT_MS / 2))
    peerConnection.connectionState = 'connected'
    await new Promise(resolve => setTimeout(resolve, WEBRTC_LOST_CONTACT_MS))
    expect(connection.status).toBe('open')
    // Lost for good: ended once the limit has passed, not before.
    const lostAt = Date.now()
    peerConnection.connectionState = 'disconnected'
    await until('the connection that lost contact is ended', () => connection.status !== 'open', 3 * WEBRTC_LOST_CONTACT_MS)
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(WEBRTC_LOST_CONTACT_MS)
  }, 30_000)
})

describe('PeerKeeper tab classification', () => {
  it('knows which peers are browser tabs from the agent they announce in identify', async () => {
    const node = await createTestNode()
    const tab = await createTestNode({ userAgent: `${TAB_AGENT_PREFIX}0.1.0 Mozilla/5.0 (test)` })
    const other = await createTestNode()
    const keeper = new PeerKeeper(node.libp2p as unknown as MeshLibp2p, {
      relayAddrs: [], intervalMs: 100, discoveryIntervalMs: 3_600_000, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4
    })
    keeper.start()
    try {
      await node.libp2p.dial(tab.libp2p.getMultiaddrs()[0])
      await node.libp2p.dial(other.libp2p.getMultiaddrs()[0])
      await until('the tab is known as one', () => keeper.tabPeers.has(tab.libp2p.peerId.toString()))
      // Identified: its agent is known (a fixed pause after the connection opened was too short on a loaded machine).
      await until('the other node is identified', () => keeper.classOf(other.libp2p.peerId.toString()) !== 'unknown')
      expect(keeper.tabPeers.has(other.libp2p.peerId.toString())).toBe(false)
      // One class per peer for repair: the tab, the headless node, and a peer never identified.
      expect([tab, other].map(peer => keeper.classOf(peer.libp2p.peerId.toString()))).toEqual(['tab', 'operator'])
      expect(keeper.classOf(node.libp2p.peerId.toString())).toBe('unknown')
    } finally {
      keeper.stop()
      await Promise.all([node, tab, other].map(async n => { await n.libp2p.stop() }))
    }
  })
})

describe('PeerKeeper discovery pace', () => {
  let nodes: MeshNode[] = []
  let keeper: PeerKeeper | undefined

  afterAll(async () => {
    keeper?.stop()
    await stopNodes(nodes)
  })

  it('backs DHT discovery off while it finds nobody new, and returns to its pace when a new storage node appears nearby', async () => {
    nodes = await createStorageNodes(3, { dht: true })
    for (const n of nodes) await n.libp2p.handle(STORAGE_NODE_PROTOCOL, async (stream) => { await stream.close() })
    const [a, b, c] = nodes
    let lookups = 0
    const dht = (a.libp2p as unknown as MeshLibp2p).services.dht
    const getClosestPeers = dht.getClosestPeers.bind(dht)
    dht.getClosestPeers = (...args) => { lookups++; return getClosestPeers(...args) }
    const baseMs = 300
    keeper = new PeerKeeper(a.libp2p as unknown as MeshLibp2p, {
      relayAddrs: [], intervalMs: 50, discoveryIntervalMs: baseMs, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4
    })
    keeper.start()
    await connectTo(a, [b])
    await until('a knows b as a storage node', () => keeper!.storagePeers.has(b.peerId))
    // Quiet lookups double the pause up to its cap.
    await until('discovery backed off to its cap', () => keeper!.discoveryPause() === baseMs * DISCOVERY_MAX_BACKOFF, 20_000)
    // At the cap, one discovery (two lookups) per 2.4 s: at most two rounds in 3 s, against ten at the base pace.
    lookups = 0
    await new Promise(resolve => setTimeout(resolve, 3_000))
    expect(lookups).toBeLessThanOrEqual(4)

    // A storage node arriving far from a (not among its 20 nearest) leaves the pace alone: in a large mesh
    // newcomers elsewhere arrive all the time.
    const known = await Promise.all(Array.from({ length: 30 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
    const self = kadIdOf(a.peerId)
    const byDistance = rankByDistance(self, known.map(p => p.toString()), kadIdOf).map(r => r.item)
    for (const id of byDistance.slice(0, 29)) keeper.storagePeers.add(id)
    const far = known.find(p => p.toString() === byDistance[29])!
    a.libp2p.safeDispatchEvent('peer:identify', { detail: { peerId: far, protocols: [STORAGE_NODE_PROTOCOL], agentVersion: 'zentalk-storage-node/0.1.0', listenAddrs: [], connection: undefined as never } })
    expect(keeper.storagePeers.has(far.toString())).toBe(true)
    expect(keeper.discoveryPause()).toBe(baseMs * DISCOVERY_MAX_BACKOFF)
    for (const id of byDistance) keeper.storagePeers.delete(id)

    // A new storage node: discovery returns to its base pace.
    await connectTo(c, [a])
    await until('a knows c as a storage node', () => keeper!.storagePeers.has(c.peerId))
    expect(keeper.discoveryPause()).toBeLessThanOrEqual(2 * baseMs)
  })
})

describe('the storage a tab announces in its agent', () => {
  const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
  const TAB = `${TAB_AGENT_PREFIX}0.1.0 ${BROWSER}`

  it('reads persistent or best-effort storage back, before or after a budget, and nothing from agents that do not say', () => {
    expect(storageOfAgent(agentWithStorage(TAB, true))).toBe('persistent')
    expect(storageOfAgent(agentWithStorage(TAB, false))).toBe('best-effort')
    // The node appends its budget after the storage token; both read back.
    const budgeted = agentWithBudget(agentWithStorage(TAB, false), 8)
    expect(budgeted).toBe(`${TAB} storage/best-effort budget/8`)
    expect([storageOfAgent(budgeted), budgetOfAgent(budgeted)]).toEqual(['best-effort', 8])
    expect(storageOfAgent(`${agentWithBudget(TAB, 8)} storage/persistent`)).toBe('persistent')
    // Tabs of older versions, headless nodes and a storage that was not asked: nothing said.
    expect(agentWithStorage(TAB, undefined)).toBe(TAB)
    for (const agent of [TAB, agentWithBudget(TAB, 8), 'zentalk-storage-node/0.1.0', 'zentalk-storage-node/0.1.0 sim', '']) {
      expect(storageOfAgent(agent)).toBeUndefined()
    }
    // Only the whole token counts.
    for (const agent of [`${TAB} storage/`, `${TAB} storage/persistently`, `${TAB} storage/best-effortless budget/8`, `${TAB}storage/best-effort`]) {
      expect(storageOfAgent(agent)).toBeUndefined()
    }
    // The class repair reads: best-effort storage matters only on a tab.
    expect([agentWithStorage(TAB, false), agentWithBudget(agentWithStorage(TAB, false), 8), agentWithStorage(TAB, true), TAB, 'zentalk-storage-node/0.1.0',
      agentWithStorage('zentalk-storage-node/0.1.0', false)].map(holderClassOfAgent)).toEqual(['best-effort-tab', 'best-effort-tab', 'tab', 'tab', 'operator', 'operator'])
  })

  it('PeerKeeper records the peers that announced best-effort storage, and not those with persistent storage or none said', async () => {
    const node = await createTestNode()
    const bestEffort = await createTestNode({ userAgent: agentWithBudget(agentWithStorage(TAB, false), 8) })
    const persistent = await createTestNode({ userAgent: agentWithStorage(TAB, true) })
    const olderTab = await createTestNode({ userAgent: TAB })
    const keeper = new PeerKeeper(node.libp2p as unknown as MeshLibp2p, {
      relayAddrs: [], intervalMs: 100, discoveryIntervalMs: 3_600_000, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4
    })
    keeper.start()
    const peers = [bestEffort, persistent, olderTab]
    try {
      for (const peer of peers) await node.libp2p.dial(peer.libp2p.getMultiaddrs()[0])
      // Each is a tab: once all three are known as tabs, their agents have been read.
      await until('the three tabs are known as tabs', () => peers.every(peer => keeper.tabPeers.has(peer.libp2p.peerId.toString())))
      expect(peers.map(peer => keeper.classOf(peer.libp2p.peerId.toString()))).toEqual(['best-effort-tab', 'tab', 'tab'])
      // Kept after the peer leaves: a dead holder's class is what repair needs.
      await bestEffort.libp2p.stop()
      await until('the best-effort tab is gone', () => node.libp2p.getConnections(bestEffort.libp2p.peerId).length === 0)
      expect(keeper.classOf(bestEffort.libp2p.peerId.toString())).toBe('best-effort-tab')
    } finally {
      keeper.stop()
      await Promise.all([node, ...peers].map(async n => { await n.libp2p.stop() }))
    }
  })
})

describe('PeerKeeper and connection budgets', () => {
  it('leaves the redialling of a budgeted peer to that peer: kad-dht\'s keep-alive tag comes off it, and stays on others', async () => {
    const node = await createTestNode()
    const budgeted = await createTestNode({ userAgent: agentWithBudget(`${TAB_AGENT_PREFIX}0.1.0 Mozilla/5.0 (test)`, 8) })
    const other = await createTestNode({ userAgent: agentWithBudget('zentalk-storage-node/0.1.0', undefined) })
    const keeper = new PeerKeeper(node.libp2p as unknown as MeshLibp2p, {
      relayAddrs: [], intervalMs: 100, discoveryIntervalMs: 3_600_000, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4
    })
    keeper.start()
    try {
      await node.libp2p.dial(budgeted.libp2p.getMultiaddrs()[0])
      await node.libp2p.dial(other.libp2p.getMultiaddrs()[0])
      await until('the budgeted peer is known as one', () => keeper.budgetedPeers.has(budgeted.libp2p.peerId.toString()))
      await until('the other peer is identified', () => keeper.tabPeers.size === 1 && node.libp2p.getConnections(other.libp2p.peerId).length > 0)
      // What kad-dht does to the peers closest to this node: libp2p then redials them whenever their connection closes.
      for (const peer of [budgeted, other]) await node.libp2p.peerStore.merge(peer.libp2p.peerId, { tags: { [KAD_KEEP_ALIVE_TAG]: { value: 1 } } })
      const tagged = async (peer: typeof node): Promise<boolean> => (await node.libp2p.peerStore.get(peer.libp2p.peerId)).tags.has(KAD_KEEP_ALIVE_TAG)
      const deadline = Date.now() + 5_000
      while (await tagged(budgeted) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
      expect(await tagged(budgeted)).toBe(false)
      expect(keeper.budgetedPeers.has(other.libp2p.peerId.toString())).toBe(false)
      expect(await tagged(other)).toBe(true)
    } finally {
      keeper.stop()
      await Promise.all([node, budgeted, other].map(async n => { await n.libp2p.stop() }))
    }
  })

  it('within a budget, learns its neighbours from the storage nodes it is connected to, without a DHT walk, and connects to them', async () => {
    // No DHT running anywhere: what a learns of c, it learns from b's answer.
    const nodes = await createStorageNodes(3)
    const [a, b, c] = nodes
    let keeper: PeerKeeper | undefined
    try {
      for (const n of nodes) await n.libp2p.handle(STORAGE_NODE_PROTOCOL, async (stream) => { await stream.close() })
      // b knows c (and has its address); a only knows b.
      await connectTo(b, [c])
      await serveClosest(b.libp2p as unknown as MeshLibp2p, async () => [c.peerId])
      let lookups = 0
      const dht = (a.libp2p as unknown as MeshLibp2p).services.dht
      const getClosestPeers = dht.getClosestPeers.bind(dht)
      dht.getClosestPeers = (...args) => { lookups++; return getClosestPeers(...args) }
      keeper = new PeerKeeper(a.libp2p as unknown as MeshLibp2p, {
        relayAddrs: [], intervalMs: 50, discoveryIntervalMs: 300, targetPeers: 8, connectionBudget: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4
      })
      keeper.start()
      await connectTo(a, [b])
      await until('a knows b as a storage node', () => keeper!.storagePeers.has(b.peerId))
      // Discoveries before that had nobody to ask (and walked the DHT, which is not running here).
      lookups = 0
      await until('a is connected to c, which it heard of from b', () => a.libp2p.getConnections(peerIdFromString(c.peerId)).some(isUsableConnection), 15_000)
      expect(lookups).toBe(0)
    } finally {
      keeper?.stop()
      await stopNodes(nodes)
    }
  })
})
