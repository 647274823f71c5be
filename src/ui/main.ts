/**
 * Entry point of the web app: starts this tab's node, exposes the automation API on `window.zentalk`
 * (README: "Automation API") and shows the node panel.
 */
import { startBrowserNode } from '../node/browser.ts'
import type { ChunkStoreStats } from '../store/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { GatherStats } from '../mesh/object-store.ts'
import { renderPanel } from './panel.ts'
import './style.css'

export interface StoredObject {
  objectId: string
  /** Peer ID of the holder of shard i at index i. */
  holders: string[]
  /** Fewer than 15 distinct nodes hold the shards. */
  reducedRedundancy: boolean
  /** Holders that failed, whose shards went to the next-closest nodes. */
  failures: Array<{ shardIndex: number, holder: string, error: { name: string, message: string } }>
}
export interface FetchedObjects {
  objects: Array<{ objectId: string, bytes: Uint8Array }>
  /** Objects whose shards were seen but could not be rebuilt, e.g. `NotEnoughShardsError`. */
  failed: Array<{ objectId: string, error: { name: string, message: string } }>
  /** How the holders fared: asked, answered, offline, refused, cancelled, shards read locally. */
  stats: GatherStats
}

export interface ZenTalkApi {
  ready: Promise<void>
  peerId: string
  slot: number
  connections(): Array<{ peerId: string, remoteAddr: string, direct: boolean }>
  routingTable(): string[]
  closestPeers(key: Uint8Array, count?: number): Promise<string[]>
  status(): ReturnType<import('../node/index.ts').ZenTalkNode['status']>
  /** The owner address of this browser profile's wallet: '0x' + 40 hex. */
  address: string
  /** Erasure-codes `bytes` (encrypt them first) and stores shard i on the i-th closest storage node. */
  storeObject(bytes: Uint8Array): Promise<StoredObject>
  /** Every object of `owner` (default: this profile's address), rebuilt from any k verified shards. */
  fetchObjects(owner?: string): Promise<FetchedObjects>
  /**
   * One object of `owner` (default: this profile's address) by its ID, returned as soon as k verified shards
   * are in. Rejects with `NotEnoughShardsError`, `ObjectNotFoundError` or `NoHoldersReachableError`.
   */
  fetchObject(objectId: string, owner?: string): Promise<Uint8Array>
  /** Shards this node holds for others, bytes used and quotas. */
  storageStats(): Promise<ChunkStoreStats>
  stop(): Promise<void>
  /** Loads the in-tab benchmarks (`npm run bench` drives them). */
  bench(): Promise<import('./bench.ts').TabBench>
  /** The underlying libp2p node, for debugging and power users. */
  libp2p: import('../net/index.ts').MeshLibp2p
}

declare global {
  interface Window { zentalk?: ZenTalkApi, zentalkError?: { name: string, message: string } }
}

const stateEl = document.getElementById('node-state')!
const app = document.getElementById('app')!

async function main (): Promise<void> {
  const started = performance.now()
  const { node, slot, wallet } = await startBrowserNode(window.location)
  const objects = node.objects!
  window.zentalk = {
    ready: node.ready,
    peerId: node.peerId,
    slot,
    connections: () => node.connections(),
    routingTable: () => node.routingTable(),
    closestPeers: async (key, count) => await node.closestPeers(key, count),
    status: () => node.status(),
    address: wallet.address,
    storeObject: async (bytes) => {
      const { objectId, holders, reducedRedundancy, failures } = await objects.storeObject(bytes)
      return { objectId, holders, reducedRedundancy, failures }
    },
    fetchObjects: async (owner) => {
      const result = await objects.fetchObjects(owner)
      return {
        objects: result.objects.map(({ objectId, bytes }) => ({ objectId, bytes })),
        failed: result.failed.map(({ objectId, error }) => ({ objectId, error })),
        stats: result.stats
      }
    },
    fetchObject: async (objectId, owner) => (await objects.fetchObject(objectId as ObjectId, { owner })).bytes,
    storageStats: async () => await node.storageStats(),
    stop: async () => { await node.stop() },
    bench: async () => (await import('./bench.ts')).tabBench(objects),
    libp2p: node.libp2p
  }
  stateEl.textContent = 'Joining the mesh…'
  let refreshing = false
  const refresh = async (): Promise<void> => {
    if (refreshing) return
    refreshing = true
    try {
      renderPanel(app, node.status(), await node.storageStats().catch(() => undefined), wallet.address)
    } finally {
      refreshing = false
    }
  }
  void refresh()
  setInterval(() => { void refresh() }, 1000)
  await node.ready
  stateEl.textContent = `Your tab is a storage node (ready in ${Math.round(performance.now() - started)} ms)`
}

main().catch((err: Error) => {
  window.zentalkError = { name: err.name, message: err.message }
  stateEl.textContent = `Could not start this tab's node: ${err.message}`
  stateEl.classList.add('error')
  console.error(err)
})
