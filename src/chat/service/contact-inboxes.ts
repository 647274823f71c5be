/**
 * The contact inboxes of people who have written to this identity (derived-identities.ts): each names its own in
 * every message it sends (`MessagePayload.inbox`, inside the signed and encrypted envelope, so only that person can
 * name theirs). This identity's messages to them go there from then on. Kept per contact, the one named in the
 * newest message; the service also keeps them in its message cache, so a reloaded tab still has them.
 */
import type { WalletAddress } from '../../identity/index.ts'
import type { OpenedMessage } from '../envelope.ts'
import type { CachedContactInbox } from './message-cache.ts'

/** Contacts whose contact inboxes are kept; past it the least recently learned goes. */
const MAX_CONTACT_INBOXES = 10_000

export class ContactInboxes {
  private readonly inboxes = new Map<WalletAddress, { inbox: WalletAddress, sentAt: number }>()

  constructor (private readonly me: WalletAddress) {}

  /** The contact inbox a message from a peer names; returned when it is new here (for the cache). */
  learn (opened: OpenedMessage): CachedContactInbox | undefined {
    const { inbox } = opened.content
    if (opened.direction !== 'incoming' || inbox === undefined || opened.peer === this.me) return undefined
    const entry = { contact: opened.peer, inbox, sentAt: opened.header.sentAt }
    return this.keep(entry) ? entry : undefined
  }

  /** Takes back contact inboxes kept in the cache by an earlier session; newer ones learned meanwhile stay. */
  restore (entries: readonly CachedContactInbox[]): void {
    for (const entry of entries) this.keep(entry)
  }

  /** Where messages to `contact` go: their contact inbox once they named one, else their public inbox. */
  inboxOf (contact: WalletAddress): WalletAddress {
    return this.inboxes.get(contact)?.inbox ?? contact
  }

  private keep ({ contact, inbox, sentAt }: CachedContactInbox): boolean {
    const known = this.inboxes.get(contact)
    if (known?.inbox === inbox) {
      known.sentAt = Math.max(known.sentAt, sentAt)
      return false
    }
    if (known !== undefined && known.sentAt >= sentAt) return false
    this.inboxes.delete(contact)
    this.inboxes.set(contact, { inbox, sentAt })
    if (this.inboxes.size > MAX_CONTACT_INBOXES) this.inboxes.delete(this.inboxes.keys().next().value!)
    return true
  }
}
