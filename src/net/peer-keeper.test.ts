import { afterAll, describe, expect, it } from 'vitest'
import { createStorageNodes, connectTo, stopNodes, type MeshNode } from '../testing/object-mesh.ts'
import { STORAGE_NODE_PROTOCOL } from '../wire/index.ts'
import { isMuxerClosed, isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import { DISCOVERY_MAX_BACKOFF, PeerKeeper } from './peer-keeper.ts'

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
})

describe('PeerKeeper idle cost', () => {
  let nodes: MeshNode[] = []
  let keeper: PeerKeeper | undefined

  afterAll(async () => {
    keeper?.stop()
    await stopNodes(nodes)
  })

  it('reads the peer store only when something changed, backs discovery off while it finds nobody new, and comes back when a node appears', async () => {
    nodes = await createStorageNodes(3, { dht: true })
    for (const n of nodes) await n.libp2p.handle(STORAGE_NODE_PROTOCOL, async (stream) => { await stream.close() })
    const [a, b, c] = nodes
    let scans = 0
    const all = a.libp2p.peerStore.all.bind(a.libp2p.peerStore)
    a.libp2p.peerStore.all = async (...args) => { scans++; return await all(...args) }
    const baseMs = 400
    keeper = new PeerKeeper(a.libp2p as unknown as MeshLibp2p, {
      relayAddrs: [], intervalMs: 50, discoveryIntervalMs: baseMs, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4
    })
    keeper.start()
    await connectTo(a, [b])
    await until('a knows b as a storage node', () => keeper!.storagePeers.has(b.peerId))
    // Quiet lookups double the pause up to its cap.
    await until('discovery backed off to its cap', () => keeper!.discoveryPause() === baseMs * DISCOVERY_MAX_BACKOFF, 20_000)

    // Settled: 40 ticks in 2 s, but nothing changed, so at most the odd look (a late peer update).
    scans = 0
    await new Promise(resolve => setTimeout(resolve, 2_000))
    expect(scans).toBeLessThanOrEqual(2)

    // A new storage node: the keeper looks at the peer store again and discovery returns to its base pace.
    await connectTo(c, [a])
    await until('a knows c as a storage node', () => keeper!.storagePeers.has(c.peerId))
    expect(keeper.discoveryPause()).toBeLessThanOrEqual(2 * baseMs)
    expect(scans).toBeGreaterThan(0)
  })
})
