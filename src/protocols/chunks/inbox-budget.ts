/**
 * The per-inbox budget a holder keeps (issue 15 item 2): how many objects each inbox holds here, all senders
 * together, and which lane a new object enters by.
 *
 * Why lanes: the per-sender rate (InboxAppendLimiter) costs a flood nothing, since new sender identities are free.
 * A cap per inbox alone would let a crowd of strangers fill it and lock the recipient's contacts out. So a sender
 * shows, with each STORE, a contact pass: a manifest the RECIPIENT signed for an object it put into the SENDER's
 * inbox (any message it wrote to them). Holders verify it like any manifest (owner signature, then owner =
 * recipient and namespace = the sender's inbox). Objects with a pass may fill the inbox up to `maxHeldObjects`;
 * objects without one (strangers: first contacts, and a flood) only while it holds fewer than
 * `maxStrangerHeldObjects`, and at most `maxStrangerObjectsPerWindow` new ones per window from all strangers
 * together. However many identities strangers make, contacts keep the difference.
 *
 * The count is kept in memory per inbox, read from the store (a listing of the inbox key, without shard bytes)
 * the first time an inbox is met and again before a refusal when it is older than `recountMs`: deletes outside
 * the DELETE handler (hand-off, repair) make it high, never low, so a refusal is always checked against the store.
 */
import type { ChunkStore } from '../../store/index.ts'
import type { WalletAddress } from '../../identity/index.ts'
import { inboxRecipientOf } from '../../placement/index.ts'
import { decodeSignedManifest, type SignedManifest } from '../../wire/index.ts'
import type { InboxLimits } from './inbox-limits.ts'

/** Listing entries read per page while counting an inbox. */
const COUNT_PAGE_ENTRIES = 1024
/** A refusal rests on a count at most this old (deletes outside the DELETE handler make counts high). */
export const DEFAULT_INBOX_RECOUNT_MS = 60_000

/**
 * Why `pass` is not a contact pass from `recipient` for the sender of `manifest`, or undefined when it is one.
 * Never throws.
 */
export function contactPassProblem (pass: Uint8Array, manifest: SignedManifest, recipient: WalletAddress): string | undefined {
  let signed: SignedManifest
  try {
    signed = decodeSignedManifest(pass) // checks its structure and the owner's signature
  } catch (error) {
    return `the contact pass does not verify: ${error instanceof Error ? error.message : String(error)}`
  }
  if (signed.owner !== recipient) return `the contact pass is signed by ${signed.owner}, not by the recipient ${recipient}`
  const passFor = inboxRecipientOf(signed.namespace)
  if (passFor !== manifest.owner) return `the contact pass is for ${passFor ?? signed.namespace}, not for the sender ${manifest.owner}`
  return undefined
}

/**
 * An admitted object: `stored` once it is in the store, or `release` when it was not stored after all (or was taken
 * out again); either may follow the other, each counts once.
 */
export type BudgetAdmission = { admitted: true, stored: () => void, release: () => void } | { admitted: false, reason: string }

interface InboxCount {
  /** Objects held, including the admitted ones not in the store yet. */
  objects: number
  /** Admitted and not in the store yet: a count read from the store meanwhile misses them. */
  pending: number
  countedAt: number
}

/**
 * Objects held per inbox, and admission of new ones by lane. Bounded: past `maxInboxes` inboxes the least recently
 * used count is dropped (and read from the store again when that inbox is next written to).
 */
export class InboxLedger {
  private readonly counts = new Map<string, InboxCount>()
  /** Counts being read from the store, so concurrent STOREs to one inbox read it once. */
  private readonly counting = new Map<string, Promise<InboxCount>>()

  constructor (
    private readonly store: ChunkStore,
    private readonly limits: InboxLimits,
    private readonly now: () => number,
    private readonly recountMs = DEFAULT_INBOX_RECOUNT_MS,
    private readonly maxInboxes = 10_000
  ) {}

  /**
   * Counts one new object into `recipient`'s inbox (under `placementKey`) unless its lane is full; `release` takes
   * it back (nothing was stored after all). `contact`: the sender showed a valid contact pass.
   */
  async admit (recipient: WalletAddress, placementKey: Uint8Array, contact: boolean): Promise<BudgetAdmission> {
    const limit = contact ? this.limits.maxHeldObjects : Math.min(this.limits.maxStrangerHeldObjects, this.limits.maxHeldObjects)
    let count = await this.count(recipient, placementKey, false)
    if (count.objects >= limit && this.now() - count.countedAt >= this.recountMs) count = await this.count(recipient, placementKey, true)
    if (count.objects >= limit) {
      return {
        admitted: false,
        reason: contact
          ? `the inbox of ${recipient} holds ${count.objects} objects on this holder, its limit; it takes more once the recipient removes what it has read`
          : `the inbox of ${recipient} holds ${count.objects} objects on this holder, the most it takes from senders the recipient has not written to ` +
            `(no valid contact pass); ${this.limits.maxHeldObjects} from its contacts`
      }
    }
    count.objects++
    count.pending++
    let pending = true
    let released = false
    const settle = (): void => {
      if (!pending) return
      pending = false
      count.pending--
    }
    return {
      admitted: true,
      stored: settle,
      release: () => {
        settle()
        if (released) return
        released = true
        count.objects = Math.max(0, count.objects - 1)
      }
    }
  }

  /** An object of `recipient`'s inbox was deleted here: its count is read again before the next refusal. */
  removed (recipient: WalletAddress): void {
    const count = this.counts.get(recipient)
    if (count !== undefined) count.countedAt = Number.NEGATIVE_INFINITY
  }

  /** Objects counted for `recipient`'s inbox now (undefined when not counted yet). */
  held (recipient: WalletAddress): number | undefined {
    return this.counts.get(recipient)?.objects
  }

  private async count (recipient: WalletAddress, placementKey: Uint8Array, fresh: boolean): Promise<InboxCount> {
    const known = this.counts.get(recipient)
    if (known !== undefined && !fresh) {
      this.counts.delete(recipient) // re-inserted last: Map order is least recently used first
      this.counts.set(recipient, known)
      return known
    }
    let running = this.counting.get(recipient)
    if (running === undefined) {
      running = this.countStored(placementKey).then(objects => {
        // Updated in place: admissions hold on to their entry. Those not in the store yet are added (one stored
        // while the listing ran may count twice until the next count: high, never low).
        const entry = this.counts.get(recipient) ?? { objects, pending: 0, countedAt: this.now() }
        entry.objects = objects + entry.pending
        entry.countedAt = this.now()
        this.counts.delete(recipient)
        this.counts.set(recipient, entry)
        this.bound()
        return entry
      }).finally(() => this.counting.delete(recipient))
      this.counting.set(recipient, running)
    }
    return await running
  }

  /** Distinct objects held under `placementKey`: listings come in (objectId, shardIndex) order. */
  private async countStored (placementKey: Uint8Array): Promise<number> {
    let objects = 0
    let last: string | undefined
    let after: { objectId: string, shardIndex: number } | undefined
    for (;;) {
      const page = await this.store.pageListings({ placementKey, after, limit: COUNT_PAGE_ENTRIES })
      for (const listing of page) {
        if (listing.objectId !== last) objects++
        last = listing.objectId
      }
      if (page.length < COUNT_PAGE_ENTRIES) return objects
      const end = page[page.length - 1]
      after = { objectId: end.objectId, shardIndex: end.shardIndex }
    }
  }

  private bound (): void {
    for (const key of this.counts.keys()) {
      if (this.counts.size <= this.maxInboxes) break
      this.counts.delete(key)
    }
  }
}
