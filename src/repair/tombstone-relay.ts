/**
 * Passing tombstones on: a holder that applied an owner's DELETE of a whole object keeps the signed delete as a
 * tombstone (src/protocols/chunks/handlers/delete.ts), but a holder that was offline or unreachable then kept its
 * shards, still serves them, and a repairer working from them would bring the object back on every node that never
 * heard of the delete. So each holder hands its tombstones on to the co-holders that still claim shards of the
 * deleted object in LIST, as the DELETE the owner signed; the receiver applies it as it would the owner's own (same
 * signature check, the signer must be the object's delete authority, within the tombstone's retention) and then
 * keeps the tombstone and passes it on in turn.
 *
 * Where the claims come from:
 * - the surveys of keys this node holds shards of (the repairer LISTs their rings anyway): nothing more is asked;
 * - for keys it holds tombstones of and no shard (the deleted object was its only one there), a LIST of the key's
 *   ring when that ring changed (a node returned or joined), when it was never surveyed, or after `resurveyAfterMs`;
 *   at most `tombstoneKeysPerRound` such keys a round, the ones whose ring changed first.
 *
 * Bounded, so that a peer cannot turn it into traffic: only peers that claimed shards of the object are sent its
 * delete (a peer can draw deletes only to itself), at most `passOnsPerPeer` to one peer and `passOnsPerRound` in all
 * per round, a (peer, object) pair at most once per `passOnAgainAfterMs`, and tombstones that do not verify or have
 * expired are never sent. A received delete costs its holder a store read, and a signature check only when the
 * holder keeps shards of that object.
 */
import { toHex } from '../crypto/index.ts'
import { RemoteNotFoundError, type HeldShard, type TombstoneExchange } from '../protocols/index.ts'
import type { Tombstone } from '../store/index.ts'
import type { ObjectId } from '../types/index.ts'
import { forEachLimit } from '../async/index.ts'
import { errorText } from '../errors/index.ts'
import type { RepairContext } from './context.ts'
import { surveyKey } from './survey.ts'
import type { RepairRound } from './repair-settings.ts'

/** Tombstones read from the store per round, from a cursor that wraps: every round for a holder with fewer. */
export const DEFAULT_TOMBSTONES_SCANNED_PER_ROUND = 4096
/** Keys held as tombstones only whose rings one round LISTs (a LIST to each of about 19 peers per key). */
export const DEFAULT_TOMBSTONE_KEYS_PER_ROUND = 4
/** Deletes passed on to one peer in one round. */
export const DEFAULT_PASS_ONS_PER_PEER = 16
/** Deletes passed on in all in one round. */
export const DEFAULT_PASS_ONS_PER_ROUND = 64
/** A delete passed on to a peer is not passed to it again this soon (it answered, or it will not). */
export const DEFAULT_PASS_ON_AGAIN_AFTER_MS = 10 * 60_000
/** Store reads of tombstones for objects claimed in surveys, per round. */
const MAX_TOMBSTONE_LOOKUPS_PER_ROUND = 4096
/** Pass-ons in flight at once. */
const PASS_ON_CONCURRENCY = 8

export interface TombstoneRelaySettings {
  tombstoneRetentionMs: number
  tombstonesScannedPerRound: number
  tombstoneKeysPerRound: number
  passOnsPerPeer: number
  passOnsPerRound: number
  passOnAgainAfterMs: number
  resurveyAfterMs: number
  surveyConcurrency: number
}

export interface TombstoneRelayDeps {
  exchange: TombstoneExchange
  settings: TombstoneRelaySettings
  now: () => number
  emit: (message: string) => void
  /** The ring a survey of `key` asks (the live nodes nearest it, as the repairer's own surveys). */
  ring: (key: Uint8Array) => Promise<string[]>
}

/** What one round may still do: pass-ons per peer and in all, tombstone reads, and the tombstones read so far. */
export interface RelayRound {
  readonly perPeer: Map<string, number>
  passOns: number
  lookups: number
  /** Tombstones read this round, by object (undefined: none here). */
  readonly known: Map<ObjectId, Tombstone | undefined>
}

interface KeyView { ring: string, surveyedAt: number }

export class TombstoneRelay {
  private readonly deps: TombstoneRelayDeps
  /** When each (peer, object) pair was last passed on. */
  private readonly passed = new Map<string, number>()
  /** Per key held as tombstones only: the ring of its last survey, and when. */
  private readonly views = new Map<string, KeyView>()
  private cursor: ObjectId | undefined

  constructor (deps: TombstoneRelayDeps) {
    this.deps = deps
  }

  beginRound (): RelayRound {
    const now = this.deps.now()
    for (const [pair, at] of this.passed) if (now - at >= this.deps.settings.passOnAgainAfterMs) this.passed.delete(pair)
    return { perPeer: new Map(), passOns: 0, lookups: 0, known: new Map() }
  }

  /**
   * Passes this node's tombstones on to the peers of `held` (a survey's answers) that claim shards of the objects
   * they stand for. `mine`: objects this node holds shards of itself (no tombstone to look for).
   */
  async passOnClaims (ctx: RepairContext, relay: RelayRound, round: RepairRound, held: ReadonlyMap<string, readonly HeldShard[]>,
    mine: (objectId: ObjectId) => boolean = () => false): Promise<void> {
    const now = this.deps.now()
    const { passOnsPerPeer, passOnsPerRound, tombstoneRetentionMs } = this.deps.settings
    const sends: Array<{ peer: string, tombstone: Tombstone }> = []
    for (const [peer, shards] of held) {
      if (peer === ctx.selfId || ctx.isDead(peer)) continue
      for (const objectId of new Set(shards.map(shard => shard.objectId))) {
        if (relay.passOns >= passOnsPerRound || (relay.perPeer.get(peer) ?? 0) >= passOnsPerPeer) break
        if (mine(objectId) || this.passed.has(`${peer}/${objectId}`)) continue
        const tombstone = await this.tombstoneOf(ctx, relay, objectId)
        if (tombstone === undefined || tombstone.deletedAt < now - tombstoneRetentionMs) continue
        relay.passOns++
        relay.perPeer.set(peer, (relay.perPeer.get(peer) ?? 0) + 1)
        this.passed.set(`${peer}/${objectId}`, now)
        sends.push({ peer, tombstone })
      }
    }
    await forEachLimit(sends, PASS_ON_CONCURRENCY, async ({ peer, tombstone }) => {
      try {
        const deleted = await this.deps.exchange.passOnTombstone(peer, tombstone, { signal: ctx.signal })
        round.tombstonesPassedOn++
        this.deps.emit(`repair: passed the delete of ${tombstone.objectId} (signed by ${tombstone.owner} at ${tombstone.deletedAt}) on to ${peer}, ` +
          `which still held ${deleted} shard(s) of it`)
      } catch (error) {
        if (ctx.signal.aborted) {
          this.passed.delete(`${peer}/${tombstone.objectId}`)
          return
        }
        // Not held there any more (its claim was stale, or another holder's pass-on came first): nothing to do.
        if (error instanceof RemoteNotFoundError) return
        this.deps.emit(`repair: passing the delete of ${tombstone.objectId} on to ${peer} failed: ${errorText(error)}`)
      }
    })
  }

  /**
   * The keys this node keeps tombstones of and holds no shard of (`heldKeys`): LISTs the rings of those that are due
   * (see the module comment), at most `tombstoneKeysPerRound`, and passes the tombstones on to the claimants.
   */
  async sweep (ctx: RepairContext, relay: RelayRound, round: RepairRound, heldKeys: ReadonlySet<string>): Promise<void> {
    const now = this.deps.now()
    const { tombstoneRetentionMs, tombstoneKeysPerRound, resurveyAfterMs, surveyConcurrency } = this.deps.settings
    const { keys, complete } = await this.scan(ctx, relay, now - tombstoneRetentionMs)
    const due: Array<{ keyHex: string, key: Uint8Array, ring: string[], changed: boolean, surveyedAt: number }> = []
    for (const [keyHex, key] of keys) {
      if (heldKeys.has(keyHex)) continue // its own survey carries the claims (passOnClaims)
      const ring = await this.deps.ring(key)
      const view = this.views.get(keyHex)
      const changed = view === undefined || view.ring !== ring.join(' ')
      if (changed || now - view.surveyedAt >= resurveyAfterMs) due.push({ keyHex, key, ring, changed, surveyedAt: view?.surveyedAt ?? 0 })
    }
    if (complete) for (const keyHex of this.views.keys()) if (!keys.has(keyHex) || heldKeys.has(keyHex)) this.views.delete(keyHex)
    due.sort((a, b) => Number(b.changed) - Number(a.changed) || a.surveyedAt - b.surveyedAt)
    for (const { keyHex, key, ring } of due.slice(0, tombstoneKeysPerRound)) {
      ctx.signal.throwIfAborted()
      const survey = await surveyKey(ctx, key, ring, surveyConcurrency)
      ctx.signal.throwIfAborted()
      round.tombstoneKeysSurveyed++
      this.views.set(keyHex, { ring: ring.join(' '), surveyedAt: now })
      await this.passOnClaims(ctx, relay, round, survey.held)
    }
  }

  /**
   * Reads up to `tombstonesScannedPerRound` tombstones from the cursor on (wrapping once), and returns the placement
   * keys of the live ones that name one; `complete` when every tombstone was read this round.
   */
  private async scan (ctx: RepairContext, relay: RelayRound, liveSince: number): Promise<{ keys: Map<string, Uint8Array>, complete: boolean }> {
    const keys = new Map<string, Uint8Array>()
    const budget = this.deps.settings.tombstonesScannedPerRound
    const fromTheStart = this.cursor === undefined
    let restarted = false
    let read = 0
    while (read < budget) {
      const limit = Math.min(1024, budget - read)
      const page = await ctx.store.pageTombstones({ after: this.cursor, limit })
      read += page.length
      for (const tombstone of page) {
        relay.known.set(tombstone.objectId, tombstone)
        if (tombstone.placementKey !== undefined && tombstone.deletedAt >= liveSince) keys.set(toHex(tombstone.placementKey), tombstone.placementKey)
      }
      if (page.length === limit) {
        this.cursor = page[page.length - 1].objectId
        continue
      }
      // The end of the table: the next read starts from the beginning (this round's too, once, if it began midway).
      this.cursor = undefined
      if (fromTheStart || restarted) return { keys, complete: fromTheStart }
      restarted = true
    }
    return { keys, complete: false }
  }

  /** This node's tombstone of `objectId`, read once per round and within the round's lookups. */
  private async tombstoneOf (ctx: RepairContext, relay: RelayRound, objectId: ObjectId): Promise<Tombstone | undefined> {
    if (relay.known.has(objectId)) return relay.known.get(objectId)
    if (relay.lookups >= MAX_TOMBSTONE_LOOKUPS_PER_ROUND) return undefined
    relay.lookups++
    const tombstone = await ctx.store.getTombstone(objectId)
    relay.known.set(objectId, tombstone)
    return tombstone
  }
}
