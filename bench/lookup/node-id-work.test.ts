import { peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../../src/crypto/index.ts'
import { WalletIdentity } from '../../src/identity/index.ts'
import { placementKeyFor } from '../../src/placement/index.ts'
import { DEFAULT_SETTINGS } from '../../src/config/index.ts'
import { mulberry32, randomBytes } from '../../src/testing/seeded-random.ts'
import { grindKeysNear } from '../../src/testing/sybil-nodes.ts'
import { STORAGE_NODE_PROTOCOL } from '../../src/wire/index.ts'
import { SimMesh, type SimNode } from './mesh.ts'

const HONEST = 20
const SYBILS = 15
const PLACEMENT = 15

async function until (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

// Issue 15, item 4: a cost on where a node ID lands. Real nodes (createNode over an in-memory transport) with the
// default node-ID work; an attacker generates free identities (no work) closer to a user's placement key than any
// honest node and joins with 15 storage nodes that would keep whatever they are given. The honest nodes meet and
// identify them, and still never count them as holders: lookups answer the honest closest 15, a store puts every
// shard on honest nodes, and the object reads back. The attacker's own nodes, which apply no work rule (as every
// node did before), answer with the attacker's nodes: the placement they would have taken.
describe('node-ID work: identities generated next to a user\'s key without the work never hold it', () => {
  it(`${SYBILS} free identities next to the key among ${HONEST} honest nodes get no place and no shard`, async () => {
    const mesh = new SimMesh({ nodes: HONEST, tabFraction: 0.5, seed: 15, startConcurrency: 4 })
    try {
      await mesh.start()
      const wallet = WalletIdentity.generate()
      const writer = await mesh.addNode('tab', { wallet })
      const honest = [...mesh.nodes]
      const key = placementKeyFor(NS_HISTORY, wallet.address)
      const { keys } = await grindKeysNear(key, honest.map(n => n.node.peerId), SYBILS, { lackingWorkBits: DEFAULT_SETTINGS.nodeIdWorkBits })
      const sybils: SimNode[] = []
      for (const sybilKey of keys) sybils.push(await mesh.addNode('operator', { key: sybilKey, settings: { nodeIdWorkBits: 0 } }))
      const sybilIds = new Set(sybils.map(s => s.node.peerId))
      // The status shows the work each node's ID carries and what its mesh asks.
      expect(writer.node.status().nodeIdWork.required).toBe(DEFAULT_SETTINGS.nodeIdWorkBits)
      expect(writer.node.status().nodeIdWork.own).toBeGreaterThanOrEqual(DEFAULT_SETTINGS.nodeIdWorkBits)
      expect(sybils.map(s => s.node.status().nodeIdWork.own < DEFAULT_SETTINGS.nodeIdWorkBits)).toEqual(sybils.map(() => true))

      // The honest nodes meet the Sybils and see them offer storage (they are refused, not unknown): each Sybil is
      // identified by at least a quarter of the honest nodes (the Sybils dial them; the rest hear of them in DHT
      // answers).
      const identifiedBy = async (id: string): Promise<number> => (await Promise.all(honest.map(async h =>
        (await h.node.libp2p.peerStore.get(peerIdFromString(id)).catch(() => undefined))?.protocols.includes(STORAGE_NODE_PROTOCOL) === true))).filter(Boolean).length
      await until('every Sybil to be identified by a quarter of the honest nodes', async () => {
        for (const id of sybilIds) if (await identifiedBy(id) < honest.length / 4) return false
        return true
      }, 60_000)

      // Without the rule, the attacker's identities are the 15 closest storage nodes to the key.
      const sybilAnswer = await sybils[0].node.closestPeers(key, PLACEMENT)
      expect(sybilAnswer.filter(id => sybilIds.has(id)).length).toBeGreaterThanOrEqual(10)

      const truth = mesh.trueClosest(key, PLACEMENT)
      expect(truth.some(id => sybilIds.has(id))).toBe(false)
      for (const h of honest) expect(await h.node.closestPeers(key, PLACEMENT), h.node.peerId).toEqual(truth)

      const bytes = randomBytes(mulberry32(0x1d), 3000)
      const stored = await writer.node.objects!.storeObject(bytes)
      const onSybils = (await Promise.all(sybils.map(async s => await s.node.heldShards()))).flat()
      expect(onSybils).toEqual([])
      const held = (await Promise.all(honest.map(async h => await h.node.heldShards()))).flat().filter(s => s.objectId === stored.objectId && s.intact)
      expect(new Set(held.map(s => s.shardIndex)).size).toBe(PLACEMENT)
      const read = await writer.node.objects!.fetchObject(stored.objectId)
      expect(read.bytes).toEqual(bytes)
    } finally {
      await mesh.stop()
    }
  }, 300_000)
})
