import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashWithNamespace } from '../crypto/index.ts'
import { NS_NODE_CLASS, nodeClassOf, nodeClassOfMultihash, operatorHoldersOf, placementOrder, rankPeers, type NodeClass } from './index.ts'

describe('node class', () => {
  it('is the first bit of the namespaced SHA-256 of the peer ID: 1 an operator node, 0 a tab', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), bytes => {
      expect(nodeClassOfMultihash(bytes)).toBe(hashWithNamespace(NS_NODE_CLASS, bytes)[0] >= 0x80 ? 'operator' : 'tab')
    }), { numRuns: 500 })
  })

  it('reads the same from a peer ID string as from its bytes; anything else is a tab', async () => {
    for (let i = 0; i < 20; i++) {
      const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      expect(nodeClassOf(peerId.toString())).toBe(nodeClassOfMultihash(peerId.toMultihash().bytes))
    }
    expect(nodeClassOf('not a peer id')).toBe('tab')
  })

  it('gives a stripe its operator holders from the table, 0 for a stripe not in it', () => {
    const table = [{ k: 10, m: 20, operators: 14 }]
    expect(operatorHoldersOf({ k: 10, m: 20 }, table)).toBe(14)
    expect(operatorHoldersOf({ k: 10, m: 5 }, table)).toBe(0)
    expect(operatorHoldersOf({ k: 10, m: 20 })).toBe(0)
  })
})

describe('placement order', () => {
  const key = new Uint8Array(32).fill(9)
  const peers = async (count: number): Promise<string[]> => await Promise.all(Array.from({ length: count }, async () =>
    peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))

  it('is XOR order without operator holders', async () => {
    const all = await peers(12)
    expect(placementOrder(key, all, 5, 0)).toEqual(rankPeers(key, all))
  })

  it('puts the closest operators and the closest tabs first, each part nearest first, then the rest', async () => {
    const ids = await peers(24)
    const cls = new Map(ids.map((id, i) => [id, (i % 3 === 0 ? 'operator' : 'tab') as NodeClass]))
    fc.assert(fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 30 }), (total, operators) => {
      const order = placementOrder(key, ids, total, operators, id => cls.get(id)!)
      const ranked = rankPeers(key, ids)
      expect([...order].sort()).toEqual([...ids].sort())
      const holders = order.slice(0, total)
      const ops = ranked.filter(id => cls.get(id) === 'operator')
      const tabs = ranked.filter(id => cls.get(id) === 'tab')
      // Each class's holders are that class's nearest; their number is the quota, or what the other class leaves.
      const opsHeld = holders.filter(id => cls.get(id) === 'operator')
      const tabsHeld = holders.filter(id => cls.get(id) === 'tab')
      expect(opsHeld).toEqual(ops.slice(0, opsHeld.length))
      expect(tabsHeld).toEqual(tabs.slice(0, tabsHeld.length))
      if (operators > 0) {
        expect(opsHeld.length).toBe(Math.min(ops.length, Math.max(operators, total - tabs.length), total))
      }
      // Both parts nearest first.
      expect(holders).toEqual(ranked.filter(id => holders.includes(id)))
      expect(order.slice(total)).toEqual(ranked.filter(id => !holders.includes(id)))
    }), { numRuns: 300 })
  })

  it('takes the class from the peer ID by default', async () => {
    const ids = await peers(30)
    const order = placementOrder(key, ids, 10, 4)
    const holders = order.slice(0, 10)
    const operators = ids.filter(id => nodeClassOf(id) === 'operator').length
    expect(holders.filter(id => nodeClassOf(id) === 'operator')).toHaveLength(Math.min(operators, Math.max(4, 10 - (30 - operators))))
  })
})
