/**
 * Starting a node inside a browser tab: claim a node slot, open that slot's key store, find the relay, and
 * create the node. Several tabs of one browser are several nodes: each claims its own numbered slot with the
 * Web Locks API and names its key and database after it; sessionStorage remembers the slot so a reload of
 * the tab comes back as the same node.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { IndexedDbMessageCache, displayNameProblem, exportBackup, importBackup } from '../chat/index.ts'
import { isLocalHost, pageNotice, pageSettings, parseNodeSettings, type NodeSettings, type PageNotice } from '../config/index.ts'
import { fetchBootstrapInfo, probeIceCandidates, relayAddrFromUrl, TAB_AGENT_PREFIX } from '../net/index.ts'
import type { WalletIdentity } from '../identity/index.ts'
import { IndexedDbChunkStore, browserStorageGrant, requestPersistentStorage } from '../store/indexeddb.ts'
import { createNode, recordStage, type StartupStage, type ZenTalkNode } from './create-node.ts'
import { automationApi, chatView, type ChatView, type IdentityActions, type ZenTalkApi } from './facade.ts'
import type { BytesStore } from './node-key.ts'
import { isWalletLocked, loadWallet, lockWallet, unlockWalletForGood } from './profile-wallet.ts'

const SLOT_KEY = 'zentalk-node-slot'
const MAX_SLOTS = 256
/** How long a reloaded tab waits for its previous incarnation to let go of its slot. */
const RECLAIM_WAIT_MS = 5_000

export interface NodeSlot { slot: number, release(): void }

/** Claims the first free node slot (or this tab's previous one) and holds it until the page goes away. */
export async function claimSlot (forced?: number): Promise<NodeSlot> {
  const previous = forced ?? parseSlot(sessionStorage.getItem(SLOT_KEY))
  const locks = navigator.locks
  if (locks == null) {
    // No Web Locks (not a secure context): fall back to a per-tab random slot, kept across reloads.
    const slot = previous ?? Math.floor(Math.random() * MAX_SLOTS)
    sessionStorage.setItem(SLOT_KEY, String(slot))
    return { slot, release: () => {} }
  }
  const hold = async (slot: number, wait: boolean): Promise<NodeSlot | undefined> => {
    let release!: () => void
    const held = new Promise<void>(resolve => { release = resolve })
    return await new Promise<NodeSlot | undefined>((resolve, reject) => {
      const options: LockOptions = wait ? { signal: AbortSignal.timeout(RECLAIM_WAIT_MS) } : { ifAvailable: true }
      locks.request(`zentalk-node-slot-${slot}`, options, async lock => {
        if (lock == null) { resolve(undefined); return }
        resolve({ slot, release })
        await held
      }).catch(err => { if (err?.name === 'AbortError' || err?.name === 'TimeoutError') resolve(undefined); else reject(err) })
    })
  }
  let claimed = previous != null ? await hold(previous, true) : undefined
  for (let slot = 0; claimed == null && slot < MAX_SLOTS; slot++) claimed = await hold(slot, false)
  if (claimed == null) throw new Error(`all ${MAX_SLOTS} node slots of this browser are taken; close some tabs`)
  sessionStorage.setItem(SLOT_KEY, String(claimed.slot))
  return claimed
}

function parseSlot (value: string | null): number | undefined {
  if (value == null || !/^\d+$/.test(value)) return undefined
  return Number(value)
}

interface KeyDb extends DBSchema { keys: { key: string, value: Uint8Array } }

/** The slot's key store in IndexedDB (its own database, apart from the shard store). */
export class IndexedDbBytesStore implements BytesStore {
  private readonly db: Promise<IDBPDatabase<KeyDb>>
  constructor (name: string) {
    this.db = openDB<KeyDb>(name, 1, {
      upgrade (db) { db.createObjectStore('keys') }
    })
  }

  async get (name: string): Promise<Uint8Array | undefined> { return await (await this.db).get('keys', name) }
  async put (name: string, bytes: Uint8Array): Promise<void> { await (await this.db).put('keys', bytes, name) }
  async delete (name: string): Promise<void> { await (await this.db).delete('keys', name) }
}

const MIB = 1024 * 1024
/** One wallet per browser profile, shared by all of its tabs. */
const WALLET_DB = 'zentalk-wallet'
/** Share of the site's browser storage the tab nodes of a profile may fill with other people's shards. */
const STORAGE_FRACTION = 0.5

/**
 * The wallet of this browser profile. Every tab of the profile is the same user, so they share one key; the
 * Web Lock makes sure two tabs opening at once do not each create a different one.
 */
export async function loadProfileWallet (passphrase?: string): Promise<WalletIdentity> {
  return await withProfileKeys(async keys => await loadWallet(keys, passphrase))
}

/** True when the profile's identity is locked with a passphrase (each start asks for it: `loadProfileWallet`). */
export async function isProfileWalletLocked (): Promise<boolean> {
  return await withProfileKeys(isWalletLocked)
}

/** Runs `task` over the profile's key store, holding the profile's Web Lock (where there is one). */
async function withProfileKeys<T> (task: (keys: IndexedDbBytesStore) => Promise<T>): Promise<T> {
  const keys = new IndexedDbBytesStore(WALLET_DB)
  const locks = navigator.locks
  if (locks == null) return await task(keys)
  return await locks.request(WALLET_DB, async () => await task(keys))
}

/** Tabs of one profile hear on this channel that the profile's identity was replaced, and reload. */
export const IDENTITY_CHANNEL = 'zentalk-identity'

/**
 * Makes `wallet` (restored from a backup) this browser profile's identity, in place of the current one, and
 * tells the profile's other tabs, which reload as the new identity. The replaced key is gone unless it was
 * backed up; callers ask the user first.
 */
export async function replaceProfileWallet (wallet: WalletIdentity, displayName?: string): Promise<void> {
  // Unlocked: the replaced identity's lock does not carry over to the new one.
  await withProfileKeys(async keys => { await unlockWalletForGood(keys, wallet) })
  setDisplayName(wallet.address, displayName ?? '')
  const channel = new BroadcastChannel(IDENTITY_CHANNEL)
  channel.postMessage({ replaced: wallet.address })
  channel.close()
}

/** The display name this profile publishes for `address` (kept in localStorage, shared by its tabs). */
export function getDisplayName (address: string): string | undefined {
  const name = localStorage.getItem(`zentalk-display-name:${address}`)
  return name === null || name === '' ? undefined : name
}

export function setDisplayName (address: string, name: string): void {
  if (name === '') localStorage.removeItem(`zentalk-display-name:${address}`)
  else localStorage.setItem(`zentalk-display-name:${address}`, name)
}

/** A slot's shard database, and whether the browser keeps it (the origin's storage) persistent. */
export interface SlotChunkStore { chunkStore: IndexedDbChunkStore, persisted: boolean }

/**
 * The slot's shard database; its quota is this tab's share of what the browser grants the site. Persistent storage
 * is asked for either way (a quota given or not): other people rely on these shards, and best-effort storage may be
 * evicted by the browser under storage pressure. The answer is returned, for the node to announce and show.
 */
export async function openSlotChunkStore (slot: number, settings: NodeSettings): Promise<SlotChunkStore> {
  const { quotaBytes, persisted } = settings.storageQuotaMb !== undefined
    ? { quotaBytes: settings.storageQuotaMb * MIB, persisted: await requestPersistentStorage() }
    : await browserStorageGrant(STORAGE_FRACTION)
  const chunkStore = await IndexedDbChunkStore.open(`zentalk-node-${slot}`, { nodeQuotaBytes: quotaBytes, ownerQuotaBytes: settings.ownerQuotaMb * MIB })
  return { chunkStore, persisted }
}

export interface BrowserNode {
  node: ZenTalkNode
  slot: number
  settings: NodeSettings
  wallet: WalletIdentity
  cache: IndexedDbMessageCache
  displayName: string | undefined
  /** What the page tells the user about where its mesh settings came from (`pageNotice`). */
  notice: PageNotice | undefined
}

export interface StartBrowserNodeOptions {
  /** The profile's wallet, already opened (a locked one, with the passphrase the user gave); loaded here if absent. */
  wallet?: WalletIdentity
  /** Called as soon as the relay is known, before the node dials it, when the page has something to say about it. */
  onNotice?: (notice: PageNotice) => void
}

/**
 * Starts this tab's node with its chat service (the profile's wallet, this device's message cache). The relay and
 * STUN/TURN servers come from the page's own origin unless the URL may choose them (`pageSettings`).
 */
export async function startBrowserNode (location: Location, options: StartBrowserNodeOptions = {}): Promise<BrowserNode> {
  const page = pageSettings(new URLSearchParams(location.search), location.hostname)
  const settings = parseNodeSettings(page.source, { allowPrivate: isLocalHost(location.hostname) })
  const stages: StartupStage[] = []
  const reached = (stage: string): void => { recordStage(stages, stage) }
  reached('page script running')
  const { slot } = await claimSlot(settings.slot)
  reached(`node slot ${slot} claimed`)
  let relayAddrs = settings.relay
  if (relayAddrs.length === 0) {
    const info = await fetchBootstrapInfo(new URL(location.href))
    relayAddrs = [relayAddrFromUrl(new URL(location.href), info.peerId)]
    if (page.source('iceServers').length === 0) settings.iceServers = info.iceServers
    reached('relay address from /api/bootstrap')
  }
  const notice = pageNotice(page, relayAddrs)
  if (notice !== undefined) options.onNotice?.(notice)
  const iceProbe = probeIceCandidates(settings.iceServers).then(result => {
    reached(result.usable ? `WebRTC usable (first ICE candidate: ${result.firstCandidate ?? 'unknown'})` : 'WebRTC unusable: this browser offered no ICE candidate')
    return result
  })
  const [wallet, { chunkStore, persisted }, ice] = await Promise.all([options.wallet ?? loadProfileWallet(), openSlotChunkStore(slot, settings), iceProbe])
  // A name that is no longer valid (e.g. edited by hand) is left out rather than keeping the tab from starting.
  const storedName = getDisplayName(wallet.address)
  const displayName = storedName !== undefined && displayNameProblem(storedName) === undefined ? storedName : undefined
  const cache = await IndexedDbMessageCache.open(wallet.address)
  reached('wallet, shard store and message cache open')
  const node = await createNode({
    earlierStages: stages,
    settings,
    keyStore: new IndexedDbBytesStore(`zentalk-node-${slot}-keys`),
    relayAddrs,
    // A tab without WebRTC is a light node: it reaches storage nodes over WebSockets (`ws://` only from a page that
    // is not served over https, which the browser would refuse) and chats through the relay.
    webrtc: ice.usable,
    dialWebSocketPeers: !ice.usable && location.protocol !== 'https:',
    dialWebRTCDirect: ice.usable,
    userAgent: `${TAB_AGENT_PREFIX}0.1.0 ${navigator.userAgent}`,
    // Ready (and sending) from the first DHT answer; the neighbourhood's connections open behind it.
    readyAtFirstAnswer: true,
    chunkStore,
    // Announced to other nodes (a tab whose shards the browser may evict gets a shorter grace) and shown in the panel.
    persistentStorage: persisted,
    wallet,
    chat: { wallet, cache, ...(displayName === undefined ? {} : { displayName }) }
  })
  return { node, slot, settings, wallet, cache, displayName, notice }
}

/** A tab's app: its node, the automation API, the chat view and the identity actions the UI offers. */
export interface TabApp {
  readonly node: Pick<ZenTalkNode, 'ready' | 'status' | 'storageStats' | 'objects' | 'startup'>
  readonly api: ZenTalkApi
  readonly chat: ChatView
  readonly identity: IdentityActions
}

/**
 * Starts this tab as a node and returns what the UI uses. When another tab of the profile imports a backup, this
 * tab reloads as the new identity.
 */
export async function startTab (location: Location, options: { loadBench: (node: ZenTalkNode) => Promise<unknown> } & StartBrowserNodeOptions): Promise<TabApp> {
  const { node, slot, wallet, cache, displayName } = await startBrowserNode(location, options)
  let locked = await isProfileWalletLocked()
  const identity: IdentityActions = {
    address: wallet.address,
    displayName,
    get locked () { return locked },
    lock: async passphrase => {
      await withProfileKeys(async keys => { await lockWallet(keys, wallet, passphrase, { displayName }) })
      locked = true
    },
    removeLock: async () => {
      await withProfileKeys(async keys => { await unlockWalletForGood(keys, wallet) })
      locked = false
    },
    setDisplayName: async name => {
      setDisplayName(wallet.address, name)
      window.location.reload()
    },
    exportBackup: async passphrase => await exportBackup(wallet, passphrase, { displayName }),
    importBackup: async (fileText, passphrase) => {
      const restored = await importBackup(fileText, passphrase)
      await replaceProfileWallet(restored.wallet, restored.displayName)
      window.location.reload()
    }
  }
  // Another tab of this profile imported a backup: this tab's identity is no longer the profile's.
  new BroadcastChannel(IDENTITY_CHANNEL).onmessage = (event: MessageEvent<{ replaced?: string }>) => {
    if (event.data?.replaced !== undefined && event.data.replaced !== wallet.address) window.location.reload()
  }
  const api = automationApi(node, { slot, address: wallet.address, identity, loadBench: async () => await options.loadBench(node) })
  const stop = api.stop
  api.stop = async () => {
    await stop()
    cache.close()
  }
  return { node, api, chat: chatView(node.chat!), identity }
}
