/**
 * Headless storage nodes: the same node code as a browser tab (`createNode`), keyed from a data directory,
 * reachable over WebRTC through the relay, when given a port over plain WebSockets from other headless nodes, and
 * when given a WebRTC-Direct port straight from browsers.
 */
import { join } from 'node:path'
import { DEFAULT_HEADLESS_QUOTA_MB, type NodeSettings } from '../src/config/index.ts'
import { createNode, type ZenTalkNode } from '../src/node/index.ts'
import { SqliteChunkStore } from '../src/store/sqlite.ts'
import { FileBytesStore } from './file-store.ts'
import { freeUdpPort } from './free-port.ts'

const MIB = 1024 * 1024

export interface StorageNodesOptions {
  relayAddrs: string[]
  count: number
  dataDir: string
  /** First WebSocket port (node i listens on port + i); 0: ephemeral ports; undefined: WebRTC only. */
  port: number | undefined
  /**
   * First UDP port for WebRTC-Direct (node i listens on port + i), on `host`; 0: ephemeral ports; undefined: none.
   * Browsers dial it without signalling through the relay, so a tab reaches such a node with the relay down.
   */
  webrtcDirectPort?: number
  host: string
  settings: NodeSettings
  /** node-datachannel gathers no candidate inside a loopback-only namespace unless bound (ENVIRONMENT.md). */
  rtcBindAddress: string | undefined
  /** Pause between node starts, so a crowd of nodes does not hit the relay at once. */
  staggerMs: number
  onStarted?: (node: ZenTalkNode, index: number) => void
}

/** A timestamped line: operators read these to see when a peer died and when it was healed. */
function say (line: string): void {
  console.log(`${new Date().toISOString()} ${line}`)
}

export async function startStorageNodes (options: StorageNodesOptions): Promise<ZenTalkNode[]> {
  const nodes: ZenTalkNode[] = []
  for (let i = 0; i < options.count; i++) {
    const node = await startWithUdpPort(options, async direct => await startStorageNode(options, i, direct))
    nodes.push(node)
    options.onStarted?.(node, i)
    if (i < options.count - 1) await new Promise(resolve => setTimeout(resolve, options.staggerMs))
  }
  return nodes
}

/** Attempts at a node start when the UDP port picked for its WebRTC-Direct listener was taken before it bound. */
const UDP_PORT_ATTEMPTS = 3

/**
 * Runs `start` with the WebRTC-Direct port to listen on: the given one, or for 0 a UDP port probed free just before
 * (and another, up to UDP_PORT_ATTEMPTS in all, when something took it before the listener bound).
 */
async function startWithUdpPort (options: StorageNodesOptions, start: (direct: number | undefined) => Promise<ZenTalkNode>): Promise<ZenTalkNode> {
  if (options.webrtcDirectPort !== 0) return await start(options.webrtcDirectPort)
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort(options.host)
    try {
      return await start(port)
    } catch (err) {
      if (attempt >= UDP_PORT_ATTEMPTS || !/UDP/.test(String((err as Error)?.message ?? err))) throw err
      say(`UDP port ${port} was taken before the WebRTC-Direct listener bound it (${(err as Error).message}); trying another`)
    }
  }
}

/** Node `i`, listening for WebRTC-Direct on UDP port `direct` (undefined: not at all). */
async function startStorageNode (options: StorageNodesOptions, i: number, direct: number | undefined): Promise<ZenTalkNode> {
  const extraListen = options.port == null ? [] : [`/ip4/${options.host}/tcp/${options.port === 0 ? 0 : options.port + i}/ws`]
  if (direct != null) extraListen.push(`/ip4/${options.host}/udp/${options.webrtcDirectPort === 0 ? direct : direct + i}/webrtc-direct`)
  const dir = join(options.dataDir, `node-${i}`)
  const { settings } = options
  // Shards survive restarts: the node comes back with its key and everything it held.
  const chunkStore = new SqliteChunkStore(join(dir, 'chunks.sqlite'), {
    nodeQuotaBytes: (settings.storageQuotaMb ?? DEFAULT_HEADLESS_QUOTA_MB) * MIB,
    ownerQuotaBytes: settings.ownerQuotaMb * MIB
  })
  return await createNode({
    settings,
    keyStore: new FileBytesStore(dir),
    chunkStore,
    relayAddrs: options.relayAddrs,
    extraListen,
    dialWebSocketPeers: true,
    rtc: options.rtcBindAddress != null ? { bindAddress: options.rtcBindAddress } : {},
    userAgent: 'zentalk-storage-node/0.1.0',
    onRelayLost: () => { say(`storage node ${i} lost its relay connection; reconnecting`) },
    onRelayRegained: ({ downMs, failedDials, lastError, lastFailureMsAgo }) => {
      say(`storage node ${i} is back on the relay after ${downMs} ms (${failedDials} failed dials` +
        `${lastError == null ? '' : `, the last ${lastFailureMsAgo ?? '?'} ms ago: ${lastError}`})`)
    },
    log: message => { say(`storage node ${i}: ${message}`) }
  }).catch(async err => {
    // A start that failed (a port taken) is tried again on the same database: release this one first.
    await chunkStore.close().catch(() => {})
    throw err
  })
}
