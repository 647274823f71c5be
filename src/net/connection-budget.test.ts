import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionBudget, ROOM_WAIT_MS } from './connection-budget.ts'
import { createMeshLibp2p, type MeshLibp2p } from './libp2p.ts'
import type { Connection } from '@libp2p/interface'

// Real libp2p nodes on loopback WebSockets; one of them keeps a connection budget.
const nodes: MeshLibp2p[] = []

async function startNode (budget?: ConnectionBudget): Promise<MeshLibp2p> {
  const libp2p = await createMeshLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    rtcConfiguration: { iceServers: [] },
    allowPrivateAddresses: true,
    dialWebSocketPeers: true,
    maxConnections: 100,
    inboundConnectionThreshold: 100,
    maxIncomingPendingConnections: 100,
    dialTimeoutMs: 5000,
    connectionGater: budget?.gater(),
    userAgent: 'zentalk-budget-test'
  })
  budget?.attach(libp2p)
  await libp2p.start()
  nodes.push(libp2p)
  return libp2p
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map(async n => { await n.stop() }))
})

describe('connection budget', () => {
  it('a dial into a full budget waits until a connection goes idle, then gets its room', async () => {
    const budget = new ConnectionBudget({ max: 2 })
    const node = await startNode(budget)
    const [a, b, c] = await Promise.all(Array.from({ length: 3 }, async () => await startNode()))
    const closed: Connection[] = []
    node.addEventListener('connection:close', event => { closed.push(event.detail) })
    await node.dial(a.getMultiaddrs()[0])
    await node.dial(b.getMultiaddrs()[0])
    // Both connections are younger than the minimum age: the third dial waits instead of failing.
    await node.dial(c.getMultiaddrs()[0])
    expect(node.getConnections(c.peerId).length).toBe(1)
    expect(budget.stats()).toMatchObject({ open: 2, peak: 2, closedForRoom: 1, refused: 0 })
    // The budget tells its own closes apart from the peer's (the health checks and the peer keeper ask).
    await sleep(100)
    expect(closed.length).toBe(1)
    expect(budget.wasClosedForRoom(closed[0])).toBe(true)
    const kept = node.getConnections().filter(connection => connection.status === 'open')
    await kept[0].close()
    expect(budget.wasClosedForRoom(kept[0])).toBe(false)
  }, 30_000)

  it('never holds more than its budget: idle unprotected connections make room, protected ones stay', async () => {
    // The budget's clock runs ahead, so connections are old enough to close a moment after they open.
    let ahead = 0
    const protectedPeers = new Set<string>()
    const budget = new ConnectionBudget({ max: 4, isProtected: id => protectedPeers.has(id), now: () => Date.now() + ahead })
    const node = await startNode(budget)
    const peers = await Promise.all(Array.from({ length: 8 }, async () => await startNode()))
    protectedPeers.add(peers[0].peerId.toString())

    // Outbound: 8 dials one after another; each new one past the budget closes the idle connection used least recently.
    for (const peer of peers) {
      ahead += 5_000
      await node.dial(peer.getMultiaddrs()[0])
      expect(node.getConnections().filter(c => c.status === 'open').length).toBeLessThanOrEqual(4)
    }
    const open = new Set(node.getConnections().filter(c => c.status === 'open').map(c => c.remotePeer.toString()))
    expect(open.size).toBe(4)
    expect(open.has(peers[0].peerId.toString())).toBe(true)
    // The three others are the three dialled last.
    for (const peer of peers.slice(5)) expect(open.has(peer.peerId.toString())).toBe(true)

    // Inbound counts against the same budget.
    const newcomer = await startNode()
    ahead += 5_000
    await newcomer.dial(node.getMultiaddrs()[0])
    await sleep(100)
    expect(node.getConnections().filter(c => c.status === 'open').length).toBeLessThanOrEqual(4)
    expect(node.getConnections(newcomer.peerId).length).toBe(1)

    const stats = budget.stats()
    expect(stats).toMatchObject({ budget: 4, open: 4, peak: 4, openedInLifetime: 9, closedForRoom: 5, refused: 0 })
  })

  it('refuses a connection, in and out, when every held one is protected, and keeps serving those it holds', async () => {
    const budget = new ConnectionBudget({ max: 2, isProtected: () => true })
    const node = await startNode(budget)
    const [a, b, c, d] = await Promise.all(Array.from({ length: 4 }, async () => await startNode()))
    await node.dial(a.getMultiaddrs()[0])
    await node.dial(b.getMultiaddrs()[0])
    // The dial waits for room (ROOM_WAIT_MS), then is refused.
    const t0 = Date.now()
    await expect(node.dial(c.getMultiaddrs()[0])).rejects.toThrow()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(ROOM_WAIT_MS - 200)
    await d.dial(node.getMultiaddrs()[0]).catch(() => {})
    await sleep(200)
    expect(node.getConnections().filter(conn => conn.status === 'open').map(conn => conn.remotePeer.toString()).sort())
      .toEqual([a.peerId.toString(), b.peerId.toString()].sort())
    expect(budget.stats().peak).toBe(2)
    expect(budget.stats().refused).toBeGreaterThanOrEqual(2)
    // The held connections still carry requests.
    await expect(node.services.ping.ping(a.peerId)).resolves.toBeGreaterThanOrEqual(0)
  }, 30_000)

  it('closes a protected peer\'s second connection for room, and keeps its first', async () => {
    let ahead = 0
    const budget = new ConnectionBudget({ max: 3, isProtected: () => true, now: () => Date.now() + ahead })
    const node = await startNode(budget)
    const [a, b, c] = await Promise.all(Array.from({ length: 3 }, async () => await startNode()))
    const first = await node.dial(a.getMultiaddrs()[0])
    ahead += 5_000
    await node.dial(a.getMultiaddrs()[0], { force: true })
    ahead += 5_000
    await node.dial(b.getMultiaddrs()[0])
    ahead += 5_000
    await node.dial(c.getMultiaddrs()[0])
    const open = node.getConnections().filter(conn => conn.status === 'open')
    expect(open.length).toBe(3)
    expect(node.getConnections(a.peerId).filter(conn => conn.status === 'open').map(conn => conn.id)).toEqual([first.id])
    expect(node.getConnections(c.peerId).length).toBe(1)
    expect(budget.stats()).toMatchObject({ closedForRoom: 1, refused: 0 })
  })

  it('counts without limiting when the node has no budget', async () => {
    const budget = new ConnectionBudget({ max: undefined })
    const node = await startNode(budget)
    const peers = await Promise.all(Array.from({ length: 5 }, async () => await startNode()))
    for (const peer of peers) await node.dial(peer.getMultiaddrs()[0])
    expect(budget.stats()).toMatchObject({ budget: null, open: 5, peak: 5, openedInLifetime: 5, refused: 0 })
  })

  it('refuses a budget below 2', () => {
    expect(() => new ConnectionBudget({ max: 1 })).toThrow(RangeError)
  })
})
