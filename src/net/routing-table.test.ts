import { afterEach, describe, expect, it } from 'vitest'
import { startMemoryLibp2p } from '../testing/memory-libp2p.ts'
import type { MeshLibp2p } from './libp2p.ts'
import { addToRoutingTable, pingOnlyConnected, routingTablePeers } from './routing-table.ts'

describe('routing-table pings within a connection budget (pingOnlyConnected)', () => {
  const nodes: MeshLibp2p[] = []
  afterEach(async () => { await Promise.all(nodes.splice(0).map(async node => { await node.stop() })) })

  let next = 0
  async function memoryNode (): Promise<MeshLibp2p> {
    const node = await startMemoryLibp2p(`routing-table-pings-${next++}`)
    nodes.push(node)
    return node
  }

  /** A node that knows another's address but holds no connection to it. */
  async function strangers (): Promise<{ tab: MeshLibp2p, other: MeshLibp2p }> {
    const tab = await memoryNode()
    const other = await memoryNode()
    await tab.peerStore.merge(other.peerId, { multiaddrs: other.getMultiaddrs() })
    return { tab, other }
  }

  it('adds a peer it is not connected to only when it was seen alive recently, and never dials it', async () => {
    const { tab, other } = await strangers()
    let recentlyAlive = false
    pingOnlyConnected(tab, () => recentlyAlive)
    await addToRoutingTable(tab, other.peerId)
    // Without the rule, kad-dht pinged the new contact first: a dial, and the peer joined the table.
    expect(tab.getConnections(other.peerId)).toHaveLength(0)
    expect(routingTablePeers(tab).map(String)).not.toContain(other.peerId.toString())

    recentlyAlive = true
    await addToRoutingTable(tab, other.peerId)
    expect(tab.getConnections(other.peerId)).toHaveLength(0)
    expect(routingTablePeers(tab).map(String)).toContain(other.peerId.toString())
  })

  it('pings a peer over the connection it holds, as before', async () => {
    const { tab, other } = await strangers()
    pingOnlyConnected(tab, () => false)
    await tab.dial(other.peerId)
    await addToRoutingTable(tab, other.peerId)
    expect(routingTablePeers(tab).map(String)).toContain(other.peerId.toString())
  })
})
