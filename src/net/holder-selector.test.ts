import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it, vi } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ASK_STRAGGLER_MIN_MS, askInWaves, firstAnswers, MeshHolderSelector, NotAskedError, type HolderSelectorOptions } from './holder-selector.ts'
import { kadIdOf, kadIdOfKey, nodeClassOf, rankByDistance } from '../placement/index.ts'
import type { MeshLibp2p } from './libp2p.ts'
import type { PeerKeeper } from './peer-keeper.ts'
import type { PeerId } from '@libp2p/interface'

async function newPeerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/**
 * The parts of a libp2p node the selector uses: `connections` as its open connections, `dial` as its dials, a DHT that
 * names nobody, and a peer store that knows no protocols.
 */
function fakeLibp2p (self: PeerId, connections: Array<{ remotePeer: PeerId }>, dial: (peer: PeerId, options: { signal: AbortSignal }) => Promise<unknown>,
  events = new EventTarget()): MeshLibp2p {
  return {
    peerId: self,
    logger: defaultLogger(),
    services: { dht: { async * getClosestPeers () {} } },
    getConnections: (peer?: PeerId) => connections.filter(c => peer === undefined || c.remotePeer.equals(peer)),
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
    dial,
    peerStore: { get: async () => ({ protocols: [] }), merge: async () => {} }
  } as unknown as MeshLibp2p
}

/**
 * A node whose own dial to `other` never completes (as a tab's WebRTC dial that lost a race), while a connection
 * to `other` opens by another path `opensAfterMs` later.
 */
async function racingDials (opensAfterMs: number): Promise<{ selector: MeshHolderSelector, self: PeerId, other: PeerId, dials: () => number }> {
  const self = await newPeerId()
  const other = await newPeerId()
  const events = new EventTarget()
  const connections: Array<{ remotePeer: PeerId, status: string, limits: undefined }> = []
  let dials = 0
  const libp2p = fakeLibp2p(self, connections, async (_peer, options) => {
    dials++
    await new Promise((_resolve, reject) => { options.signal.addEventListener('abort', () => { reject(options.signal.reason) }) })
  }, events)
  const keeper = {
    storagePeers: new Set([other.toString()]),
    nonStoragePeers: new Set<string>(),
    isRelay: () => false,
    relayConnected: () => true,
    sinceSeen: () => Infinity
  } as unknown as PeerKeeper
  setTimeout(() => {
    const connection = { remotePeer: other, status: 'open', limits: undefined }
    connections.push(connection)
    events.dispatchEvent(new CustomEvent('connection:open', { detail: connection }))
  }, opensAfterMs)
  const selector = new MeshHolderSelector(libp2p, keeper, { lookupTimeoutMs: 1000, dialTimeoutMs: 60_000, selfIsStorage: true, livenessGraceMs: 1000 })
  return { selector, self, other, dials: () => dials }
}

describe('MeshHolderSelector liveness', () => {
  it('counts a storage node live as soon as a connection to it opens by another path while its own dial still hangs', async () => {
    const { selector, self, other, dials } = await racingDials(50)
    const started = Date.now()
    const chosen = await selector.select(new Uint8Array(32), 2, { fresh: true })
    // Before, the hanging dial's 60 s timeout decided, and the node was left out of the answer.
    expect(new Set(chosen)).toEqual(new Set([self.toString(), other.toString()]))
    expect(dials()).toBe(1)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('firstAnswers', () => {
  const answerAfter = (ms: number, value: string) => async (stop: AbortSignal): Promise<string> => await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { resolve(value) }, ms)
    stop.addEventListener('abort', () => { clearTimeout(timer); reject(stop.reason) })
  })

  it('stops an asked node still out after three times the first answer\'s time (at least 1 s), and keeps the answers in', async () => {
    vi.useFakeTimers()
    try {
      const settled = firstAnswers([answerAfter(600, 'a'), answerAfter(1_500, 'b'), answerAfter(8_000, 'stalled')])
      await vi.advanceTimersByTimeAsync(600 + 3 * 600)
      const results = await settled
      expect(results.map(r => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected'])
      expect(results.slice(0, 2).map(r => (r as PromiseFulfilledResult<string>).value)).toEqual(['a', 'b'])
    } finally {
      vi.useRealTimers()
    }
  })

  it('waits for every asked node while nobody has answered, and gives a fast mesh at least ASK_STRAGGLER_MIN_MS', async () => {
    vi.useFakeTimers()
    try {
      const slow = firstAnswers([answerAfter(7_000, 'a'), answerAfter(7_500, 'b')])
      await vi.advanceTimersByTimeAsync(7_500)
      expect((await slow).map(r => r.status)).toEqual(['fulfilled', 'fulfilled'])
      const fast = firstAnswers([answerAfter(10, 'a'), answerAfter(ASK_STRAGGLER_MIN_MS - 50, 'b')])
      await vi.advanceTimersByTimeAsync(ASK_STRAGGLER_MIN_MS)
      expect((await fast).map(r => r.status)).toEqual(['fulfilled', 'fulfilled'])
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('askInWaves', () => {
  /** Asks that answer after `answerMs[id]` ms, fail at once when it is negative, and hang when it is undefined. */
  function asker (answerMs: Record<string, number | undefined>): { ask: (id: string, stop: AbortSignal) => Promise<string>, asked: string[] } {
    const asked: string[] = []
    const ask = async (id: string, stop: AbortSignal): Promise<string> => await new Promise((resolve, reject) => {
      asked.push(id)
      const ms = answerMs[id]
      if (ms !== undefined && ms < 0) { reject(new Error(`${id} refused`)); return }
      const timer = ms === undefined ? undefined : setTimeout(() => { resolve(id) }, ms)
      stop.addEventListener('abort', () => { clearTimeout(timer); reject(stop.reason) })
    })
    return { ask, asked }
  }
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']

  it('asks the next wave when nobody of the first answered within the hedge, and the third never', async () => {
    vi.useFakeTimers()
    try {
      const { ask, asked } = asker({ d: 300, e: 5_000 })
      const deadline = new AbortController()
      const settled = askInWaves(ids, ask, { perWave: 3, hedgeMs: 1_000, signal: deadline.signal })
      await vi.advanceTimersByTimeAsync(999)
      expect(asked).toEqual(['a', 'b', 'c'])
      await vi.advanceTimersByTimeAsync(1_000 + 300 + 3 * 1_300)
      const results = await settled
      expect(asked).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
      expect(results.map(r => r.status === 'fulfilled' ? r.value : (r.reason instanceof NotAskedError ? 'not asked' : 'failed')))
        .toEqual(['failed', 'failed', 'failed', 'd', 'failed', 'failed', 'not asked', 'not asked', 'not asked'])
    } finally {
      vi.useRealTimers()
    }
  })

  it('asks the next wave at once when every ask out has failed', async () => {
    vi.useFakeTimers()
    try {
      const { ask, asked } = asker({ a: -1, b: -1, c: -1, d: 50, e: 60, f: 70 })
      const settled = askInWaves(ids, ask, { perWave: 3, hedgeMs: 1_000, signal: new AbortController().signal })
      await vi.advanceTimersByTimeAsync(100)
      const results = await settled
      expect(asked).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
      expect(results.filter(r => r.status === 'fulfilled').map(r => (r as PromiseFulfilledResult<string>).value)).toEqual(['d', 'e', 'f'])
    } finally {
      vi.useRealTimers()
    }
  })

  it('asks only the first wave when it answers in time, and nobody once the lookup has ended', async () => {
    vi.useFakeTimers()
    try {
      const { ask, asked } = asker({ a: 100, b: 200, c: 300 })
      const settled = askInWaves(ids, ask, { perWave: 3, hedgeMs: 1_000, signal: new AbortController().signal })
      await vi.advanceTimersByTimeAsync(5_000)
      expect((await settled).filter(r => r.status === 'fulfilled')).toHaveLength(3)
      expect(asked).toEqual(['a', 'b', 'c'])

      const ended = new AbortController()
      const hung = asker({})
      const none = askInWaves(ids, hung.ask, { perWave: 3, hedgeMs: 1_000, signal: ended.signal })
      await vi.advanceTimersByTimeAsync(500)
      ended.abort(new Error('the lookup\'s deadline'))
      const results = await none
      expect(hung.asked).toEqual(['a', 'b', 'c'])
      expect(results.every(r => r.status === 'rejected')).toBe(true)
      expect(results.slice(3).every(r => r.status === 'rejected' && r.reason instanceof NotAskedError)).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('MeshHolderSelector within a connection budget', () => {
  /**
   * A tab with a budget that knows 30 storage nodes, holds connections to 8 of them and was connected to the others
   * within the liveness grace; none of the connected nodes answers the closest-peers protocol.
   */
  async function budgetedTab (options: { othersSeenMsAgo?: number, selector?: Partial<HolderSelectorOptions> } = {}): Promise<{
    selector: MeshHolderSelector, self: string, others: string[], connected: Set<string>, everyone: string[], dials: () => number
  }> {
    const self = await newPeerId()
    const others = await Promise.all(Array.from({ length: 30 }, newPeerId))
    const connections = others.slice(0, 8).map(remotePeer => ({
      remotePeer,
      status: 'open',
      limits: undefined,
      newStream: async () => { throw new Error('the protocol is not supported') }
    }))
    const connected = new Set(connections.map(c => c.remotePeer.toString()))
    let dials = 0
    const libp2p = fakeLibp2p(self, connections, async () => { dials++; throw new Error('no dial expected') })
    const keeper = {
      storagePeers: new Set(others.map(String)),
      nonStoragePeers: new Set<string>(),
      target: 11,
      isRelay: () => false,
      relayConnected: () => true,
      operatorsFirst: (peers: string[]) => peers,
      sinceSeen: (id: string) => connected.has(id) ? 0 : options.othersSeenMsAgo ?? 5_000
    } as unknown as PeerKeeper
    const selector = new MeshHolderSelector(libp2p, keeper, {
      lookupTimeoutMs: 2_000, dialTimeoutMs: 2_000, selfIsStorage: true, livenessGraceMs: 60_000, askConnected: true, ...options.selector
    })
    return { selector, self: self.toString(), others: others.map(String), connected, everyone: [self, ...others].map(String), dials: () => dials }
  }

  it('answers for one class of storage node apart: only peer IDs of that class, nearest first', async () => {
    const { selector, everyone } = await budgetedTab()
    const key = crypto.getRandomValues(new Uint8Array(32))
    for (const nodeClass of ['operator', 'tab'] as const) {
      const ofClass = rankByDistance(kadIdOfKey(key), everyone.filter(id => nodeClassOf(id) === nodeClass), kadIdOf).map(r => r.item)
      expect(await selector.select(key, 4, { localOnly: true, nodeClass })).toEqual(ofClass.slice(0, 4))
      // A network answer for one class: not the connected nodes' closest-peers answers (they rank every class), but
      // its own view, each candidate checked live.
      expect(await selector.select(key, 4, { fresh: true, nodeClass })).toEqual(ofClass.slice(0, 4))
    }
  })

  it('answers from the storage nodes it knows to be live, without a dial, when no connected node answers', async () => {
    const { selector, everyone, dials } = await budgetedTab()
    const key = crypto.getRandomValues(new Uint8Array(32))
    const chosen = await selector.select(key, 15, { fresh: true })
    // Before, the node walked the DHT and dialled candidates one after another to check them live.
    expect(dials()).toBe(0)
    expect(chosen).toEqual(rankByDistance(kadIdOfKey(key), everyone, kadIdOf).slice(0, 15).map(r => r.item))
  })

  it('when no connected node answers, counts the storage nodes earlier answers named within the grace as live, and only then', async () => {
    let naming: string[] | undefined
    let now = 0
    // Connected to 8; the other 22 it met too long ago to count them live itself: only answers name them.
    const { selector, self, others, connected, everyone } = await budgetedTab({
      othersSeenMsAgo: Infinity,
      selector: {
        now: () => now,
        ask: async () => {
          if (naming === undefined) throw new Error('busy elsewhere')
          return naming.map(peerId => ({ peerId, addrs: [] }))
        }
      }
    })
    naming = others
    const ranked = (key: Uint8Array, ids: string[]): string[] => rankByDistance(kadIdOfKey(key), ids, kadIdOf).slice(0, 15).map(r => r.item)
    const closest = (key: Uint8Array): string[] => ranked(key, everyone)
    const [first, second, third] = Array.from({ length: 3 }, () => crypto.getRandomValues(new Uint8Array(32)))
    expect(await selector.select(first, 15, { fresh: true })).toEqual(closest(first))

    // Nobody answers now: before, the answer held only the 8 connected nodes and this one.
    naming = undefined
    now = 30_000
    expect(await selector.select(second, 15, { fresh: true })).toEqual(closest(second))

    // While answers come in they decide: the nodes nearest the key that they no longer name are left out.
    const gone = closest(third).filter(id => id !== self && !connected.has(id)).slice(0, 3)
    naming = others.filter(id => !gone.includes(id))
    expect(await selector.select(third, 15, { fresh: true })).toEqual(ranked(third, everyone.filter(id => !gone.includes(id))))

    // Past the grace, a node only named is no longer counted live without an answer: the 8 connected and this one.
    naming = undefined
    now = 30_000 + 60_001
    const fourth = crypto.getRandomValues(new Uint8Array(32))
    expect(await selector.select(fourth, 15, { fresh: true })).toEqual(ranked(fourth, [self, ...connected]))
  })

  it('counts a storage node its own health checks hold dead when a connected node\'s answer names it, and only then', async () => {
    let dead = new Set<string>()
    let naming: string[] = []
    // Connected to 8; the others it met too long ago to count them live itself.
    const { selector, others, connected, everyone } = await budgetedTab({
      othersSeenMsAgo: Infinity,
      selector: { isDead: id => dead.has(id), ask: async () => naming.map(peerId => ({ peerId, addrs: [] })) }
    })
    const ranked = (key: Uint8Array, ids: string[]): string[] => rankByDistance(kadIdOfKey(key), ids, kadIdOf).slice(0, 15).map(r => r.item)
    const key = crypto.getRandomValues(new Uint8Array(32))
    // Three nodes near the key that this node could not dial (on a loaded machine its dials timed out): it holds them
    // dead, while the connected nodes it asks are connected to them and name them.
    const heldDead = ranked(key, others).filter(id => !connected.has(id)).slice(0, 3)
    dead = new Set(heldDead)
    naming = others
    expect(await selector.select(key, 15, { fresh: true })).toEqual(ranked(key, everyone))

    // When the answers stop naming them too (the mesh found them gone), this node's verdict stands.
    naming = others.filter(id => !heldDead.includes(id))
    expect(await selector.select(key, 15, { fresh: true })).toEqual(ranked(key, everyone.filter(id => !heldDead.includes(id))))
  })
})
