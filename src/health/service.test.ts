import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { routingTablePeersToCheck } from './service.ts'
import type { PeerId } from '@libp2p/interface'

async function peerIds (n: number): Promise<PeerId[]> {
  return await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}

describe('routingTablePeersToCheck', () => {
  it('checks every routing-table peer on a node without a budget', async () => {
    const peers = await peerIds(5)
    const checked = routingTablePeersToCheck(peers, false, { isNeighbour: () => false }, { getConnections: () => [] })
    expect(checked).toEqual(peers.map(String))
  })

  it('within a budget checks only the neighbourhood and connected peers, so a round dials no peer outside the budget', async () => {
    const [neighbour, connected, far, farther] = await peerIds(4)
    const checked = routingTablePeersToCheck([neighbour, connected, far, farther], true,
      { isNeighbour: id => id === neighbour.toString() },
      { getConnections: peerId => peerId?.equals(connected) === true ? [{}] : [] })
    expect(checked).toEqual([neighbour.toString(), connected.toString()])
  })
})
