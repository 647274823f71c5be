/** Public types of the chat service: its dependencies, its events and what its calls return. */
import type { Signer, WalletAddress, WalletIdentity } from '../../identity/index.ts'
import type { ObjectStore } from '../../objects/index.ts'
import type { ObjectId } from '../../types/index.ts'
import type { PresenceRecord } from '../presence.ts'
import type { AttachmentRef } from '../attachment.ts'
import type { ChatMessage, Rejection } from './chat-message.ts'
import type { DeliveryDialer, DeliveryRegistrar } from './deliver.ts'
import type { MessageCache } from './message-cache.ts'
import type { PresenceLibp2p } from './presence-publisher.ts'
import type { Connection, PeerId, PeerStore } from '@libp2p/interface'

/** A wallet that signs and whose private key derives the chat key (a WalletIdentity is one). */
export type ChatWallet = Signer & Pick<WalletIdentity, 'exportPrivateKey'>

/** What the service uses of libp2p (a libp2p node is one). */
export interface ChatLibp2p extends DeliveryRegistrar, DeliveryDialer, PresenceLibp2p {
  readonly peerStore: Pick<PeerStore, 'merge'>
  getConnections(peer?: PeerId): Connection[]
}

export interface ChatServiceInit {
  wallet: ChatWallet
  /**
   * Object storage signing as `wallet` (its owner must be the wallet's address), built with
   * CHAT_PLACEMENT_RULES so fetched key bundles and presence records pass its checks.
   */
  objects: ObjectStore
  libp2p: ChatLibp2p
  /** This device's message cache (default: in memory). */
  cache?: MessageCache
  /** Published in the key bundle; not unique, not verified. */
  displayName?: string
  now?: () => number
  presenceLifetimeMs?: number
  presenceRefreshMs?: number
  /** How long a looked-up presence record / key bundle is reused. */
  presenceCacheMs?: number
  bundleCacheMs?: number
  /**
   * Mesh lookups per minute of key bundles of addresses this device knows no bundle of (default 20): an inbox
   * flood from fresh identities costs a bounded number of lookups per read; an address found without a bundle is
   * asked for again after a minute, then two, up to an hour.
   */
  unknownBundleLookupsPerMinute?: number
  /** Per live delivery: dial, send, the recipient's checks, the answer. */
  deliveryTimeoutMs?: number
  maxConcurrentDeliveries?: number
  /**
   * Peers libp2p may dial over a plain relayed address (the node's dial policy reads this set, see
   * `MeshLibp2pOptions.relayedDialPeers`). The service adds a recipient while it delivers over the relay. Without
   * it, deliveries use direct connections only.
   */
  relayedDialPeers?: Set<string>
  /** How long a direct delivery to a peer without a direct connection runs alone before the relay is tried too. */
  relayedDeliveryAfterMs?: number
  /** Resolves once the node has joined the mesh: messages composed before wait for it ('queued'). */
  nodeReady?: Promise<void>
  /**
   * A message whose recipient's key bundle is not found (or the mesh cannot answer yet) is queued and looked up
   * again, first after `queueRetryMs`, then twice as long each time up to a minute, for `queueLifetimeMs` in all.
   */
  queueRetryMs?: number
  queueLifetimeMs?: number
  /**
   * When the history is packed into segments by itself (`compactHistory`): once at least `minObjects` (default 32)
   * single-message objects at least `minAgeMs` (default 5 minutes) old can be packed. `false`: only when asked.
   */
  autoCompaction?: false | { minObjects?: number, minAgeMs?: number }
  /** Plaintext bytes per attachment chunk object (default ATTACHMENT_CHUNK_BYTES, 4 MiB; tests use less). */
  attachmentChunkBytes?: number
  /** Largest attachment sent (default MAX_ATTACHMENT_BYTES, 25 MiB). */
  maxAttachmentBytes?: number
}

export type DeliveryPath = 'direct' | 'relay'

/**
 * 'queued': composed, waiting for what sealing needs (see `MessageProgress.waitingFor`); it goes out by itself
 * once that is there. Then 'encrypting', 'sending' (stored and delivered in parallel), and 'sent' or 'failed'.
 */
export type SendState = 'queued' | 'encrypting' | 'sending' | 'sent' | 'failed'

/** What a queued message waits for: this node to join the mesh, or the recipient's key bundle to be found. */
export type QueueReason = 'node' | 'key-bundle'

/** A snapshot of an outgoing message's progress, emitted on every change as 'message-state'. */
export interface MessageProgress {
  readonly messageId: string
  readonly to: WalletAddress
  /** The text being sent (local only: progress events never leave this device). */
  readonly text: string
  readonly sentAt: number
  /** 'sent' once the recipient can get it (inbox copy stored or delivered live); 'failed' if it cannot. */
  readonly state: SendState
  /** Shards of the sender's history copy and of the inbox copy placed so far, out of `totalShards` each. */
  readonly historyShards: number
  readonly inboxShards: number
  readonly totalShards: number
  /** The recipient's node acknowledged it with a receipt signed by the recipient's wallet. */
  readonly delivered: boolean
  /** How it was delivered: over a direct connection, or through the relay (no direct path between the two). */
  readonly deliveredVia?: DeliveryPath
  /** The recipient said (in a read notice signed by their wallet) that their screen showed it. */
  readonly read?: boolean
  /** While 'queued': what it waits for. */
  readonly waitingFor?: QueueReason
  readonly error?: { name: string, message: string }
  /**
   * For a file being sent: its name, type and size, plaintext bytes whose chunks are stored so far, and, once all
   * are, the reference the message carries.
   */
  readonly attachment?: { readonly name: string, readonly type: string, readonly size: number, readonly storedBytes: number, readonly ref?: AttachmentRef }
}

export interface SendResult {
  readonly messageId: string
  readonly sentAt: number
  readonly to: WalletAddress
  readonly delivered: boolean
  /** When delivered: over a direct connection or through the relay. */
  readonly deliveredVia?: DeliveryPath
  readonly storedInHistory: boolean
  readonly storedInInbox: boolean
  /** What went wrong on the way without stopping the message (e.g. RecipientOfflineError for delivery). */
  readonly problems: ReadonlyArray<{ part: 'history' | 'inbox' | 'delivery', name: string, message: string }>
}

export interface HistoryReport {
  /** Verified messages in conversation order (sentAt, then messageId), one per (from, messageId). */
  readonly messages: ChatMessage[]
  /** Envelopes that failed verification or opening, with typed errors. */
  readonly rejected: Rejection[]
  /** Parts that could not be read: a source whose holders did not answer, objects short of shards. */
  readonly unavailable: ReadonlyArray<{ source: 'history' | 'inbox', objectId?: ObjectId, error: Error }>
}

export interface ChatServiceEvents {
  /** A message delivered live, verified and opened; once per message. */
  message: ChatMessage
  'message-state': MessageProgress
  /** Something received or looked up was refused (tampered, wrong signature, key bundle signed by another key...). */
  rejected: Rejection
  /** This identity's presence record was (re)published. */
  presence: PresenceRecord
  /** A background task failed (presence refresh, cleanup); the service keeps running. */
  error: Error
  /** The recipient of this identity's messages `messageIds` read them (a verified read notice). */
  read: ReadReceipt
  /** An attachment upload (`sendAttachment`) or download (`fetchAttachment`) moved on. */
  'attachment-progress': AttachmentProgress
}

/**
 * Progress of one attachment transfer in plaintext bytes. `attachmentId`: for a download the first chunk's object
 * ID (`attachment.objectIds[0]`), for an upload `<messageId>/upload`.
 */
export interface AttachmentProgress {
  readonly attachmentId: string
  readonly direction: 'upload' | 'download'
  readonly doneBytes: number
  readonly totalBytes: number
}

/** What a verified read notice says. */
export interface ReadReceipt {
  /** Who read them: the recipient, whose wallet signed the notice. */
  readonly peer: WalletAddress
  readonly messageIds: readonly string[]
  /** When their screen showed them, by their clock (ms since the epoch). */
  readonly readAt: number
}
