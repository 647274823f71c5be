/**
 * Live delivery between two nodes that have no direct path, only the relay (as two tabs without WebRTC): real
 * libp2p nodes over WebSockets to a real circuit-relay-v2 server. The nodes' dial policy refuses plain relayed
 * addresses unless the peer is named for relayed delivery, and the delivery stream runs on the limited connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { WalletIdentity } from '../../identity/index.ts'
import { createMeshLibp2p, type MeshLibp2p } from '../../net/index.ts'
import { signDeliveryReceipt } from './deliver-codec.ts'
import { DeliveryHandler, deliverEnvelope } from './deliver.ts'
import { DeliveryUnreachableError } from './errors.ts'

const DIAL_TIMEOUT_MS = 20_000
const nodes: MeshLibp2p[] = []

async function node (init: { relay?: boolean, relayedDialPeers?: Set<string>, relayIds?: Set<string> }): Promise<MeshLibp2p> {
  const libp2p = await createMeshLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    listen: init.relay === true ? ['/ip4/127.0.0.1/tcp/0/ws'] : ['/p2p-circuit'],
    rtcConfiguration: { iceServers: [] },
    allowPrivateAddresses: true,
    relayPeerIds: () => init.relayIds ?? new Set(),
    webrtc: false,
    relayedDialPeers: init.relayedDialPeers,
    dhtClientMode: init.relay !== true,
    ...(init.relay === true ? { relayServer: { maxReservations: 10, reservationTtlMs: 60_000 } } : {}),
    maxConnections: 20,
    inboundConnectionThreshold: 100,
    maxIncomingPendingConnections: 100,
    dialTimeoutMs: DIAL_TIMEOUT_MS,
    userAgent: 'zentalk-relayed-delivery-test'
  })
  await libp2p.start()
  nodes.push(libp2p)
  return libp2p
}

/** Dials the relay and waits for the reservation: the node's relayed address. */
async function reserve (libp2p: MeshLibp2p, relayAddr: Multiaddr): Promise<Multiaddr> {
  await libp2p.dial(relayAddr)
  for (let i = 0; i < 200; i++) {
    const relayed = libp2p.getMultiaddrs().find(ma => ma.toString().includes('/p2p-circuit'))
    if (relayed !== undefined) return relayed
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error('no relay reservation within 10 s')
}

describe('live delivery through the relay', () => {
  const bobWallet = WalletIdentity.generate()
  const envelope = new TextEncoder().encode('a sealed envelope (the handler under test does not open it)')
  const aliceRelayed = new Set<string>()
  let relay: MeshLibp2p
  let alice: MeshLibp2p
  let bob: MeshLibp2p
  let bobRelayed: Multiaddr
  const accepted: string[] = []

  beforeAll(async () => {
    relay = await node({ relay: true })
    const relayIds = new Set([relay.peerId.toString()])
    const relayAddr = relay.getMultiaddrs()[0]
    alice = await node({ relayedDialPeers: aliceRelayed, relayIds })
    bob = await node({ relayIds })
    await new DeliveryHandler(bob, async (bytes, remotePeer) => {
      accepted.push(remotePeer)
      return signDeliveryReceipt(bobWallet, bytes)
    }).start()
    bobRelayed = multiaddr(`${(await reserve(bob, relayAddr)).toString()}`)
    await alice.dial(relayAddr)
  }, 60_000)

  afterAll(async () => {
    await Promise.all(nodes.map(async n => { await n.stop() }))
  })

  it('a peer known only by its relayed address cannot be reached directly, nor through the relay unless named', async () => {
    await alice.peerStore.merge(bob.peerId, { multiaddrs: [bobRelayed] })
    await expect(deliverEnvelope(alice, bob.peerId, bobWallet.address, envelope, { timeoutMs: 5_000 })).rejects.toThrow(DeliveryUnreachableError)
    await expect(deliverEnvelope(alice, bob.peerId, bobWallet.address, envelope, { timeoutMs: 5_000, via: [bobRelayed] })).rejects.toThrow(DeliveryUnreachableError)
    expect(accepted).toEqual([])
  })

  it('named for relayed delivery, the envelope goes over the limited connection and the signed receipt comes back', async () => {
    aliceRelayed.add(bob.peerId.toString())
    const receipt = await deliverEnvelope(alice, bob.peerId, bobWallet.address, envelope, { timeoutMs: 10_000, via: [bobRelayed] })
    expect(receipt).toEqual(signDeliveryReceipt(bobWallet, envelope))
    expect(accepted).toEqual([alice.peerId.toString()])
    const connections = alice.getConnections(bob.peerId)
    expect(connections.length).toBeGreaterThan(0)
    expect(connections.every(c => c.limits != null)).toBe(true)
    // The next message reuses that connection.
    const again = await deliverEnvelope(alice, bob.peerId, bobWallet.address, envelope, { timeoutMs: 10_000, via: connections[0] })
    expect(again).toEqual(receipt)
    expect(accepted).toHaveLength(2)
  })

  it('a connection that reached another peer is refused before anything is sent', async () => {
    const toRelay = alice.getConnections(relay.peerId)[0]
    await expect(deliverEnvelope(alice, bob.peerId, bobWallet.address, envelope, { timeoutMs: 5_000, via: toRelay })).rejects.toThrow(DeliveryUnreachableError)
    expect(accepted).toHaveLength(2)
  })
})
