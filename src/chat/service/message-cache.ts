/**
 * The local message cache: what this device keeps so a conversation shows at once (and offline) before the
 * mesh answers. It holds sealed envelopes, never plaintext: texts are decrypted each time they are shown, so a
 * device's storage holds no more than the holders' (ciphertext and the cleartext envelope header). It also keeps
 * verified key bundles, so envelopes can be opened without the mesh.
 *
 * Only verified envelopes are added (the service opens each one first), and the service verifies again on
 * every read: the cache is a convenience, not a trust anchor. One cache per identity: browser implementations
 * name their database after the wallet address.
 */
import type { WalletAddress } from '../../identity/index.ts'

export interface CachedEnvelope {
  readonly sender: WalletAddress
  readonly recipient: WalletAddress
  /** 32 hex digits; unique per sender, so (sender, messageId) is the key. */
  readonly messageId: string
  readonly sentAt: number
  /** The other party from the owner's view (the owner itself for a note to self): the conversation it is in. */
  readonly peer: WalletAddress
  /** The sealed envelope exactly as signed. */
  readonly bytes: Uint8Array
}

/**
 * A contact pass (contact-passes.ts): the manifest `contact` signed for an object it put into this identity's inbox,
 * which admits this identity's messages to `contact`'s inbox as a contact's. Kept so a reloaded tab still has it
 * after compaction removed that object from the inbox.
 */
export interface CachedContactPass {
  /** Whose inbox it opens: the contact who wrote to this identity. */
  readonly contact: WalletAddress
  /** The encoded signed manifest. */
  readonly pass: Uint8Array
  /** The manifest's createdAt: the newest pass per contact is kept. */
  readonly createdAt: number
}

/** A contact's contact inbox (derived-identities.ts), as it named it in its newest message read here. */
export interface CachedContactInbox {
  readonly contact: WalletAddress
  /** The address whose inbox this identity writes to `contact` in. */
  readonly inbox: WalletAddress
  /** When the message naming it was sent: the newest is kept. */
  readonly sentAt: number
}

export interface MessageCache {
  /** Adds an envelope unless one with the same (sender, messageId) is already there; true when it was added. */
  addEnvelope(entry: CachedEnvelope): Promise<boolean>
  /** Every cached envelope, or those of one conversation, in no particular order. */
  listEnvelopes(peer?: WalletAddress): Promise<CachedEnvelope[]>
  /** Keeps the encoded, verified key bundle of `owner` (replacing an older one). */
  putKeyBundle(owner: WalletAddress, bytes: Uint8Array): Promise<void>
  getKeyBundle(owner: WalletAddress): Promise<Uint8Array | undefined>
  /** Keeps a contact pass, unless one at least as new is kept for that contact already. */
  putContactPass(entry: CachedContactPass): Promise<void>
  /** Every kept contact pass, one per contact. */
  listContactPasses(): Promise<CachedContactPass[]>
  /** Keeps a contact's contact inbox, unless one named at least as recently is kept already. */
  putContactInbox(entry: CachedContactInbox): Promise<void>
  /** Every kept contact inbox, one per contact. */
  listContactInboxes(): Promise<CachedContactInbox[]>
}

/** The cache key of an envelope. */
export function envelopeKey (entry: Pick<CachedEnvelope, 'sender' | 'messageId'>): string {
  return `${entry.sender}/${entry.messageId}`
}

/** A cache in memory (tests, and a fallback where no persistent storage is available). Stores copies. */
export class MemoryMessageCache implements MessageCache {
  private readonly envelopes = new Map<string, CachedEnvelope>()
  private readonly bundles = new Map<WalletAddress, Uint8Array>()
  private readonly passes = new Map<WalletAddress, CachedContactPass>()
  private readonly inboxes = new Map<WalletAddress, CachedContactInbox>()

  async addEnvelope (entry: CachedEnvelope): Promise<boolean> {
    const key = envelopeKey(entry)
    if (this.envelopes.has(key)) return false
    this.envelopes.set(key, { ...entry, bytes: Uint8Array.from(entry.bytes) })
    return true
  }

  async listEnvelopes (peer?: WalletAddress): Promise<CachedEnvelope[]> {
    return [...this.envelopes.values()]
      .filter(entry => peer === undefined || entry.peer === peer)
      .map(entry => ({ ...entry, bytes: Uint8Array.from(entry.bytes) }))
  }

  async putKeyBundle (owner: WalletAddress, bytes: Uint8Array): Promise<void> {
    this.bundles.set(owner, Uint8Array.from(bytes))
  }

  async getKeyBundle (owner: WalletAddress): Promise<Uint8Array | undefined> {
    const bytes = this.bundles.get(owner)
    return bytes === undefined ? undefined : Uint8Array.from(bytes)
  }

  async putContactPass (entry: CachedContactPass): Promise<void> {
    const kept = this.passes.get(entry.contact)
    if (kept !== undefined && kept.createdAt >= entry.createdAt) return
    this.passes.set(entry.contact, { contact: entry.contact, pass: Uint8Array.from(entry.pass), createdAt: entry.createdAt })
  }

  async listContactPasses (): Promise<CachedContactPass[]> {
    return [...this.passes.values()].map(entry => ({ ...entry, pass: Uint8Array.from(entry.pass) }))
  }

  async putContactInbox (entry: CachedContactInbox): Promise<void> {
    const kept = this.inboxes.get(entry.contact)
    if (kept !== undefined && kept.sentAt >= entry.sentAt) return
    this.inboxes.set(entry.contact, { contact: entry.contact, inbox: entry.inbox, sentAt: entry.sentAt })
  }

  async listContactInboxes (): Promise<CachedContactInbox[]> {
    return [...this.inboxes.values()].map(entry => ({ ...entry }))
  }
}
