/**
 * Contact passes this identity holds for other people's inboxes (issue 15 item 2). A manifest that someone signed
 * for an object they put into THIS identity's inbox proves to the holders of THEIR inbox that they have written
 * to this identity: sent with this identity's messages to them (`StoreOptions.inboxPass`), it puts those messages
 * in the contacts lane of their inbox, which a crowd of strangers cannot fill (src/protocols/chunks/inbox-budget.ts).
 * Learned from every read of the inbox, and kept in the identity's message cache, so a reloaded tab still has them
 * after compaction removed the objects they came from (`restore`). A pass stays valid: it is a signature.
 */
import { encodeSignedManifest } from '../../wire/index.ts'
import { inboxRecipientOf } from '../../placement/index.ts'
import type { RetrievedObject } from '../../objects/index.ts'
import type { WalletAddress } from '../../identity/index.ts'
import type { CachedContactPass } from './message-cache.ts'

/** Contacts whose passes are kept; past it the least recently learned goes. */
const MAX_CONTACT_PASSES = 10_000

export class ContactPasses {
  private readonly passes = new Map<WalletAddress, { pass: Uint8Array, createdAt: number }>()

  /** `me`: the identity's addresses whose inboxes it reads (its wallet address and its contact inbox's). */
  constructor (private readonly me: readonly WalletAddress[]) {}

  /**
   * Keeps, per writer (a sender's wallet address, or its contact inbox address when it wrote to this identity's
   * contact inbox), the newest manifest of the objects read from this identity's inboxes; returns the passes that
   * are new here (for the cache). A pass opens the inbox of the writer it was signed by.
   */
  learn (objects: readonly RetrievedObject[]): CachedContactPass[] {
    const learned: CachedContactPass[] = []
    for (const { manifest } of objects) {
      const recipient = manifest === undefined ? undefined : inboxRecipientOf(manifest.namespace)
      if (manifest === undefined || recipient === undefined || this.me.includes(manifest.owner as WalletAddress) || !this.me.includes(recipient)) continue
      const entry = { contact: manifest.owner as WalletAddress, pass: encodeSignedManifest(manifest), createdAt: manifest.createdAt }
      if (this.keep(entry)) learned.push(entry)
    }
    return learned
  }

  /** Takes back passes kept in the cache by an earlier session; newer ones learned meanwhile stay. */
  restore (entries: readonly CachedContactPass[]): void {
    for (const entry of entries) this.keep(entry)
  }

  private keep ({ contact, pass, createdAt }: CachedContactPass): boolean {
    const known = this.passes.get(contact)
    if (known !== undefined && known.createdAt >= createdAt) return false
    this.passes.delete(contact)
    this.passes.set(contact, { pass, createdAt })
    if (this.passes.size > MAX_CONTACT_PASSES) this.passes.delete(this.passes.keys().next().value!)
    return true
  }

  /** The pass into `recipient`'s inbox (a wallet's, or a contact inbox), when they have written to this identity from it. */
  passFor (recipient: WalletAddress): Uint8Array | undefined {
    return this.passes.get(recipient)?.pass
  }
}
