import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, describe, expect, it } from 'vitest'
import { createStorageNodes, stopNodes, type MeshNode } from '../testing/object-mesh.ts'
import { HealthMonitor, MAX_DEAD_PROBE_SKIP, ProbeInconclusiveError, type DeadPeer, type HealthRound, type PeerReturned } from './health.ts'
import { chunkServiceProbe, pingProbe, unlessIsolated } from './probes.ts'
import { restartNode } from '../testing/heal-mesh.ts'

/** A probe whose answer per peer the test sets; counts attempts and concurrency. */
function fakeProbe (delayMs = 0) {
  const answers = new Map<string, 'ok' | 'fail' | 'hang' | number>()
  const attempts = new Map<string, number>()
  const active = new Map<string, number>()
  let running = 0
  let maxRunning = 0
  let maxPerPeer = 0
  const probe = async (peer: string, signal: AbortSignal): Promise<void> => {
    attempts.set(peer, (attempts.get(peer) ?? 0) + 1)
    running++
    active.set(peer, (active.get(peer) ?? 0) + 1)
    maxRunning = Math.max(maxRunning, running)
    maxPerPeer = Math.max(maxPerPeer, active.get(peer)!)
    try {
      if (delayMs > 0) await new Promise(resolve => setTimeout(resolve, delayMs))
      const answer = answers.get(peer) ?? 'ok'
      if (answer === 'hang') await new Promise(() => {}) // ignores its signal on purpose
      if (answer === 'fail') throw new Error(`connection to ${peer} refused`)
      if (typeof answer === 'number') {
        // Fails this many more times, then answers.
        answers.set(peer, answer - 1 > 0 ? answer - 1 : 'ok')
        throw new Error(`connection to ${peer} timed out`)
      }
      signal.throwIfAborted()
    } finally {
      running--
      active.set(peer, active.get(peer)! - 1)
    }
  }
  return { probe, answers, attempts, stats: () => ({ maxRunning, maxPerPeer }) }
}

async function until (condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

function collect (monitor: HealthMonitor): { dead: DeadPeer[], alive: PeerReturned[], rounds: HealthRound[] } {
  const seen = { dead: [] as DeadPeer[], alive: [] as PeerReturned[], rounds: [] as HealthRound[] }
  monitor.on('dead', peer => seen.dead.push(peer))
  monitor.on('alive', peer => seen.alive.push(peer))
  monitor.on('round', round => seen.rounds.push(round))
  return seen
}

describe('HealthMonitor with a fake probe', () => {
  it('marks a peer dead only when the first attempt and all retries fail, with since-when and the last error', async () => {
    const fake = fakeProbe()
    fake.answers.set('down', 'fail')
    fake.answers.set('flaky', 2) // fails twice, answers the third attempt
    const monitor = new HealthMonitor({ peers: () => ['up', 'down', 'flaky', 'self'], self: 'self', probe: fake.probe, retries: 3, retryDelayMs: 5 })
    const seen = collect(monitor)
    const before = Date.now()
    const round = await monitor.runOnce()

    expect(round).toMatchObject({ checked: 3, alive: 2, died: ['down'], returned: [], aborted: false })
    expect(fake.attempts.get('down')).toBe(4) // the seed's probe plus retries 1, 2 and 3
    expect(fake.attempts.get('flaky')).toBe(3)
    expect(fake.attempts.get('up')).toBe(1)
    expect(fake.attempts.has('self')).toBe(false)
    expect(monitor.isDead('down')).toBe(true)
    expect(monitor.isDead('flaky')).toBe(false)
    expect(monitor.deadPeers()).toEqual([{ peerId: 'down', since: expect.any(Number), lastError: 'Error: connection to down refused', failedAttempts: 4 }])
    expect(monitor.deadPeers()[0].since).toBeGreaterThanOrEqual(before)
    expect(seen.dead.map(peer => peer.peerId)).toEqual(['down'])
  })

  it('counts a peer that connected while its probe was failing as alive, and takes back a dead peer that is connected now', async () => {
    const fake = fakeProbe()
    fake.answers.set('raced', 'fail') // its dial loses to the peer's own, which connects meanwhile
    fake.answers.set('down', 'fail')
    const connected = new Set<string>()
    const monitor = new HealthMonitor({
      peers: () => ['raced', 'down', 'up'], probe: fake.probe, retries: 1, retryDelayMs: 5, aliveNow: peer => connected.has(peer)
    })
    const seen = collect(monitor)
    const failing = monitor.runOnce()
    connected.add('raced')
    expect(await failing).toMatchObject({ alive: 2, died: ['down'] })
    expect(monitor.isDead('raced')).toBe(false)
    expect(fake.attempts.get('raced')).toBe(2) // the probe's verdict came first; the connection decided
    // A dead peer that is connected by the next round is back, though its probe still fails.
    connected.add('down')
    expect(await monitor.runOnce()).toMatchObject({ returned: ['down'] })
    expect(monitor.isDead('down')).toBe(false)
    expect(seen.alive.map(peer => peer.peerId)).toEqual(['down'])
  })

  it('neither declares dead nor takes back a peer whose check is inconclusive', async () => {
    const fake = fakeProbe()
    fake.answers.set('gone', 'fail')
    const cut = new Set<string>()
    const probe = async (peer: string, signal: AbortSignal): Promise<void> => {
      if (cut.has(peer)) throw new ProbeInconclusiveError(`${peer} is reachable only through a relay`)
      await fake.probe(peer, signal)
    }
    const monitor = new HealthMonitor({ peers: () => ['up', 'gone', 'unreachable'], probe, retries: 2, retryDelayMs: 1 })
    const seen = collect(monitor)
    expect(await monitor.runOnce()).toMatchObject({ checked: 3, alive: 2, died: ['gone'] })
    cut.add('unreachable')
    cut.add('gone')
    fake.answers.set('gone', 'ok')
    for (let i = 0; i < 3; i++) expect(await monitor.runOnce()).toMatchObject({ alive: 1, died: [], returned: [] })
    expect(monitor.isDead('unreachable')).toBe(false) // inconclusive is no failure
    expect(monitor.isDead('gone')).toBe(true) // nor an answer
    cut.clear()
    expect(await monitor.runOnce()).toMatchObject({ alive: 3, returned: ['gone'] })
    expect(seen.dead.map(peer => peer.peerId)).toEqual(['gone'])
  })

  it('calls a check inconclusive only when this node has no relay and the peer has only relayed addresses', async () => {
    const [tab, headless, unknown] = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    const addresses = new Map<string, string[]>([
      [tab, ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc']],
      [headless, ['/ip4/127.0.0.1/tcp/4002/ws', '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRelay/p2p-circuit']]
    ])
    const book = {
      peerStore: {
        get: async (peerId: { toString(): string }) => {
          const known = addresses.get(peerId.toString())
          if (known === undefined) throw new Error('Not Found')
          return { addresses: known.map(ma => ({ multiaddr: ma })) }
        }
      }
    }
    const probed: string[] = []
    let relayUp = false
    const probe = unlessIsolated(book, () => relayUp, async peer => { probed.push(peer) })
    const never = new AbortController().signal
    await expect(probe(tab, never)).rejects.toBeInstanceOf(ProbeInconclusiveError)
    await expect(probe(unknown, never)).rejects.toBeInstanceOf(ProbeInconclusiveError)
    await probe(headless, never) // a direct address: probed as usual
    relayUp = true
    await probe(tab, never)
    expect(probed).toEqual([headless, tab])
  })

  it('calls a check inconclusive when the peer\'s direct addresses are ones this node does not dial (a tab and a WebSocket)', async () => {
    const headless = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const book = {
      peerStore: {
        get: async () => ({ addresses: ['/ip4/127.0.0.1/tcp/4002/ws', '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc'].map(ma => ({ multiaddr: ma })) })
      }
    }
    const probed: string[] = []
    let relayUp = false
    const tabProbe = unlessIsolated(book, () => relayUp, async peer => { probed.push(peer) }, ma => !ma.includes('/ws'))
    await expect(tabProbe(headless, new AbortController().signal)).rejects.toBeInstanceOf(ProbeInconclusiveError)
    relayUp = true
    await tabProbe(headless, new AbortController().signal)
    expect(probed).toEqual([headless])
  })

  it('probes a dead peer in the next round and takes it back when it answers again', async () => {
    const fake = fakeProbe()
    fake.answers.set('b', 'fail')
    const monitor = new HealthMonitor({ peers: () => ['a', 'b'], probe: fake.probe, retries: 2, retryDelayMs: 1 })
    const seen = collect(monitor)
    await monitor.runOnce()
    expect(monitor.isDead('b')).toBe(true)
    await monitor.runOnce()
    expect(fake.attempts.get('b')).toBe(3 + 1)
    expect(monitor.deadPeers()[0].failedAttempts).toBe(4)
    expect(seen.dead).toHaveLength(1) // declared once, not again each round

    fake.answers.set('b', 'ok')
    await monitor.runOnce() // resting one round after its failed probe
    expect(fake.attempts.get('b')).toBe(4)
    const round = await monitor.runOnce()
    expect(round.returned).toEqual(['b'])
    expect(monitor.isDead('b')).toBe(false)
    expect(monitor.deadPeers()).toEqual([])
    expect(seen.alive).toEqual([{ peerId: 'b', deadForMs: expect.any(Number) }])
  })

  it('probes a dead peer that stays silent in rounds further apart, at most every MAX_DEAD_PROBE_SKIP + 1 rounds', async () => {
    const fake = fakeProbe()
    fake.answers.set('b', 'fail')
    const monitor = new HealthMonitor({ peers: () => ['a', 'b'], probe: fake.probe, retries: 0 })
    const probedIn: number[] = []
    for (let round = 1; round <= 16; round++) {
      const before = fake.attempts.get('b') ?? 0
      const { checked } = await monitor.runOnce()
      if ((fake.attempts.get('b') ?? 0) > before) probedIn.push(round)
      expect(checked).toBe(probedIn.at(-1) === round ? 2 : 1)
    }
    // Declared in round 1; probed again in round 2, then after pauses of 1, 2, 3, 3, ... rounds.
    expect(MAX_DEAD_PROBE_SKIP).toBe(3)
    expect(probedIn).toEqual([1, 2, 4, 7, 11, 15])
    expect(monitor.isDead('b')).toBe(true)
    // A connection it opens takes it back at once, pause or not, and a later death starts the pauses afresh.
    monitor.noteAlive('b')
    expect(monitor.isDead('b')).toBe(false)
    await monitor.runOnce()
    expect(monitor.isDead('b')).toBe(true)
    const before = fake.attempts.get('b') ?? 0
    await monitor.runOnce()
    expect(fake.attempts.get('b')).toBe(before + 1)
  })

  it('re-checks dead peers the peer list no longer names, and takes one back at once on other evidence of life', async () => {
    const fake = fakeProbe()
    fake.answers.set('gone', 'fail')
    let listed = ['gone', 'other']
    const monitor = new HealthMonitor({ peers: () => listed, probe: fake.probe, retries: 0 })
    await monitor.runOnce()
    expect(monitor.isDead('gone')).toBe(true)
    listed = ['other'] // e.g. dropped from the routing table
    await monitor.runOnce()
    expect(fake.attempts.get('gone')).toBe(2)
    expect(monitor.isDead('gone')).toBe(true)
    const seen = collect(monitor)
    monitor.noteAlive('gone')
    expect(monitor.isDead('gone')).toBe(false)
    expect(seen.alive.map(peer => peer.peerId)).toEqual(['gone'])
  })

  it('declares nobody dead when most peers fail at once, since this node is the likelier culprit', async () => {
    const fake = fakeProbe()
    const peers = ['a', 'b', 'c', 'd', 'e', 'f']
    for (const peer of ['a', 'b', 'c', 'd']) fake.answers.set(peer, 'fail') // e.g. this node's network is down
    const monitor = new HealthMonitor({ peers: () => peers, probe: fake.probe, retries: 1, retryDelayMs: 1 })
    const seen = collect(monitor)
    const round = await monitor.runOnce()
    expect(round.died).toEqual([])
    expect(round.heldBack.sort()).toEqual(['a', 'b', 'c', 'd'])
    expect(monitor.deadPeers()).toEqual([])

    for (const peer of ['a', 'b', 'c']) fake.answers.set(peer, 'ok') // back online: only d is really gone
    expect((await monitor.runOnce()).died).toEqual(['d'])
    expect(seen.dead.map(peer => peer.peerId)).toEqual(['d'])
  })

  it('fails an attempt at its deadline even when the probe ignores its signal', async () => {
    const fake = fakeProbe()
    fake.answers.set('stuck', 'hang')
    const monitor = new HealthMonitor({ peers: () => ['stuck'], probe: fake.probe, retries: 1, retryDelayMs: 1, probeTimeoutMs: 50 })
    const started = Date.now()
    const round = await monitor.runOnce()
    expect(round.died).toEqual(['stuck'])
    expect(Date.now() - started).toBeLessThan(10_000) // not the 'never' of the probe
    expect(monitor.deadPeers()[0].lastError).toMatch(/TimeoutError/)
  })

  it('never overlaps rounds, bounds concurrent probes, and shares a round with concurrent callers', async () => {
    const fake = fakeProbe(25)
    const peers = Array.from({ length: 10 }, (_, i) => `peer${i}`)
    // Each round takes about 4 × 25 ms, four times the interval: rounds would pile up if the timer did not wait.
    const monitor = new HealthMonitor({ peers: () => peers, probe: fake.probe, intervalMs: 25, concurrency: 3 })
    const seen = collect(monitor)
    const [first, second] = await Promise.all([monitor.runOnce(), monitor.runOnce()])
    expect(second).toBe(first)
    expect(fake.attempts.get('peer0')).toBe(1)

    monitor.start()
    const deadline = Date.now() + 20_000
    while (seen.rounds.length < 4 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    await monitor.stop()
    const rounds = seen.rounds.slice(1)
    expect(rounds.length).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < rounds.length; i++) {
      expect(rounds[i].startedAt).toBeGreaterThanOrEqual(rounds[i - 1].startedAt + rounds[i - 1].durationMs)
    }
    expect(fake.stats()).toEqual({ maxRunning: 3, maxPerPeer: 1 })
    const attemptsAfterStop = fake.attempts.get('peer0')
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(fake.attempts.get('peer0')).toBe(attemptsAfterStop) // stopped means stopped
  })

  it('checks a peer out of turn on checkSoon, alongside the rounds, only if it watches it', async () => {
    const fake = fakeProbe()
    const peers = ['a', 'b', 'c', 'd', 'e', 'f']
    // A round every minute: only checkSoon can make a death known within this test.
    const monitor = new HealthMonitor({ peers: () => peers, probe: fake.probe, intervalMs: 60_000, retries: 2, retryDelayMs: 5 })
    const seen = collect(monitor)
    monitor.checkSoon('a') // not started: ignored
    monitor.start()
    await until(() => seen.rounds.length === 1)
    expect(seen.rounds[0]).toMatchObject({ checked: 6, alive: 6 })

    fake.answers.set('a', 'fail')
    fake.answers.set('b', 'fail')
    for (const peer of ['a', 'b', 'c', 'stranger']) monitor.checkSoon(peer)
    await until(() => seen.dead.length === 2)
    expect(seen.dead.map(peer => peer.peerId).sort()).toEqual(['a', 'b'])
    expect(seen.dead[0]).toMatchObject({ failedAttempts: 3, lastError: expect.stringMatching(/refused/) })
    expect(fake.attempts.get('a')).toBe(1 + 3)
    expect(fake.attempts.get('c')).toBe(1 + 1) // answered at once
    expect(fake.attempts.get('d')).toBe(1) // not asked about
    expect(fake.attempts.has('stranger')).toBe(false) // not among the peers it checks
    monitor.checkSoon('a') // dead already: not probed again out of turn
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(fake.attempts.get('a')).toBe(1 + 3)
    expect(seen.rounds).toHaveLength(1)
    await monitor.stop()
  })

  it('declares nobody dead out of turn when most connections drop together, and stops checking when stopped', async () => {
    const fake = fakeProbe()
    const peers = ['a', 'b', 'c', 'd', 'e', 'f']
    const monitor = new HealthMonitor({ peers: () => peers, probe: fake.probe, intervalMs: 60_000, retries: 1, retryDelayMs: 20 })
    const seen = collect(monitor)
    monitor.start()
    await until(() => seen.rounds.length === 1)
    // This node's own network goes: every connection closes and every peer fails.
    for (const peer of peers) fake.answers.set(peer, 'fail')
    for (const peer of peers) monitor.checkSoon(peer)
    await until(() => peers.every(peer => fake.attempts.get(peer) === 1 + 2))
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(seen.dead).toEqual([])

    fake.answers.set('a', 'hang')
    monitor.checkSoon('a')
    await new Promise(resolve => setTimeout(resolve, 10))
    await monitor.stop()
    expect(seen.dead).toEqual([])
    expect(seen.rounds).toHaveLength(1)
  })

  it('declares nobody dead when stop() cuts a round short, and survives a failing peer list', async () => {
    const fake = fakeProbe()
    fake.answers.set('x', 'fail')
    const monitor = new HealthMonitor({ peers: () => ['x'], probe: fake.probe, retries: 3, retryDelayMs: 200 })
    const round = monitor.runOnce()
    await new Promise(resolve => setTimeout(resolve, 50))
    await monitor.stop()
    expect((await round).aborted).toBe(true)
    expect(monitor.isDead('x')).toBe(false)

    const broken = new HealthMonitor({ peers: () => { throw new Error('routing table unavailable') }, probe: fake.probe })
    expect(await broken.runOnce()).toMatchObject({ checked: 0, died: [] })
  })
})

describe('HealthMonitor over real libp2p ping', () => {
  let nodes: MeshNode[] = []

  afterAll(async () => {
    await stopNodes(nodes.filter(node => node.libp2p.status === 'started'))
  }, 30_000)

  it('declares a stopped node dead after its retries and takes it back when it returns', async () => {
    nodes = await createStorageNodes(3)
    const [watcher, steady, leaving] = nodes
    for (const node of [steady, leaving]) await watcher.libp2p.peerStore.merge(node.libp2p.peerId, { multiaddrs: node.libp2p.getMultiaddrs() })
    const monitor = new HealthMonitor({
      peers: () => [steady.peerId, leaving.peerId], probe: pingProbe(watcher.libp2p), retries: 3, retryDelayMs: 100, probeTimeoutMs: 2000
    })
    expect(await monitor.runOnce()).toMatchObject({ alive: 2, died: [] })

    await leaving.libp2p.stop()
    const round = await monitor.runOnce()
    expect(round.died).toEqual([leaving.peerId])
    expect(monitor.isDead(steady.peerId)).toBe(false)
    expect(monitor.deadPeers()).toEqual([{ peerId: leaving.peerId, since: expect.any(Number), lastError: expect.stringMatching(/\w+: /), failedAttempts: 4 }])

    await restartNode(leaving, [watcher])
    const back = await monitor.runOnce()
    expect(back.returned).toEqual([leaving.peerId])
    expect(monitor.deadPeers()).toEqual([])
  })

  it('probes the chunk service the same way', async () => {
    const [watcher, steady, leaving] = nodes
    const monitor = new HealthMonitor({
      peers: () => [steady.peerId, leaving.peerId], probe: chunkServiceProbe(watcher.libp2p, 2000), retries: 1, retryDelayMs: 100, probeTimeoutMs: 2000
    })
    expect(await monitor.runOnce()).toMatchObject({ alive: 2, died: [] })
    await leaving.service.stop() // libp2p still answers pings, but this node no longer serves shards
    expect((await monitor.runOnce()).died).toEqual([leaving.peerId])
    await leaving.service.start()
    expect((await monitor.runOnce()).returned).toEqual([leaving.peerId])
  })
})
