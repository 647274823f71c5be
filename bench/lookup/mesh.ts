/**
 * Many real ZenTalk nodes in one process: each is `createNode` (DHT, peer keeper, holder selector, chunk service,
 * health checks, repair) with an in-memory shard store, over `@libp2p/memory` instead of WebSockets and WebRTC,
 * behind one in-memory relay. Tab-like nodes announce the tab agent, operator-like nodes the storage-node agent;
 * none holds a wallet. Keys come from the seed, so the same seed gives the same node IDs; each node's key carries the
 * mesh's node-ID work (`nodeIdWorkBits`), as a real node generates it.
 */
import { generateKeyPairFromSeed, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import type { Signer } from '../../src/identity/index.ts'
import { memory } from '@libp2p/memory'
import { DEFAULT_SETTINGS, type NodeSettings } from '../../src/config/index.ts'
import { createMeshLibp2p, TAB_AGENT_PREFIX, type MeshLibp2p } from '../../src/net/index.ts'
import { createNode, generateNodeKey, MemoryBytesStore, NODE_KEY_NAME, type ZenTalkNode } from '../../src/node/index.ts'
import { meetsNodeIdWork, rankPeers } from '../../src/placement/index.ts'
import { MemoryChunkStore } from '../../src/store/index.ts'
import { mulberry32, randomBytes } from '../../src/testing/seeded-random.ts'
import { ed25519KeyFromSeed } from '../../src/testing/seeded-keys.ts'

export type SimNodeKind = 'tab' | 'operator'

export interface SimNode {
  kind: SimNodeKind
  node: ZenTalkNode
  /** Connections this node opened or accepted since it started (RTCPeerConnection-equivalents for a tab). */
  opened: () => number
  /** The connections this node opened or accepted since it started: when, which way, to whom (the last 4,096). */
  openLog: ConnectionOpened[]
  startedAt: number
}

export interface ConnectionOpened { atMs: number, direction: 'inbound' | 'outbound', peerId: string }

export interface SimMeshOptions {
  nodes: number
  /** Share of the nodes that are tab-like (the rest operator-like). */
  tabFraction: number
  seed: number
  /** Settings of every node on top of the defaults (allowPrivate is always on: memory addresses). */
  settings?: Partial<NodeSettings>
  /** The connection budget of every tab-like node (a tab's `connectionBudget`); null or undefined: none. */
  tabConnectionBudget?: number | null
  /** Nodes started at once while the mesh builds. */
  startConcurrency?: number
  /** Called as nodes become ready. */
  onProgress?: (ready: number, total: number) => void
}

const MIB = 1024 * 1024
let meshCounter = 0

function seededKey (random: () => number): Uint8Array {
  return randomBytes(random, 32)
}

export class SimMesh {
  readonly nodes: SimNode[] = []
  private readonly random: () => number
  private readonly prefix: string
  private relay?: MeshLibp2p
  private relayAddr = ''
  private readonly settings: NodeSettings
  /** The most connections a tab-like node may hold, when the mesh sets one. */
  readonly connectionBudget: number | null

  constructor (private readonly options: SimMeshOptions) {
    this.random = mulberry32(options.seed)
    this.prefix = `zentalk-sim-${process.pid}-${meshCounter++}`
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings, allowPrivate: true }
    this.connectionBudget = options.tabConnectionBudget ?? null
  }

  async start (): Promise<void> {
    const relayKey = await generateKeyPairFromSeed('Ed25519', seededKey(this.random))
    this.relay = await createMeshLibp2p({
      privateKey: relayKey,
      listen: [`/memory/${this.prefix}-relay`],
      transports: [memory()],
      rtcConfiguration: { iceServers: [] },
      allowPrivateAddresses: true,
      relayServer: { maxReservations: this.options.nodes * 2 + 16, reservationTtlMs: 2 * 60 * 60 * 1000 },
      maxConnections: this.options.nodes * 2 + 16,
      inboundConnectionThreshold: this.options.nodes * 2 + 16,
      maxIncomingPendingConnections: this.options.nodes * 2 + 16,
      dialTimeoutMs: this.settings.dialTimeoutMs,
      userAgent: 'zentalk-relay/0.1.0 sim'
    })
    await this.relay.start()
    this.relayAddr = `/memory/${this.prefix}-relay/p2p/${this.relay.peerId.toString()}`
    const tabs = Math.round(this.options.nodes * this.options.tabFraction)
    // Operator-like nodes first: they are the long-lived backbone tabs find when they arrive.
    const kinds: SimNodeKind[] = [...Array(this.options.nodes - tabs).fill('operator'), ...Array(tabs).fill('tab')]
    const concurrency = this.options.startConcurrency ?? 16
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < kinds.length) {
        const kind = kinds[next++]
        await this.addNode(kind)
        this.options.onProgress?.(this.nodes.length, kinds.length)
      }
    }))
  }

  /**
   * Starts one more node and resolves once it is ready (relay reservation, routing table, own neighbourhood). A test
   * may give the node its own key and settings (an attacker's node: a key generated next to a placement key).
   */
  async addNode (kind: SimNodeKind, own: { key?: PrivateKey, settings?: Partial<NodeSettings>, wallet?: Signer } = {}): Promise<SimNode> {
    const key = own.key ?? (await generateNodeKey(this.settings.nodeIdWorkBits, () => seededKey(this.random), ed25519KeyFromSeed)).key
    const keyStore = new MemoryBytesStore()
    await keyStore.put(NODE_KEY_NAME, privateKeyToProtobuf(key))
    const startedAt = performance.now()
    const settings = { ...this.settings, ...own.settings }
    const node = await createNode({
      settings: kind === 'tab' ? { ...settings, connectionBudget: this.connectionBudget ?? undefined } : settings,
      keyStore,
      chunkStore: new MemoryChunkStore({ nodeQuotaBytes: 64 * MIB, ownerQuotaBytes: 16 * MIB }),
      wallet: own.wallet,
      relayAddrs: [this.relayAddr],
      extraListen: [`/memory/${this.prefix}-${key.publicKey.toString()}`],
      transports: [memory()],
      dialWebSocketPeers: true,
      userAgent: kind === 'tab' ? `${TAB_AGENT_PREFIX}0.1.0 sim` : 'zentalk-storage-node/0.1.0 sim'
    })
    let opened = 0
    const openLog: ConnectionOpened[] = []
    node.libp2p.addEventListener('connection:open', event => {
      opened++
      if (openLog.length >= 4096) openLog.shift()
      openLog.push({ atMs: performance.now(), direction: event.detail.direction, peerId: event.detail.remotePeer.toString() })
    })
    await node.ready
    const simNode: SimNode = { kind, node, opened: () => opened, openLog, startedAt }
    this.nodes.push(simNode)
    return simNode
  }

  /**
   * The `count` storage nodes of the mesh closest to `key`: what every node's answer should be (nodes whose peer ID
   * lacks the mesh's node-ID work never hold a key).
   */
  trueClosest (key: Uint8Array, count: number): string[] {
    const holders = this.nodes.map(n => n.node.peerId).filter(id => meetsNodeIdWork(id, this.settings.nodeIdWorkBits))
    return rankPeers(key, holders).slice(0, count)
  }

  async stop (): Promise<void> {
    await Promise.allSettled(this.nodes.map(async n => { await n.node.stop() }))
    await this.relay?.stop()
  }
}
