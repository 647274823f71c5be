/**
 * Contact passes this identity holds for other people's inboxes (issue 15 item 2). A manifest that someone signed
 * for an object they put into THIS identity's inbox proves to the holders of THEIR inbox that they have written
 * to this identity: sent with this identity's messages to them (`StoreOptions.inboxPass`), it puts those messages
 * in the contacts lane of their inbox, which a crowd of strangers cannot fill (src/protocols/chunks/inbox-budget.ts).
 * Learned from every read of the inbox; kept in memory only (a reloaded tab learns them again from its inbox, or
 * from the contact's next message once compaction has emptied it).
 */
import { encodeSignedManifest } from '../../wire/index.ts'
import { inboxRecipientOf } from '../../placement/index.ts'
import type { RetrievedObject } from '../../objects/index.ts'
import type { WalletAddress } from '../../identity/index.ts'

/** Contacts whose passes are kept; past it the least recently learned goes. */
const MAX_CONTACT_PASSES = 10_000

export class ContactPasses {
  private readonly passes = new Map<WalletAddress, { pass: Uint8Array, createdAt: number }>()

  constructor (private readonly me: WalletAddress) {}

  /** Keeps, per sender, the newest manifest of the objects read from this identity's inbox. */
  learn (objects: readonly RetrievedObject[]): void {
    for (const { manifest } of objects) {
      if (manifest === undefined || manifest.owner === this.me || inboxRecipientOf(manifest.namespace) !== this.me) continue
      const sender = manifest.owner as WalletAddress
      const known = this.passes.get(sender)
      if (known !== undefined && known.createdAt >= manifest.createdAt) continue
      this.passes.delete(sender)
      this.passes.set(sender, { pass: encodeSignedManifest(manifest), createdAt: manifest.createdAt })
      if (this.passes.size > MAX_CONTACT_PASSES) this.passes.delete(this.passes.keys().next().value!)
    }
  }

  /** The pass into `recipient`'s inbox, when they have written to this identity. */
  passFor (recipient: WalletAddress): Uint8Array | undefined {
    return this.passes.get(recipient)?.pass
  }
}
