/**
 * Everything the UI may use of a node: the automation API (`window.zentalk`, a public contract: README
 * "Automation API"), the chat view the chat screen renders, and the pure helpers and types it needs. The UI
 * imports this module (through `src/node/index.ts`) and nothing else below it.
 */
import { checkAttachmentSize, type AttachmentRef, type ChatMessage, type ChatService, type SendResult } from '../chat/index.ts'
import { toErrorShape, type ErrorShape } from '../errors/index.ts'
import type { ConnectionBudgetStats, MeshLibp2p } from '../net/index.ts'
import type { GatherStats } from '../objects/index.ts'
import type { ChunkStoreStats } from '../store/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { StartupStage, ZenTalkNode } from './create-node.ts'
import type { HeldShard } from './held-shards.ts'
import type { NodeStatus } from './status.ts'
import { makeThumbnail } from './thumbnail.ts'

export { compareMessages, displayNameProblem, formatBytes, MAX_ATTACHMENT_BYTES, MessageKind, MIN_PASSPHRASE_CHARS, TypedEvents } from '../chat/index.ts'
export type { AttachmentProgress, AttachmentRef, ChatMessage, ChatServiceEvents, HistoryReport, MessageProgress, ReadReceipt, Rejection, SendResult } from '../chat/index.ts'
export { errorText, toErrorShape, type ErrorShape } from '../errors/index.ts'
export { isAddress, parseAddress, toChecksumAddress, type WalletAddress } from '../identity/index.ts'
export type { ChunkStoreStats } from '../store/index.ts'

export interface StoredObject {
  objectId: string
  /** Peer ID of the holder of shard i at index i. */
  holders: string[]
  /** Fewer than 15 distinct nodes hold the shards. */
  reducedRedundancy: boolean
  /** Holders that failed, whose shards went to the next-closest nodes. */
  failures: Array<{ shardIndex: number, holder: string, error: ErrorShape }>
}
export interface FetchedObjects {
  objects: Array<{ objectId: string, bytes: Uint8Array }>
  /** Objects whose shards were seen but could not be rebuilt, e.g. `NotEnoughShardsError`. */
  failed: Array<{ objectId: string, error: ErrorShape }>
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
  /** For a message that shares a file: what `fetchAttachment` takes (name, type, size, SHA-256, chunks, key, thumbnail). */
  attachment?: AttachmentRef
}

/** A file to send: a browser `File` (or `Blob`), or its bytes with a name and a MIME type. */
export type AttachmentFile = Blob | { name: string, type?: string, bytes: Uint8Array }

/** What `sendAttachment` resolves with: the message's result and the reference it carries. */
export type AttachmentSendResult = SendResult & { attachment: AttachmentRef }

/** `window.zentalk`: what tests and tools drive a tab through. */
export interface ZenTalkApi {
  /** The node can store, serve and send: it holds a relay reservation and its DHT has answered. */
  ready: Promise<void>
  /** The node has also reached its neighbourhood (the storage nodes closest to its ID are connected or checked). */
  joined: Promise<void>
  peerId: string
  slot: number
  connections(): Array<{ peerId: string, remoteAddr: string, direct: boolean }>
  /**
   * The tab's connection budget (`connectionBudget` in the URL; null: none), connections open now, the most it has
   * held open at once, and how many peer connections it has opened in its lifetime (closed ones included).
   */
  connectionSummary(): ConnectionBudgetStats
  routingTable(): string[]
  closestPeers(key: Uint8Array, count?: number): Promise<string[]>
  /** Everything the node panel shows, e.g. `persistentStorage`: whether the browser keeps this tab's storage. */
  status(): NodeStatus
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
  heldShards(): Promise<HeldShard[]>
  /** Resolves once this identity's key bundle and presence are published, so others can message it. */
  chatReady: Promise<void>
  /**
   * Encrypts `text` to `to` (an address), stores it in this identity's history and the recipient's inbox and
   * hands it to their tab if it is online. Waits while the node has not joined or their key bundle is not found
   * (up to an hour); `queue: false` tries once at once. Rejects with a typed error when the recipient cannot get it.
   */
  sendMessage(to: string, text: string, options?: { queue?: boolean }): Promise<SendResult>
  /** Verified messages of this identity (or of the conversation with `peer`), oldest first. */
  history(peer?: string): Promise<ApiMessage[]>
  /**
   * Tells `peer` that this identity has read their messages `messageIds` (the chat screen does this for the open
   * conversation); their 'message-state' then carries `read: true`. Rejects when `peer`'s tab cannot be reached.
   */
  markRead(peer: string, messageIds: string[]): Promise<void>
  /**
   * Sends a file of at most 25 MiB (`MAX_ATTACHMENT_BYTES`) to `to`: encrypted in this tab with a fresh key, stored
   * as chunk objects in this identity's attachment namespace, then a message carrying the reference (and a thumbnail
   * for images) goes out like `sendMessage`. Upload progress: 'message-state' `attachment.storedBytes` and
   * 'attachment-progress' events. Rejects with `AttachmentTooLargeError` (nothing stored) or what `sendMessage` rejects with.
   */
  sendAttachment(to: string, file: AttachmentFile, options?: { caption?: string, queue?: boolean }): Promise<AttachmentSendResult>
  /**
   * The bytes of a message's attachment (`history()[i].attachment`, or `sendAttachment`'s `attachment`), once their
   * SHA-256 matches the message's; 'attachment-progress' events report the download. Rejects with
   * `AttachmentIntegrityError` or a mesh error (`NotEnoughShardsError`, …).
   */
  fetchAttachment(attachment: AttachmentRef): Promise<Uint8Array>
  /** Verifies and decrypts a sealed envelope with this identity's keys; rejects with the typed error of the failed check. */
  openEnvelope(bytes: Uint8Array): Promise<ApiMessage>
  /**
   * Packs this identity's single-message history and inbox objects into history segments now, and resolves once
   * the objects they replaced are deleted (after a run under way, if any). Rejects with a typed error when the mesh
   * cannot take or give back a segment; nothing is lost then.
   */
  compactHistory(): Promise<void>
  /** This identity as a passphrase-encrypted backup file (text). */
  exportBackup(passphrase: string): Promise<string>
  /** Makes the backup's identity this profile's (all its tabs reload as it). */
  importBackup(fileText: string, passphrase: string): Promise<void>
  stop(): Promise<void>
  /** Loads the in-tab benchmarks (`npm run bench` drives them). */
  bench(): Promise<unknown>
  /** When each startup stage finished, ms since the page began loading, in order (`npm run bench -- newcomer`). */
  startup(): StartupStage[]
  /** The chat service's events ('message', 'message-state', 'rejected', ...), for tools that time or follow chats. */
  chatEvents: ChatView['events']
  /** The underlying libp2p node, for debugging and power users. */
  libp2p: MeshLibp2p
}

/** What the chat screen renders from and sends through. */
export interface ChatView extends Pick<ChatService, 'events' | 'readHistory' | 'readCachedHistory' | 'markRead'> {
  /** The app's one send path (the automation API sends through it too). */
  send(to: string, text: string): Promise<SendResult>
  /** The app's one file send path: reads the file, makes a thumbnail of an image, sends (see `ZenTalkApi.sendAttachment`). */
  sendAttachment(to: string, file: AttachmentFile, options?: { caption?: string, queue?: boolean }): Promise<AttachmentSendResult>
  /** A message's file, checked against its hash (see `ZenTalkApi.fetchAttachment`). */
  fetchAttachment(attachment: AttachmentRef): Promise<Uint8Array>
  /** Looks up the peer's key bundle and presence ahead of a first message, so sending does not wait. Never throws. */
  prepare(peer: string): void
}

/** What a user can do with this browser profile's identity. */
export interface IdentityActions {
  /** '0x' + 40 lowercase hex digits. */
  readonly address: string
  readonly displayName: string | undefined
  /** Sets (or clears with '') the display name; the page reloads to republish the key bundle. */
  setDisplayName(name: string): Promise<void>
  /** True when this profile's identity is locked with a passphrase (each start of a tab asks for it). */
  readonly locked: boolean
  /**
   * Locks this profile's identity with a passphrase: the key is kept encrypted (as in a backup) and no longer in the
   * clear; every start of a tab asks for the passphrase. Throws WeakPassphraseError for short passphrases.
   */
  lock(passphrase: string): Promise<void>
  /** Keeps the key in the clear again: starts no longer ask for a passphrase. */
  removeLock(): Promise<void>
  /** The passphrase-encrypted backup file's text (JSON). Throws WeakPassphraseError for short passphrases. */
  exportBackup(passphrase: string): Promise<string>
  /**
   * Replaces this browser profile's identity with the backup's and reloads the page. Throws
   * WrongPassphraseError / InvalidBackupError (told apart by `name`) with a readable message.
   */
  importBackup(fileText: string, passphrase: string): Promise<void>
}

export interface AutomationTab {
  slot: number
  address: string
  identity: IdentityActions
  /** Loads the in-tab benchmarks on demand (a separate chunk, kept out of the app bundle). */
  loadBench: () => Promise<unknown>
}

/** The chat view over a node's chat service. */
export function chatView (chat: ChatService): ChatView {
  return {
    events: chat.events,
    readHistory: async peer => await chat.readHistory(peer),
    readCachedHistory: async peer => await chat.readCachedHistory(peer),
    markRead: async (peer, messageIds) => { await chat.markRead(peer, messageIds) },
    send: async (to, text) => await chat.sendMessage(to, text),
    sendAttachment: async (to, file, options = {}) => await sendFile(chat, to, file, options),
    fetchAttachment: async attachment => await chat.fetchAttachment(attachment),
    prepare: peer => {
      // Warm the caches the first message needs; a failure here shows when the message is sent.
      chat.lookupBundle(peer).catch(() => {})
      chat.lookupPresence(peer).catch(() => {})
    }
  }
}

/** `window.zentalk` over a tab's node (which has a wallet and a chat service). */
export function automationApi (node: ZenTalkNode, tab: AutomationTab): ZenTalkApi {
  const objects = node.objects
  const chat = node.chat
  if (objects === undefined || chat === undefined) throw new RangeError('the automation API needs a node with a wallet and chat')
  return {
    ready: node.ready,
    joined: node.joined,
    peerId: node.peerId,
    slot: tab.slot,
    connections: () => node.connections(),
    connectionSummary: () => node.connectionSummary(),
    routingTable: () => node.routingTable(),
    closestPeers: async (key, count) => await node.closestPeers(key, count),
    status: () => node.status(),
    address: tab.address,
    storeObject: async (bytes, options = {}) => {
      const { objectId, holders, reducedRedundancy, failures } = await objects.storeObject(bytes, { namespace: options.namespace })
      return { objectId, holders, reducedRedundancy, failures: failures.map(f => ({ shardIndex: f.shardIndex, holder: f.holder, error: toErrorShape(f.error) })) }
    },
    fetchObjects: async (owner, options = {}) => {
      const result = await objects.fetchObjects(owner, { namespace: options.namespace })
      return {
        objects: result.objects.map(({ objectId, bytes }) => ({ objectId, bytes })),
        failed: result.failed.map(({ objectId, error }) => ({ objectId, error: toErrorShape(error) })),
        stats: result.stats
      }
    },
    fetchObject: async (objectId, owner) => (await objects.fetchObject(objectId as ObjectId, { owner })).bytes,
    storageStats: async () => await node.storageStats(),
    heldShards: async () => await node.heldShards(),
    chatReady: node.chatReady,
    sendMessage: async (to, text, options = {}) => await chat.sendMessage(to, text, { queue: options.queue }),
    history: async (peer) => (await chat.history(peer)).map(apiMessage),
    markRead: async (peer, messageIds) => { await chat.markRead(peer, messageIds) },
    sendAttachment: async (to, file, options = {}) => await sendFile(chat, to, file, options),
    fetchAttachment: async attachment => await chat.fetchAttachment(attachment),
    openEnvelope: async (bytes) => apiMessage(await chat.openEnvelope(bytes)),
    compactHistory: async () => { await chat.compactHistory() },
    exportBackup: async passphrase => await tab.identity.exportBackup(passphrase),
    importBackup: async (fileText, passphrase) => { await tab.identity.importBackup(fileText, passphrase) },
    stop: async () => { await node.stop() },
    bench: tab.loadBench,
    startup: () => node.startup(),
    chatEvents: chat.events,
    libp2p: node.libp2p
  }
}

function apiMessage (m: ChatMessage): ApiMessage {
  return { messageId: m.messageId, from: m.from, to: m.to, text: m.text, sentAt: m.sentAt, direction: m.direction, ...(m.attachment === undefined ? {} : { attachment: m.attachment }) }
}

/** Reads `file` (refusing one over the limit before reading it), adds a thumbnail for an image, and sends it. */
async function sendFile (chat: ChatService, to: string, file: AttachmentFile, options: { caption?: string, queue?: boolean }): Promise<AttachmentSendResult> {
  const size = file instanceof Blob ? file.size : file.bytes.length
  checkAttachmentSize(size)
  const name = file instanceof Blob ? ('name' in file && typeof file.name === 'string' ? file.name : 'file') : file.name
  const type = (file instanceof Blob ? file.type : file.type) ?? ''
  const bytes = file instanceof Blob ? new Uint8Array(await file.arrayBuffer()) : file.bytes
  const thumbnail = await makeThumbnail(bytes, type)
  return await chat.sendAttachment(to, { name, type, bytes, ...(thumbnail === undefined ? {} : { thumbnail }) }, options)
}
