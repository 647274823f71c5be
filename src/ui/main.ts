/**
 * Entry point of the web app: starts this tab's node and its chat service, exposes the automation API on
 * `window.zentalk` (README: "Automation API") and shows the chat app, with the node panel one click away.
 */
import { IDENTITY_CHANNEL, getDisplayName, replaceProfileWallet, setDisplayName, startBrowserNode } from '../node/browser.ts'
import type { ChunkStoreStats } from '../store/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { GatherStats } from '../objects/index.ts'
import { displayNameProblem, exportBackup, importBackup } from '../chat/index.ts'
import { ChatService, type SendResult } from '../chat/index.ts'
import { IndexedDbMessageCache } from '../chat/index.ts'
import { mountChatApp } from './chat/index.ts'
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

/** A verified, decrypted message as the automation API returns it. */
export interface ApiMessage {
  messageId: string
  from: string
  to: string
  text: string
  sentAt: number
  direction: 'incoming' | 'outgoing'
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
  /**
   * Erasure-codes `bytes` (encrypt them first) and stores shard i on the i-th closest storage node. `namespace`
   * picks where: this owner's history (the default), or e.g. another user's inbox (`zentalk/inbox/v1/0x…`).
   */
  storeObject(bytes: Uint8Array, options?: { namespace?: string }): Promise<StoredObject>
  /** Every object of `owner` (default: this profile's address) in `namespace`, rebuilt from any k verified shards. */
  fetchObjects(owner?: string, options?: { namespace?: string }): Promise<FetchedObjects>
  /**
   * One object of `owner` (default: this profile's address) by its ID, returned as soon as k verified shards
   * are in. Rejects with `NotEnoughShardsError`, `ObjectNotFoundError` or `NoHoldersReachableError`.
   */
  fetchObject(objectId: string, owner?: string): Promise<Uint8Array>
  /** Shards this node holds for others, bytes used and quotas. */
  storageStats(): Promise<ChunkStoreStats>
  /** Every shard this node holds for others, checked against its manifest. */
  heldShards(): Promise<import('../node/index.ts').HeldShard[]>
  /** Resolves once this identity's key bundle and presence are published, so others can message it. */
  chatReady: Promise<void>
  /**
   * Encrypts `text` to `to` (an address), stores it in this identity's history and the recipient's inbox and
   * hands it to their tab if it is online. Rejects with a typed error when the recipient cannot get it.
   */
  sendMessage(to: string, text: string): Promise<SendResult>
  /** Verified messages of this identity (or of the conversation with `peer`), oldest first. */
  history(peer?: string): Promise<ApiMessage[]>
  /** Verifies and decrypts a sealed envelope with this identity's keys; rejects with the typed error of the failed check. */
  openEnvelope(bytes: Uint8Array): Promise<ApiMessage>
  /** This identity as a passphrase-encrypted backup file (text). */
  exportBackup(passphrase: string): Promise<string>
  /** Makes the backup's identity this profile's (all its tabs reload as it). */
  importBackup(fileText: string, passphrase: string): Promise<void>
  stop(): Promise<void>
  /** Loads the in-tab benchmarks (`npm run bench` drives them). */
  bench(): Promise<import('./bench.ts').TabBench>
  /** The underlying libp2p node, for debugging and power users. */
  libp2p: import('../net/libp2p.ts').MeshLibp2p
}

declare global {
  interface Window { zentalk?: ZenTalkApi, zentalkError?: { name: string, message: string } }
}

const stateEl = document.getElementById('node-state')!
const panelEl = document.getElementById('node-panel')!
const chatEl = document.getElementById('chat-app')!
/** How often publishing the key bundle and presence is tried again until it works once. */
const CHAT_START_RETRY_MS = 5_000

function apiMessage (m: ApiMessage): ApiMessage {
  return { messageId: m.messageId, from: m.from, to: m.to, text: m.text, sentAt: m.sentAt, direction: m.direction }
}

async function main (): Promise<void> {
  const started = performance.now()
  const { node, slot, wallet } = await startBrowserNode(window.location)
  const objects = node.objects!
  // A name that is no longer valid (e.g. edited by hand) is left out rather than keeping the tab from starting.
  const storedName = getDisplayName(wallet.address)
  const displayName = storedName !== undefined && displayNameProblem(storedName) === undefined ? storedName : undefined
  const cache = await IndexedDbMessageCache.open(wallet.address)
  const chat = new ChatService({ wallet, objects, libp2p: node.libp2p, cache, ...(displayName === undefined ? {} : { displayName }) })
  const send = async (to: string, text: string): Promise<SendResult> => await chat.sendMessage(to, text)
  const exportIdentity = async (passphrase: string): Promise<string> => await exportBackup(wallet, passphrase, { displayName })
  const importIdentity = async (fileText: string, passphrase: string): Promise<void> => {
    const restored = await importBackup(fileText, passphrase)
    await replaceProfileWallet(restored.wallet, restored.displayName)
    window.location.reload()
  }
  // Another tab of this profile imported a backup: this tab's identity is no longer the profile's.
  new BroadcastChannel(IDENTITY_CHANNEL).onmessage = (event: MessageEvent<{ replaced?: string }>) => {
    if (event.data?.replaced !== undefined && event.data.replaced !== wallet.address) window.location.reload()
  }
  const chatReady = (async () => {
    await node.ready
    for (;;) {
      try {
        await chat.start()
        return
      } catch (error) {
        console.warn(`publishing the key bundle and presence failed, trying again: ${(error as Error).message}`)
        await chat.stop()
        await new Promise(resolve => setTimeout(resolve, CHAT_START_RETRY_MS))
      }
    }
  })()
  window.zentalk = {
    ready: node.ready,
    peerId: node.peerId,
    slot,
    connections: () => node.connections(),
    routingTable: () => node.routingTable(),
    closestPeers: async (key, count) => await node.closestPeers(key, count),
    status: () => node.status(),
    address: wallet.address,
    storeObject: async (bytes, options = {}) => {
      const { objectId, holders, reducedRedundancy, failures } = await objects.storeObject(bytes, { namespace: options.namespace })
      return { objectId, holders, reducedRedundancy, failures }
    },
    fetchObjects: async (owner, options = {}) => {
      const result = await objects.fetchObjects(owner, { namespace: options.namespace })
      return {
        objects: result.objects.map(({ objectId, bytes }) => ({ objectId, bytes })),
        failed: result.failed.map(({ objectId, error }) => ({ objectId, error })),
        stats: result.stats
      }
    },
    fetchObject: async (objectId, owner) => (await objects.fetchObject(objectId as ObjectId, { owner })).bytes,
    storageStats: async () => await node.storageStats(),
    heldShards: async () => await node.heldShards(),
    chatReady,
    sendMessage: send,
    history: async (peer) => (await chat.history(peer)).map(apiMessage),
    openEnvelope: async (bytes) => apiMessage(await chat.openEnvelope(bytes)),
    exportBackup: exportIdentity,
    importBackup: importIdentity,
    stop: async () => {
      await chat.stop()
      await node.stop()
      cache.close()
    },
    bench: async () => (await import('./bench.ts')).tabBench(objects),
    libp2p: node.libp2p
  }
  const chatApp = mountChatApp({
    root: chatEl,
    nodePanel: panelEl,
    chat,
    send,
    prepare: peer => {
      // Warm the caches the first message needs; a failure here shows when the message is sent.
      chat.lookupBundle(peer).catch(() => {})
      chat.lookupPresence(peer).catch(() => {})
    },
    identity: {
      address: wallet.address,
      displayName,
      setDisplayName: async (name) => {
        setDisplayName(wallet.address, name)
        window.location.reload()
      },
      exportBackup: exportIdentity,
      importBackup: importIdentity
    }
  })
  // Read the history as soon as the mesh can answer (earlier reads find too few holders).
  chatReady.then(async () => { await chatApp.refresh() }, () => {})
  stateEl.textContent = 'Joining the mesh…'
  let refreshing = false
  const refresh = async (): Promise<void> => {
    if (refreshing) return
    refreshing = true
    try {
      renderPanel(panelEl, node.status(), await node.storageStats().catch(() => undefined), wallet.address)
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
