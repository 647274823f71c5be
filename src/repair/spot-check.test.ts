import { describe, expect, it } from 'vitest'
import { WalletIdentity } from '../identity/index.ts'
import { ChunkPeerUnreachableError, type ChunkExchange, type HeldShard } from '../protocols/index.ts'
import { MemoryChunkStore } from '../store/index.ts'
import { makeObject, shardInput, type TestObject } from '../testing/chunk-nodes.ts'
import type { ObjectId } from '../types/index.ts'
import { DEFAULT_PLACEMENT_RULES } from '../placement/index.ts'
import type { SignedManifest } from '../wire/index.ts'
import type { RepairContext } from './context.ts'
import { CheckedPeers, DistrustedPeers, spotCheckClaims, type SpotCheckOptions } from './spot-check.ts'
import type { KeySurvey } from './survey.ts'

const owner = WalletIdentity.generate()

/** What a peer really holds (shard indices per object, `bad` ones with flipped bytes) and what it lists. */
interface Peer { holds: Map<ObjectId, number[]>, bad?: Array<[ObjectId, number]>, lists: Map<ObjectId, number[]>, listsLater?: Map<ObjectId, number[]>, down?: boolean }

function claims (object: TestObject, indices: number[]): HeldShard[] {
  return indices.map(shardIndex => ({
    objectId: object.manifest.objectId, shardIndex, shardHash: new Uint8Array(32), size: object.shards[0].length,
    placementKey: object.manifest.placementKey, owner: object.manifest.owner, storedAt: 0
  }) as unknown as HeldShard)
}

async function check (peers: Record<string, Peer>, objects: TestObject[], options: Pick<SpotCheckOptions, 'mustCheck' | 'skip'> = {}):
Promise<{ survey: KeySurvey, liars: Map<string, string>, passed: string[], checks: number }> {
  const byId = new Map(objects.map(object => [object.manifest.objectId, object]))
  const listOf = (lists: Map<ObjectId, number[]>): HeldShard[] => [...lists].flatMap(([id, indices]) => claims(byId.get(id)!, indices))
  const exchange = {
    fetch: async (peer: string, target: { objectId: ObjectId }) => {
      const state = peers[peer]
      if (state.down === true) throw new ChunkPeerUnreachableError(peer)
      const object = byId.get(target.objectId)!
      return (state.holds.get(target.objectId) ?? []).map(index => {
        const input = shardInput(object, index)
        const bad = state.bad?.some(([id, i]) => id === target.objectId && i === index) === true
        return { ...input, shard: bad ? input.shard.map(b => b ^ 1) : input.shard }
      })
    },
    list: async (peer: string) => listOf(peers[peer].listsLater ?? peers[peer].lists)
  } as unknown as ChunkExchange
  const ctx: RepairContext = {
    exchange, selfId: 'self', store: new MemoryChunkStore(), placementRules: DEFAULT_PLACEMENT_RULES, isDead: () => false,
    checkedManifests: new Map(), rebuiltBytesByOwner: new Map(), log: () => {}, signal: new AbortController().signal
  }
  const survey: KeySurvey = { held: new Map(Object.entries(peers).map(([peer, state]) => [peer, listOf(state.lists)])), failed: new Map() }
  const manifests = new Map<ObjectId, SignedManifest>(objects.map(object => [object.manifest.objectId, object.manifest]))
  const { liars, passed, checks } = await spotCheckClaims(ctx, survey, manifests, {
    placementKey: objects[0].manifest.placementKey, objectsPerPeer: 1, concurrency: 4, ...options
  })
  return { survey, liars, passed, checks }
}

describe('spot checks of LIST claims', () => {
  it('keeps honest claims, drops a liar\'s, and counts an unreachable peer as not answering', async () => {
    const objects = await Promise.all([1, 2, 3].map(async seed => await makeObject(owner, { seed, version: 2 })))
    const [a, b, c] = objects.map(object => object.manifest.objectId)
    const honest: Peer = { holds: new Map([[a, [1]], [b, [1]], [c, [1]]]), lists: new Map([[a, [1]], [b, [1]], [c, [1]]]) }
    // Claims every shard of every object, keeps nothing.
    const liar: Peer = { holds: new Map(), lists: new Map([[a, [0, 1, 2]], [b, [0, 1, 2]], [c, [0, 1, 2]]]) }
    const down: Peer = { ...honest, down: true }
    const { survey, liars, checks } = await check({ honest, liar, down }, objects)
    expect([...liars.keys()]).toEqual(['liar'])
    expect(liars.get('liar')).toMatch(/claimed shard\(s\) 0,1,2 of .* but sent no valid copy/)
    expect([...survey.held.keys()]).toEqual(['honest'])
    expect(survey.failed.get('down')).toMatch(/spot check of its LIST answer failed: ChunkPeerUnreachableError/)
    // One FETCH for the honest peer, two (a second object after the failure) for the liar, one for the one down.
    expect(checks).toBe(4)
  })

  it('does not condemn a holder for one shard gone bad on its disk, nor for a shard it gave away since its LIST', async () => {
    const objects = await Promise.all([1, 2].map(async seed => await makeObject(owner, { seed, version: 2 })))
    const [a, b] = objects.map(object => object.manifest.objectId)
    const corrupted: Peer = { holds: new Map([[a, [2]], [b, [2]]]), bad: [[a, 2]], lists: new Map([[a, [2]], [b, [2]]]) }
    const handedOff: Peer = { holds: new Map([[b, [3]]]), lists: new Map([[a, [3]], [b, [3]]]), listsLater: new Map([[b, [3]]]) }
    for (let run = 0; run < 4; run++) {
      const { survey, liars } = await check({ corrupted, handedOff }, objects)
      expect(liars.size).toBe(0)
      expect(survey.held.has('corrupted')).toBe(true)
      expect(survey.held.has('handedOff')).toBe(true)
    }
  })

  it('leaves peers that passed lately alone, but checks every object whose shard a peer acknowledged, and one failure there is a lie', async () => {
    const objects = await Promise.all([1, 2, 3].map(async seed => await makeObject(owner, { seed, version: 2 })))
    const [a, b, c] = objects.map(object => object.manifest.objectId)
    const honest: Peer = { holds: new Map([[a, [1]], [b, [1]], [c, [1]]]), lists: new Map([[a, [1]], [b, [1]], [c, [1]]]) }
    // Keeps what it held before, and claims the shard of `c` it acknowledged without keeping it.
    const forgetful: Peer = { holds: new Map([[a, [2]], [b, [2]]]), lists: new Map([[a, [2]], [b, [2]], [c, [2]]]) }
    const skipped = await check({ honest, forgetful }, objects, { skip: () => true })
    expect(skipped.checks).toBe(0)
    expect(skipped.liars.size).toBe(0)

    const held = await check({ honest, forgetful }, objects, { skip: () => true, mustCheck: new Map([['forgetful', new Set([c])]]) })
    expect([...held.liars.keys()]).toEqual(['forgetful'])
    expect(held.liars.get('forgetful')).toMatch(/claimed shard\(s\) 2 of .* but sent no valid copy/)
    expect(held.checks).toBe(1)
    expect(held.passed).toEqual([])

    const kept = await check({ honest, forgetful: { ...forgetful, holds: new Map([[a, [2]], [b, [2]], [c, [2]]]) } }, objects,
      { skip: peer => peer === 'honest', mustCheck: new Map([['forgetful', new Set([c])]]) })
    expect(kept.liars.size).toBe(0)
    expect(kept.passed).toEqual(['forgetful'])
  })

  it('judges a peer that claims a single object on that one', async () => {
    const objects = [await makeObject(owner, { version: 2 })]
    const { liars } = await check({ liar: { holds: new Map(), lists: new Map([[objects[0].manifest.objectId, [4]]]) } }, objects)
    expect([...liars.keys()]).toEqual(['liar'])
  })
})

describe('distrusted peers', () => {
  it('are distrusted for the period, then trusted again', () => {
    const clock = { ms: 0 }
    const distrusted = new DistrustedPeers(1000, () => clock.ms)
    distrusted.distrust('p')
    expect(distrusted.has('p')).toBe(true)
    clock.ms = 999
    expect(distrusted.has('p')).toBe(true)
    clock.ms = 1000
    expect(distrusted.has('p')).toBe(false)
    expect(distrusted.size).toBe(0)
  })
})

describe('checked peers', () => {
  it('are left unchecked for the period after passing, and at once after failing a challenge', () => {
    const clock = { ms: 0 }
    const checked = new CheckedPeers(1000, () => clock.ms)
    expect(checked.passedLately('p')).toBe(false)
    checked.passed('p')
    clock.ms = 999
    expect(checked.passedLately('p')).toBe(true)
    clock.ms = 1000
    expect(checked.passedLately('p')).toBe(false)
    checked.passed('p')
    checked.forget('p')
    expect(checked.passedLately('p')).toBe(false)
  })
})
