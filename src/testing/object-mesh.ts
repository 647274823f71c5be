/**
 * Test and bench support (Node only): a small mesh of real libp2p storage nodes on loopback WebSockets, each with
 * its own memory store and chunk service, and an exact XOR "closest peers" over them.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { kadIdOfKey, kadIdOfPeer, rankByDistance, type PlacementRules } from '../placement/index.ts'
import type { HolderSelector } from '../net/index.ts'
import { DEFAULT_REQUESTS_PER_HOLDER, type ObjectStoreDeps } from '../objects/index.ts'
import { createChunkExchange, startChunkService, type ChunkService } from '../protocols/index.ts'
import type { Signer } from '../identity/index.ts'
import { connect, createTestNode, type TestNode } from './chunk-nodes.ts'
import { MemoryChunkStore } from '../store/index.ts'
import type { PrivateKey, Startable } from '@libp2p/interface'

export interface MeshNode extends TestNode {
  peerId: string
  store: MemoryChunkStore
  service: ChunkService
}

export interface StorageNodeOptions {
  dht?: boolean
  /** Node i's identity (default: a fresh one), e.g. one ground to sit next to a key. */
  privateKeys?: readonly PrivateKey[]
  /** Node i's store (default: an empty MemoryChunkStore). */
  store?: (i: number) => MemoryChunkStore
  /** Stripes the nodes' chunk services accept (default the mesh's 10+5). */
  allowedStripes?: ReadonlyArray<{ k: number, m: number }>
}

/**
 * `count` started storage nodes. Their DHT is stopped unless `dht` is set: placement here comes from an exact
 * ranking (`xorClosestPeers`), and the background lookups of a dozen-plus DHT nodes in one process would
 * otherwise take 30-100 % of a core, which these tests share with others.
 */
export async function createStorageNodes (count: number, options: StorageNodeOptions = {}): Promise<MeshNode[]> {
  return await Promise.all(Array.from({ length: count }, async (_, i) => {
    const node = await createTestNode({ privateKey: options.privateKeys?.[i] })
    if (options.dht !== true) await (node.libp2p.services.dht as unknown as Startable).stop()
    const store = options.store?.(i) ?? new MemoryChunkStore()
    const service = await startChunkService(node.libp2p, node.privateKey, { store, ...(options.allowedStripes !== undefined ? { allowedStripes: options.allowedStripes } : {}) })
    return { ...node, peerId: node.libp2p.peerId.toString(), store, service }
  }))
}

/** Opens a connection from `from` to each of `to`, so later dials by peer ID know an address. */
export async function connectTo (from: MeshNode, to: readonly MeshNode[]): Promise<void> {
  await Promise.all(to.filter(node => node !== from).map(async node => { await connect(from, node) }))
}

export async function stopNodes (nodes: readonly MeshNode[]): Promise<void> {
  await Promise.all(nodes.map(async node => { await node.libp2p.stop() }))
}

export function isRunning (node: MeshNode): boolean {
  return node.libp2p.status === 'started'
}

/**
 * Exact XOR ranking over `nodes()`, nearest first, as a perfect DHT would answer. With `liveOnly`, stopped nodes
 * are skipped, as `ClosestPeers` skips peers that fail its liveness check.
 */
export function xorClosestPeers (nodes: () => readonly MeshNode[], options: { liveOnly?: boolean } = {}):
(key: Uint8Array, count: number) => Promise<string[]> {
  return async (key, count) => {
    const candidates = nodes().filter(node => options.liveOnly !== true || isRunning(node)).map(node => node.peerId)
    return rankByDistance(kadIdOfKey(key), candidates, kadIdOf).slice(0, count).map(ranked => ranked.item)
  }
}

const kadIds = new Map<string, Uint8Array>()

function kadIdOf (peerId: string): Uint8Array {
  let id = kadIds.get(peerId)
  if (id === undefined) {
    id = kadIdOfPeer(peerIdFromString(peerId).toMultihash().bytes)
    kadIds.set(peerId, id)
  }
  return id
}

/** A holder selector answering with `closest` (e.g. `xorClosestPeers`), for object stores and repairers in tests. */
export function holdersOf (closest: (key: Uint8Array, count: number) => Promise<string[]>): HolderSelector {
  return { select: async (key, count) => await closest(key, count) }
}

export interface ObjectDepsOptions extends Partial<Omit<ObjectStoreDeps, 'wallet' | 'holders' | 'exchange' | 'selfStore'>> {
  placementRules?: PlacementRules
  requestsPerHolder?: number
}

/** What an ObjectStore on `node` needs, signing as `wallet` and placing on the holders `closest` names. */
export function objectStoreDeps (node: Pick<MeshNode, 'libp2p' | 'store' | 'privateKey'>, wallet: Signer,
  closest: (key: Uint8Array, count: number) => Promise<string[]>, options: ObjectDepsOptions = {}): ObjectStoreDeps {
  const { placementRules, requestsPerHolder, ...rest } = options
  return {
    wallet,
    holders: holdersOf(closest),
    exchange: createChunkExchange({
      libp2p: node.libp2p, store: node.store, placementRules, nodeKey: node.privateKey, requestsPerHolder: requestsPerHolder ?? DEFAULT_REQUESTS_PER_HOLDER
    }),
    selfStore: node.store,
    ...rest
  }
}
