/**
 * `node --import tsx bench/peer-store-merges.ts [PINGS_PER_ROUND] [ROUNDS]`: what libp2p's peer-store write on
 * every stream costs, and what the peer-store cache (peer-store-cache.ts) saves.
 *
 * Two pairs of real nodes from `createMeshLibp2p` in this process, each pair connected over loopback WebSockets, one
 * without the cache and one with it. Each node announces the addresses a headless node does in a fleet (WebSockets,
 * WebRTC-Direct with two certhashes, relayed), so each node's record of the other holds them. The pairs take turns:
 * a round is PINGS_PER_ROUND pings from one node of a pair to the other, one at a time (each ping is a new stream
 * on both nodes, so two merges; pings read no peer record), measured as process CPU time. Prints CPU ms per ping
 * of each pair, round by round and as a median. The machine is shared: compare the lines of one run, not runs with
 * each other.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { freeLoopbackPort } from '../relay/free-port.ts'
import { createMeshLibp2p, type MeshLibp2p, type PeerStoreCacheOptions } from '../src/net/index.ts'

const pingsPerRound = Number(process.argv[2] ?? 400)
const rounds = Number(process.argv[3] ?? 6)

interface Pair { name: string, dialer: MeshLibp2p, listener: MeshLibp2p }

async function meshNode (peerStoreCache: false | PeerStoreCacheOptions, relay?: string): Promise<MeshLibp2p> {
  const port = await freeLoopbackPort()
  const listen = `/ip4/127.0.0.1/tcp/${port}/ws`
  const node = await createMeshLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [listen],
    // What the peer's record holds is what identify reports: announce what a fleet node does.
    announce: relay === undefined ? undefined : fleetLikeAddresses(listen, relay),
    rtcConfiguration: { iceServers: [] },
    allowPrivateAddresses: true,
    dialWebSocketPeers: true,
    maxConnections: 10,
    inboundConnectionThreshold: 10,
    maxIncomingPendingConnections: 10,
    dialTimeoutMs: 10_000,
    userAgent: 'zentalk-peer-store-bench',
    // No liveness pings of their own during the rounds: only the benchmark's streams.
    connectionPingIntervalMs: 3_600_000,
    peerStoreCache
  })
  await node.start()
  return node
}

/** The addresses a headless node announces in a fleet (WebRTC-Direct's certhashes made up: nothing dials them here). */
function fleetLikeAddresses (listen: string, relay: string): string[] {
  const certhash = (seed: number): string => 'u' + Buffer.concat([Buffer.from([0x12, 0x20]), Buffer.alloc(32, seed)]).toString('base64url')
  return [
    listen,
    `/ip4/127.0.0.1/udp/40123/webrtc-direct/certhash/${certhash(1)}/certhash/${certhash(2)}`,
    `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relay}/p2p-circuit/webrtc`,
    `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relay}/p2p-circuit`
  ]
}

async function pair (name: string, peerStoreCache: false | PeerStoreCacheOptions, relay: string): Promise<Pair> {
  const dialer = await meshNode(peerStoreCache, relay)
  const listener = await meshNode(peerStoreCache, relay)
  const identified = Promise.all([dialer, listener].map(async node => await new Promise(resolve => {
    node.addEventListener('peer:identify', resolve, { once: true })
  })))
  await dialer.dial(listener.getMultiaddrs().find(ma => ma.toString().includes('/ws/p2p/' + listener.peerId.toString())) ?? listener.getMultiaddrs()[0])
  await identified
  // Warm up (JIT, first writes of the ping protocol).
  await round({ name, dialer, listener }, 50)
  return { name, dialer, listener }
}

async function round (p: Pair, pings: number): Promise<number> {
  const start = process.cpuUsage()
  for (let i = 0; i < pings; i++) await p.dialer.services.ping.ping(p.listener.peerId)
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000 / pings
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export async function runPeerStoreMergeBench (): Promise<void> {
  const relay = (await meshNode(false))
  const relayId = relay.peerId.toString()
  await relay.stop()
  const pairs = [
    await pair('no cache (libp2p as shipped)', false, relayId),
    await pair('peer-store cache (the default)', {}, relayId)
  ]
  const perPing = new Map<Pair, number[]>(pairs.map(p => [p, []]))
  for (let r = 0; r < rounds; r++) {
    // Each round in a different order, so no pair always runs first.
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[(i + r) % pairs.length]
      perPing.get(p)?.push(await round(p, pingsPerRound))
    }
  }
  console.log(`\nPeer-store cache: ${rounds} rounds of ${pingsPerRound} pings (each a stream on both nodes), CPU ms per ping`)
  const baseline = median(perPing.get(pairs[0]) ?? [])
  for (const p of pairs) {
    const values = perPing.get(p) ?? []
    const saved = p === pairs[0] ? '' : `  (${(100 * (1 - median(values) / baseline)).toFixed(1)} % less)`
    console.log(`  ${p.name.padEnd(36)} median ${median(values).toFixed(3)}${saved}  rounds ${values.map(v => v.toFixed(3)).join(' ')}`)
  }
  const stored = await pairs[0].dialer.peerStore.get(pairs[0].listener.peerId)
  console.log(`  each node's record of its peer: ${stored.protocols.length} protocols, ${stored.addresses.length} addresses; ` +
    'same run, same process (the machine is shared: compare lines of one run)')
  for (const p of pairs) { await p.dialer.stop(); await p.listener.stop() }
}

if (import.meta.url === `file://${process.argv[1]}`) await runPeerStoreMergeBench()
