/**
 * Command line of `node relay`. See `node relay --help` and README.md.
 */
import { existsSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { int, isLocalHost, parseIceServers } from '../src/config/index.ts'
import { fetchBootstrapInfo, relayAddrFromUrl } from '../src/net/index.ts'
import { startRelay } from './relay-node.ts'
import { nodeSettingFlags, settingsFromFlags } from './setting-flags.ts'
import { startStorageNodes } from './storage-nodes.ts'
import type { ZenTalkNode } from '../src/node/index.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

const HELP = `ZenTalk Mesh relay and headless storage nodes

Usage:
  node relay [options]                       run the relay (web app, bootstrap, WebRTC signalling)
  node relay storage --bootstrap <relay> [options]
                                             run headless storage nodes that join the mesh
  node relay --help

Relay options:
  --port <n>               HTTP + WebSocket port, the only one users need            (default 8080)
  --host <addr>            interface to listen on                                     (default 0.0.0.0)
  --announce <host>        host name or IP that peers use to reach this relay; repeatable
                           (default: --host, or 127.0.0.1 plus this machine's IPv4 addresses)
  --data <dir>             keeps the relay key, so its peer ID survives restarts      (default .data/relay)
  --web <dir>              built web app to serve                                     (default dist/)
  --no-web                 serve no web app, only /api/bootstrap
  --storage-nodes <n>      headless storage nodes to run inside this process, so one person
                           alone sees full 15-node placement; 0 turns them off         (default 15)
  --max-reservations <n>   relay reservations (one per tab or storage node)           (default 1024)
  --max-connections <n>    connections in total                                      (default 4096)
  --max-connections-per-address <n>
                           connections from one IPv4 address or IPv6 /64              (default 16)
  --max-reservations-per-address <n>
                           relay reservations from one IPv4 address or IPv6 /64       (default 8)
                           (a reservation ends when its connection closes)
  --exempt-address <cidr>  address or range the per-address limits do not apply to, e.g. a LAN
                           behind one NAT; repeatable. Loopback (127.0.0.0/8, ::1: this machine,
                           the relay's own storage nodes) is always exempt
  --trusted-proxy <cidr>   reverse proxy whose X-Forwarded-For names the client; repeatable.
                           Needed behind nginx/Caddy/a load balancer, or every user counts as
                           the proxy's address                                         (default none)
  --status-token <token>   /api/status lists peer IDs only to loopback callers, or to anyone
                           sending \`Authorization: Bearer <token>\`; others see counts only
  --hsts                   send Strict-Transport-Security (when users reach the relay over
                           https, e.g. through a TLS proxy)
  --webrtc-direct-port <n> the relay's storage nodes also listen for WebRTC-Direct (UDP) on
                           127.0.0.1, port n, n+1, … (0: any free ports), so tabs dial them
                           without signalling through the relay     (default: 0 when every announced
                           host is local, as on one machine; otherwise none)
  --no-webrtc-direct       the relay's storage nodes do not listen for WebRTC-Direct
  --ice-servers <list>     STUN/TURN servers handed to pages: comma-separated URLs or JSON

Storage node options:
  --bootstrap <relay>      relay URL (http://host:port) or multiaddr (.../p2p/<id>)   (required)
  --count <n>              how many storage nodes to run in this process               (default 1)
  --data <dir>             node keys and shard databases (node-0/, node-1/, …)         (default .data/storage)
  --port <n>               also listen for WebSockets on port n, n+1, … (other headless nodes
                           use them; browsers always use WebRTC)                        (default: none)
  --host <addr>            interface for --port                                        (default 0.0.0.0)
  --rtc-bind-address <ip>  bind WebRTC to this address (needed inside a loopback-only network namespace)
  --webrtc-direct-port <n> also listen for WebRTC-Direct (UDP) on port n, n+1, … (0: any free ports) on
                           --host: browsers dial these nodes straight, without signalling through
                           the relay, so tabs keep reaching them while the relay is down (default: none)
  --stagger-ms <n>         pause between node starts                                   (default 200)

Node settings (storage nodes, including the relay's own):
  --dial-timeout-ms <n>  --lookup-timeout-ms <n>  --keeper-interval-ms <n>  --discovery-interval-ms <n>
  --liveness-grace-ms <n>  --target-peers <n>
  --connection-budget <n>  most connections each storage node holds open at once (default: no limit)
  --dialer-grace-ms <n>  --allow-private <bool>   --ice-servers <list>
  --storage-quota-mb <n>   most MiB of shards each node keeps for others             (default 2048)
  --owner-quota-mb <n>     most MiB any one owner may take on each node              (default 256)
  --health-interval-ms <n> how often peers and co-holders are checked and shards repaired (default 300000)
  --health-retries <n>     failed checks after the first before a peer is marked dead (default 3)
  --handoff-grace-ms <n>   how long a newcomer must stay among a key's closest before shards
                           move to it                                                  (default 600000)
  --lost-after-ms <n>      how long a holder declared dead still counts as holding its shards
                           before they are rebuilt elsewhere (operator nodes, and holders not
                           known to be tabs); at most 30 days                          (default 0)
  --tab-lost-after-ms <n>  the same for holders that are browser tabs (they close for the
                           night and come back); at most 30 days   (default: --lost-after-ms)
  --repair-threshold <n>   rebuild an object only once its counted shards are this many or
                           fewer, then all it lacks; k to k + m - 1        (default k + m - 1: 14)
                           a stripe's own: k+m=n, e.g. 12,10+20=23 (12 for every other stripe)
  --stripes <list>         erasure stripes each node stores and repairs, e.g. 10+5,10+20 (default 10+5)
  --namespace-stripes <list>
                           namespace=k+m stripes written per namespace; each is also accepted
                           (headless nodes write no objects of their own)          (default none)
  --operator-holders <list>
                           k+m=h: objects of stripe k+m on the h closest operator nodes and the
                           closest tabs; the same on every node of a mesh (a node's key then
                           carries the operator class: a kept key without it is replaced) (default none)
  --inbox-max-objects <n>  objects one inbox may hold on each node                     (default 4096)
  --inbox-stranger-objects <n>
                           an inbox takes messages from senders the recipient has not
                           written to only while it holds fewer objects than this      (default 512)
  --inbox-stranger-rate <n>
                           new objects all such senders may put into one inbox a minute (default 120)
  --node-id-work-bits <n>  leading zero bits a storage node's ID work hash needs for it to hold
                           shards; the same on every node of a mesh (a node generates its key
                           to meet it)                                                  (default 10)
`

function onShutdown (stop: () => Promise<void>): void {
  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1)
      stopping = true
      console.log(`\n${signal}: shutting down…`)
      stop().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
    })
  }
}

function announceHostsFor (host: string, given: string[]): string[] {
  if (given.length > 0) return given
  if (host !== '0.0.0.0' && host !== '::') return [host]
  const ips = Object.values(networkInterfaces()).flat().filter(i => i != null && i.family === 'IPv4' && !i.internal).map(i => i!.address)
  return ['127.0.0.1', ...ips]
}

function reportNode (node: ZenTalkNode, index: number): void {
  console.log(`storage node ${index} started: ${node.peerId}`)
  const started = Date.now()
  node.ready.then(() => console.log(`storage node ${index} ready: ${node.peerId} (${Date.now() - started} ms)`), () => {})
}

async function runRelay (argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      announce: { type: 'string', multiple: true },
      data: { type: 'string' },
      web: { type: 'string' },
      'no-web': { type: 'boolean' },
      'storage-nodes': { type: 'string' },
      'max-reservations': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'max-reservations-per-address': { type: 'string' },
      'exempt-address': { type: 'string', multiple: true },
      'trusted-proxy': { type: 'string', multiple: true },
      'status-token': { type: 'string' },
      hsts: { type: 'boolean' },
      'webrtc-direct-port': { type: 'string' },
      'no-webrtc-direct': { type: 'boolean' },
      ...nodeSettingFlags
    },
    strict: true
  })
  const port = int('--port', values.port, 0, 65535) ?? 8080
  const host = values.host ?? '0.0.0.0'
  const webRoot = values['no-web'] === true ? undefined : resolve(values.web ?? join(root, 'dist'))
  if (webRoot != null && !existsSync(join(webRoot, 'index.html'))) {
    console.warn(`warning: ${webRoot}/index.html not found; run \`npm run build\` first, or pass --no-web`)
  }
  const storageCount = int('--storage-nodes', values['storage-nodes'], 0, 1000) ?? 15
  const announceHosts = announceHostsFor(host, values.announce ?? [])
  const relay = await startRelay({
    host,
    port,
    dataDir: resolve(values.data ?? join(root, '.data', 'relay')),
    webRoot,
    announceHosts,
    maxReservations: int('--max-reservations', values['max-reservations'], 1, 1_000_000) ?? 1024,
    maxConnections: int('--max-connections', values['max-connections'], 1, 1_000_000) ?? 4096,
    iceServers: parseIceServers(values['ice-servers']) ?? [],
    maxConnectionsPerAddress: int('--max-connections-per-address', values['max-connections-per-address'], 1, 1_000_000),
    maxReservationsPerAddress: int('--max-reservations-per-address', values['max-reservations-per-address'], 1, 1_000_000),
    exemptAddresses: values['exempt-address'],
    trustedProxies: values['trusted-proxy'],
    statusToken: values['status-token'] ?? process.env.ZENTALK_STATUS_TOKEN,
    hsts: values.hsts
  })
  console.log(`ZenTalk Mesh relay ${relay.peerId}`)
  console.log(`open ${relay.url} in a browser`)
  for (const ma of relay.multiaddrs) console.log(`relay multiaddr: ${ma}`)

  let nodes: ZenTalkNode[] = []
  onShutdown(async () => {
    await Promise.all(nodes.map(async n => { await n.stop() }))
    await relay.stop()
  })
  if (storageCount > 0) {
    const settings = settingsFromFlags(values, { allowPrivate: announceHosts.every(isLocalHost) })
    nodes = await startStorageNodes({
      relayAddrs: [`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${relay.peerId}`],
      count: storageCount,
      dataDir: resolve(values.data ?? join(root, '.data', 'relay'), 'storage'),
      port: 0,
      host: '127.0.0.1',
      // They listen on 127.0.0.1, which only tabs on this machine can reach: on by default only when every
      // announced host is local (one machine, as `npm start`), where tabs then join without relay signalling.
      webrtcDirectPort: values['no-webrtc-direct'] === true
        ? undefined
        : int('--webrtc-direct-port', values['webrtc-direct-port'], 0, 65535) ?? (announceHosts.every(isLocalHost) ? 0 : undefined),
      settings,
      rtcBindAddress: values['rtc-bind-address'],
      staggerMs: int('--stagger-ms', values['stagger-ms'], 0, 60_000) ?? 200,
      onStarted: (node, index) => {
        // A tab without WebRTC reaches these nodes over their WebSocket listeners: let the page open them.
        for (const origin of webSocketOriginsOf(node)) relay.allowConnectSource(origin)
        reportNode(node, index)
      }
    })
  }
}

/** `ws://host:port` of each plain WebSocket address the node listens on. */
function webSocketOriginsOf (node: ZenTalkNode): string[] {
  return node.libp2p.getMultiaddrs().flatMap(ma => {
    const components = ma.getComponents()
    const ip = components.find(c => c.name === 'ip4' || c.name === 'ip6')
    const tcp = components.find(c => c.name === 'tcp')
    if (ip?.value == null || tcp?.value == null || !components.some(c => c.name === 'ws') || components.some(c => c.name === 'p2p-circuit')) return []
    return [`ws://${ip.name === 'ip6' ? `[${ip.value}]` : ip.value}:${tcp.value}`]
  })
}

async function runStorage (argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bootstrap: { type: 'string' },
      count: { type: 'string' },
      data: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'webrtc-direct-port': { type: 'string' },
      ...nodeSettingFlags
    },
    strict: true
  })
  if (values.bootstrap == null) throw new UsageError('node relay storage needs --bootstrap <relay URL or multiaddr>')
  let relayAddrs: string[]
  let bootstrapHost: string
  if (values.bootstrap.startsWith('/')) {
    relayAddrs = [values.bootstrap]
    bootstrapHost = values.bootstrap.split('/')[2] ?? ''
  } else {
    const url = new URL(values.bootstrap)
    const info = await fetchBootstrapWithRetry(url)
    relayAddrs = [relayAddrFromUrl(url, info.peerId)]
    bootstrapHost = url.hostname
  }
  const settings = settingsFromFlags(values, { allowPrivate: isLocalHost(bootstrapHost) })
  const port = int('--port', values.port, 0, 65535)
  const nodes: ZenTalkNode[] = []
  onShutdown(async () => { await Promise.all(nodes.map(async n => { await n.stop() })) })
  await startStorageNodes({
    relayAddrs,
    count: int('--count', values.count, 1, 1000) ?? 1,
    dataDir: resolve(values.data ?? join(root, '.data', 'storage')),
    port,
    host: values.host ?? '0.0.0.0',
    webrtcDirectPort: int('--webrtc-direct-port', values['webrtc-direct-port'], 0, 65535),
    settings,
    rtcBindAddress: values['rtc-bind-address'],
    staggerMs: int('--stagger-ms', values['stagger-ms'], 0, 60_000) ?? 200,
    onStarted: (node, i) => { nodes.push(node); reportNode(node, i) }
  })
}

async function fetchBootstrapWithRetry (url: URL): Promise<{ peerId: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchBootstrapInfo(url, AbortSignal.timeout(5000))
    } catch (err) {
      if (attempt >= 30) throw new Error(`cannot reach the relay at ${url.origin}: ${(err as Error).message}`)
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
  }
}

class UsageError extends Error {}

async function main (): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(HELP)
    return
  }
  if (argv[0] === 'storage') await runStorage(argv.slice(1))
  else await runRelay(argv)
}

main().catch((err: Error & { code?: string }) => {
  if (err instanceof UsageError || err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || err.name === 'InvalidConfigError') {
    console.error(`node relay: ${err.message}\nRun \`node relay --help\` for usage.`)
    process.exit(2)
  }
  if (err.code === 'EADDRINUSE') {
    console.error(`node relay: ${err.message}: another program uses that port; pick another with --port`)
    process.exit(1)
  }
  console.error(err)
  process.exit(1)
})

