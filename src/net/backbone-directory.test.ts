import { afterEach, describe, expect, it } from 'vitest'
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { createTestNode, type TestNode } from '../testing/chunk-nodes.ts'
import { DIRECTORY_PROTOCOL, MAX_CLOSEST_COUNT, STORAGE_NODE_PROTOCOL, encodeClosestResponse } from '../wire/index.ts'
import { kadIdOf } from '../placement/index.ts'
import { BackboneDirectory, MAX_VOUCHED } from './backbone-directory.ts'
import { serveClosest } from './closest-protocol.ts'
import { MeshHolderSelector } from './holder-selector.ts'
import { isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import { routingTablePeers } from './routing-table.ts'
import { agentWithBudget, PeerKeeper, TAB_AGENT_PREFIX } from './peer-keeper.ts'

const OPERATOR_AGENT = 'zentalk-storage-node/0.1.0 test'
const TAB_AGENT = agentWithBudget(`${TAB_AGENT_PREFIX}0.1.0 Mozilla/5.0 (test)`, 8)

async function until (what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

interface Node extends TestNode {
  id: string
  keeper: PeerKeeper
  directory: BackboneDirectory
  holders: MeshHolderSelector
}

describe('backbone directory over real libp2p nodes', () => {
  const nodes: Node[] = []

  afterEach(async () => {
    for (const n of nodes) { n.directory.stop(); n.keeper.stop() }
    await Promise.all(nodes.map(async n => { await n.libp2p.stop() }))
    nodes.length = 0
  })

  /** `keep`: the node runs its peer keeper (a tab here does not: it would dial operators it hears of by itself). */
  async function node (userAgent: string, operator: boolean, keep = true): Promise<Node> {
    // Operators leave budgeted tabs out of their DHT, as operator nodes do (create-node.ts).
    let keeperRef: PeerKeeper | undefined
    const test = await createTestNode({ userAgent, dhtLeavesOut: operator ? peerId => keeperRef?.budgetedPeers.has(peerId) === true : undefined })
    const libp2p = test.libp2p as unknown as MeshLibp2p
    await libp2p.handle(STORAGE_NODE_PROTOCOL, async (stream) => { await stream.close() })
    const keeper = new PeerKeeper(libp2p, {
      relayAddrs: [], intervalMs: 100, discoveryIntervalMs: 3_600_000, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4,
      ...(operator ? { dhtBackbone: true } : { connectionBudget: 8 })
    })
    keeperRef = keeper
    if (keep) keeper.start()
    const directory = new BackboneDirectory(libp2p, keeper, { operator, debounceMs: 50, minIntervalMs: 100, vouchAfterMs: 0 })
    await directory.start()
    const holders = new MeshHolderSelector(libp2p, keeper, {
      lookupTimeoutMs: 2_000, dialTimeoutMs: 2_000, livenessGraceMs: 10_000, selfIsStorage: true, vouched: directory, askConnected: !operator
    })
    // Operators answer the closest-peers protocol from what they know, as storage nodes do (create-node.ts).
    if (operator) await serveClosest(libp2p, async (key, count) => await holders.select(key, count, { localOnly: true }))
    const n = { ...test, id: libp2p.peerId.toString(), keeper, directory, holders }
    nodes.push(n)
    return n
  }

  const connected = (a: Node, b: Node): boolean => a.libp2p.getConnections(peerIdFromString(b.id)).some(isUsableConnection)

  it('an operator answers with a budgeted tab that only another operator is connected to, while that connection lasts', async () => {
    const a = await node(OPERATOR_AGENT, true)
    const b = await node(OPERATOR_AGENT, true)
    const tab = await node(TAB_AGENT, false, false)
    await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    // b's first discovery walks the DHT (which would dial whoever a names): let it end before the tab arrives.
    await new Promise(resolve => setTimeout(resolve, 1_000))
    // The tab may dial b itself (its DHT learns of b from a); b must never dial the tab.
    let dialledTab = 0
    b.libp2p.addEventListener('connection:open', e => { if (e.detail.direction === 'outbound' && e.detail.remotePeer.toString() === tab.id) dialledTab++ })
    await tab.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await until('b hears of the tab from a', () => b.directory.has(tab.id))
    // b ranks the tab among the storage nodes it knows (the closest-peers protocol answers from this), and has the
    // tab's address for a store, without having met it.
    expect(await b.holders.select(kadIdOf(tab.id), 3, { localOnly: true })).toContain(tab.id)
    expect((await b.libp2p.peerStore.get(peerIdFromString(tab.id))).addresses.length).toBeGreaterThan(0)
    expect(b.keeper.budgetedPeers.has(tab.id)).toBe(true)

    // The tab leaves a: a tells b, and b's answers no longer name it.
    await tab.libp2p.hangUp(peerIdFromString(a.id))
    await until('b drops the tab', () => !b.directory.has(tab.id))
    expect(b.directory.peers().has(tab.id)).toBe(false)

    // Back on a, then a itself goes away: its word goes with it.
    await tab.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await until('b hears of the tab again', () => b.directory.has(tab.id))
    // A network answer of b counts the vouched tab as live.
    expect(await b.holders.select(kadIdOf(tab.id), 3, { fresh: true })).toContain(tab.id)
    await b.libp2p.hangUp(peerIdFromString(a.id))
    expect(b.directory.has(tab.id)).toBe(false)
    expect(b.directory.peers().size).toBe(0)
    // Nothing b did dialled the tab: its keeper leaves a budgeted peer to choose its own connections.
    expect(dialledTab).toBe(0)
  })

  it('sends a snapshot again that an operator refused because it had not recognised the sender as an operator yet', async () => {
    const a = await node(OPERATOR_AGENT, true)
    // b's keeper is not running: b cannot tell what a is, and refuses a's snapshot (after waiting for it to be known).
    const b = await node(OPERATOR_AGENT, true, false)
    const tab = await node(TAB_AGENT, false, false)
    await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    await tab.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await until('a knows the tab as a budgeted storage node', () => a.keeper.budgetedPeers.has(tab.id) && a.keeper.storagePeers.has(tab.id))
    await new Promise(resolve => setTimeout(resolve, 6_000))
    expect(b.directory.has(tab.id)).toBe(false)
    // b recognises a; a's snapshot has not changed since, and still reaches b.
    b.keeper.start()
    await until('b hears of the tab from a', () => b.directory.has(tab.id), 15_000)
    expect(connected(a, b)).toBe(true)
  }, 30_000)

  it('a budgeted tab that knows fewer storage nodes than an answer needs asks its operators, and finds a tab only another operator met', async () => {
    const a = await node(OPERATOR_AGENT, true)
    const b = await node(OPERATOR_AGENT, true)
    await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    const asker = await node(TAB_AGENT, false)
    await asker.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    await until('the asker knows both operators', () => asker.keeper.storagePeers.has(a.id) && asker.keeper.storagePeers.has(b.id))
    // Its first discovery is over: it knows 2 storage nodes, fewer than it keeps connected within its budget.
    await new Promise(resolve => setTimeout(resolve, 1_000))
    // A tab arrives that only a meets; a vouches for it to b. Both operators leave budgeted tabs out of their DHT
    // answers, so a DHT lookup from the asker does not hear of it.
    const far = await node(TAB_AGENT, false, false)
    await far.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await until('b hears of the far tab from a', () => b.directory.has(far.id))
    expect(asker.keeper.storagePeers.has(far.id)).toBe(false)
    expect(asker.keeper.storagePeers.size).toBeLessThanOrEqual(asker.keeper.target)
    const answer = await asker.holders.select(kadIdOf(far.id), 15, { fresh: true })
    expect([...answer].sort()).toEqual([a.id, b.id, asker.id, far.id].sort())
  })

  it('takes no directory from a tab, and survives directories that are malformed or too long', async () => {
    const b = await node(OPERATOR_AGENT, true)
    const tab = await node(TAB_AGENT, false)
    const other = await node(TAB_AGENT, false)
    await tab.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    await until('b identified the tab', () => b.keeper.tabPeers.has(tab.id))
    const send = async (frames: Uint8Array[]): Promise<void> => {
      const connection = tab.libp2p.getConnections(peerIdFromString(b.id)).find(isUsableConnection)!
      const stream = await connection.newStream(DIRECTORY_PROTOCOL)
      const messages = lpStream(stream)
      try {
        for (const frame of frames) await messages.write(frame)
        await stream.close()
      } catch {}
    }
    // A tab that claims to hold a connection to another tab: b does not count it (only operators vouch).
    await send([encodeClosestResponse([{ id: other.id, addrs: [] }])])
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(b.directory.has(other.id)).toBe(false)
    expect(await b.holders.select(kadIdOf(other.id), 3, { localOnly: true })).not.toContain(other.id)
    // Garbage, and more full frames than MAX_VOUCHED peers: the stream is refused, b keeps serving.
    await send([new Uint8Array([1, 2, 3, 4])])
    const full = encodeClosestResponse(Array.from({ length: MAX_CLOSEST_COUNT }, () => ({ id: other.id, addrs: [] })))
    await send(Array.from({ length: MAX_VOUCHED / MAX_CLOSEST_COUNT + 2 }, () => full))
    expect(b.directory.peers().size).toBe(0)
    expect(await b.holders.select(kadIdOf(b.id), 3, { localOnly: true })).toContain(tab.id)
    expect(connected(tab, b)).toBe(true)
  })
})

describe('operator nodes as the DHT backbone', () => {
  it('keeps tabs with a budget out of an operator\'s routing table and FIND_NODE answers, and other storage nodes in', async () => {
    let keeper: PeerKeeper | undefined
    const operator = (await createTestNode({ userAgent: OPERATOR_AGENT, dhtLeavesOut: peerId => keeper?.budgetedPeers.has(peerId) === true })).libp2p
    const tab = await createTestNode({ userAgent: TAB_AGENT })
    const other = await createTestNode({ userAgent: OPERATOR_AGENT })
    const asker = await createTestNode({ userAgent: OPERATOR_AGENT })
    try {
      keeper = new PeerKeeper(operator, {
        relayAddrs: [], intervalMs: 100, discoveryIntervalMs: 3_600_000, targetPeers: 8, dialTimeoutMs: 5_000, dialerGraceMs: 0, maxParallelDials: 4,
        dhtBackbone: true
      })
      keeper.start()
      for (const n of [tab, other]) await n.libp2p.dial(operator.getMultiaddrs()[0])
      const inTable = (id: string): boolean => routingTablePeers(operator).some(p => p.toString() === id)
      await until('the other storage node is in the operator\'s routing table', () => inTable(other.libp2p.peerId.toString()))
      await until('the tab is known to have a budget', () => keeper!.budgetedPeers.has(tab.libp2p.peerId.toString()))
      await new Promise(resolve => setTimeout(resolve, 500))
      expect(inTable(tab.libp2p.peerId.toString())).toBe(false)
      // A FIND_NODE for the tab's own ID, asked of the operator, does not name the tab.
      await asker.libp2p.dial(operator.getMultiaddrs()[0])
      const named = new Set<string>()
      for await (const event of asker.libp2p.services.dht.getClosestPeers(tab.libp2p.peerId.toMultihash().bytes, { signal: AbortSignal.timeout(5_000) })) {
        if (event.name === 'PEER_RESPONSE') for (const peer of event.closer) named.add(peer.id.toString())
      }
      expect(named.has(other.libp2p.peerId.toString())).toBe(true)
      expect(named.has(tab.libp2p.peerId.toString())).toBe(false)
    } finally {
      keeper?.stop()
      await Promise.all([operator.stop(), ...[tab, other, asker].map(async n => { await n.libp2p.stop() })])
    }
  })
})
