import { afterAll, describe, expect, it } from 'vitest'
import { createStorageNodes, connectTo, stopNodes, type MeshNode } from '../testing/object-mesh.ts'
import { isMuxerClosed, isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import { PeerKeeper } from './peer-keeper.ts'

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
