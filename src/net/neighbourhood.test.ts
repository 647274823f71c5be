import { afterAll, describe, expect, it } from 'vitest'
import { kadIdOf, rankByDistance } from '../placement/index.ts'
import { connectTo, createStorageNodes, stopNodes, type MeshNode } from '../testing/object-mesh.ts'
import { decodeNeighbourhood, dialNeighbours, encodeNeighbourhood, neighbourhoodSnapshot, REMEMBERED_NEIGHBOURS, restoreNeighbourhood } from './neighbourhood.ts'
import { isUsableConnection } from './libp2p.ts'

const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const ADDR = `/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`

describe('the remembered neighbourhood', () => {
  it('reads back what it wrote, keeps at most REMEMBERED_NEIGHBOURS, and leaves out what it cannot read', () => {
    const many = Array.from({ length: REMEMBERED_NEIGHBOURS + 5 }, () => ({ id: PEER, addrs: [ADDR] }))
    expect(decodeNeighbourhood(encodeNeighbourhood(many))).toHaveLength(REMEMBERED_NEIGHBOURS)
    const mixed = new TextEncoder().encode(JSON.stringify({
      v: 1,
      peers: [
        { id: PEER, addrs: [ADDR, 'not a multiaddr', 7] },
        { id: 'not a peer id', addrs: [ADDR] },
        { id: PEER, addrs: [] },
        null,
        { id: PEER }
      ]
    }))
    expect(decodeNeighbourhood(mixed)).toEqual([{ id: PEER, addrs: [ADDR] }])
    expect(decodeNeighbourhood(undefined)).toEqual([])
    expect(decodeNeighbourhood(new TextEncoder().encode('{"v":1,"peers":'))).toEqual([])
    expect(decodeNeighbourhood(new TextEncoder().encode(JSON.stringify({ v: 2, peers: [{ id: PEER, addrs: [ADDR] }] })))).toEqual([])
  })

  describe('over real libp2p nodes', () => {
    let nodes: MeshNode[] = []
    afterAll(async () => { await stopNodes(nodes) })

    it('a node that starts with no peers, given the last run\'s neighbourhood, connects to every neighbour still there', async () => {
      nodes = await createStorageNodes(10)
      const [node, ...others] = nodes
      await connectTo(node, others)
      const snapshot = await neighbourhoodSnapshot(node.libp2p, others.map(o => o.peerId))
      // Nearest first, every one with an address.
      expect(snapshot.map(p => p.id)).toEqual(rankByDistance(kadIdOf(node.peerId), new Set(others.map(o => o.peerId)), kadIdOf).map(r => r.item))
      expect(snapshot.every(p => p.addrs.length > 0)).toBe(true)

      // A new node (another tab's or process's start) knows nobody; one neighbour went away meanwhile.
      const [fresh] = await createStorageNodes(1)
      nodes.push(fresh)
      const gone = others[0]
      await gone.libp2p.stop()
      const restored = await restoreNeighbourhood(fresh.libp2p, decodeNeighbourhood(encodeNeighbourhood(snapshot)))
      expect(restored.map(String)).toEqual(snapshot.map(p => p.id))
      const connected = await dialNeighbours(fresh.libp2p, restored, 4, AbortSignal.timeout(30_000))
      expect(connected).toBe(others.length - 1)
      for (const other of others.slice(1)) {
        expect(fresh.libp2p.getConnections(other.libp2p.peerId).some(isUsableConnection)).toBe(true)
      }
    })
  })
})
