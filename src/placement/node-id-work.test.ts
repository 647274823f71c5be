import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashWithNamespace, toHex } from '../crypto/index.ts'
import { meetsNodeIdWork, nodeIdWorkOf, NS_NODE_ID_WORK } from './index.ts'

/** Leading zero bits, counted the slow way: the hash as a string of binary digits. */
function leadingZeroBits (bytes: Uint8Array): number {
  const bits = [...bytes].map(b => b.toString(2).padStart(8, '0')).join('')
  const first = bits.indexOf('1')
  return first === -1 ? bits.length : first
}

describe('node-ID work', () => {
  it('is the number of leading zero bits of the namespaced SHA-256 of the peer ID', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), bytes => {
      expect(nodeIdWorkOf(bytes)).toBe(leadingZeroBits(hashWithNamespace(NS_NODE_ID_WORK, bytes)))
    }), { numRuns: 2000 })
  })

  it('is pinned by known answers (every node must compute the same)', () => {
    // 0x3174… = 0b0011_0001…: two leading zero bits.
    const bytes = new Uint8Array(38).fill(7)
    expect(toHex(hashWithNamespace(NS_NODE_ID_WORK, bytes))).toBe('31741fd218308cbbe33e1191fdac4bd9f9f85f5782e20e2a45a58343f7f56472')
    expect(nodeIdWorkOf(bytes)).toBe(2)
    expect(meetsNodeIdWork('12D3KooWRVWMgq4uX6YH2yDpZBJ6ouTwtndoXEprMNeA4ZR5DfMP', 12)).toBe(true)
    expect(meetsNodeIdWork('12D3KooWRVWMgq4uX6YH2yDpZBJ6ouTwtndoXEprMNeA4ZR5DfMP', 13)).toBe(false)
  })

  it('takes about 2^bits identities to meet: about half of random peer IDs meet 1 bit, a sixteenth 4 bits', async () => {
    const ids = await Promise.all(Array.from({ length: 400 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    expect(ids.every(id => meetsNodeIdWork(id, 0))).toBe(true)
    const one = ids.filter(id => meetsNodeIdWork(id, 1)).length
    expect(one).toBeGreaterThan(140)
    expect(one).toBeLessThan(260)
    const four = ids.filter(id => meetsNodeIdWork(id, 4)).length
    expect(four).toBeGreaterThan(5)
    expect(four).toBeLessThan(60)
  })

  it('gives a string that is not a peer ID no work', () => {
    expect(meetsNodeIdWork('not a peer id', 1)).toBe(false)
    expect(meetsNodeIdWork('', 1)).toBe(false)
  })
})
