/**
 * Spot checks of LIST claims. A LIST answer is a holder's word (summaries, no bytes), and repair plans from it: a
 * holder claiming shards it does not keep makes repair skip their rebuild, and node IDs cost nothing, so a stranger
 * can put many such holders next to a user's keys. Before a survey's claims are counted, each claiming peer is
 * challenged with a FETCH of one object it claims, picked at random, and every shard it claims of that object must
 * come back and verify against the manifest. A peer that fails is distrusted for a while: its claims count for
 * nothing and it leaves the ring (as a dead peer does), so it is neither a keeper, a source nor a target.
 *
 * Cost, per survey: one FETCH per ring peer that claims shards of the objects examined (a ring is k + m +
 * surveySpares, 20 by default, so at most 19), each answered with that peer's shards of one object (one shard, a
 * k-th of the object, from an honest holder; the chunk client's FETCH limits bound a dishonest one); only after a
 * failed check, one LIST and one more FETCH for that peer (so at most 2 FETCHes and 2 LISTs per peer). A peer that
 * passed is not checked again by this node for `spotCheckEveryMs` (10 minutes by default), so the surveys that
 * follow a death, which must be quick, cost no checks of peers checked before; a node given a rebuilt shard since is
 * the exception (acknowledged-shards.ts). A peer lying about a fraction f of its claimed objects is caught by one
 * check with probability about f squared (`objectsPerPeer` = 1), by some check of the several holders around a key
 * sooner.
 */
import type { HeldShard } from '../protocols/index.ts'
import { forEachLimit } from '../async/index.ts'
import { errorText } from '../errors/index.ts'
import type { ObjectId } from '../types/index.ts'
import { verifyShard, type SignedManifest } from '../wire/index.ts'
import type { RepairContext } from './context.ts'
import type { KeySurvey } from './survey.ts'

/** Peers that failed a challenge (a spot check, or a keeper that sent no valid copy back), until when. */
export class DistrustedPeers {
  private readonly until = new Map<string, number>()
  private readonly periodMs: number
  private readonly now: () => number

  constructor (periodMs: number, now: () => number) {
    this.periodMs = periodMs
    this.now = now
  }

  distrust (peer: string): void {
    this.until.set(peer, this.now() + this.periodMs)
  }

  has (peer: string): boolean {
    const until = this.until.get(peer)
    if (until === undefined) return false
    if (this.now() < until) return true
    this.until.delete(peer)
    return false
  }

  /** Peers distrusted now (those whose time is up are forgotten). */
  get size (): number {
    const now = this.now()
    for (const [peer, until] of this.until) if (now >= until) this.until.delete(peer)
    return this.until.size
  }
}

/** Peers whose claims passed a spot check, and when: they are not checked again for a while (`spotCheckEveryMs`). */
export class CheckedPeers {
  private readonly passedAt = new Map<string, number>()
  private readonly periodMs: number
  private readonly now: () => number

  constructor (periodMs: number, now: () => number) {
    this.periodMs = periodMs
    this.now = now
  }

  passed (peer: string): void {
    const now = this.now()
    this.passedAt.set(peer, now)
    // Peers come and go: past a few hundred entries, those whose period is over are forgotten.
    if (this.passedAt.size > 512) for (const [other, at] of this.passedAt) if (now - at >= this.periodMs) this.passedAt.delete(other)
  }

  /** Whether `peer` passed a check within the period (and need not be checked now). */
  passedLately (peer: string): boolean {
    const at = this.passedAt.get(peer)
    if (at === undefined) return false
    if (this.now() - at < this.periodMs) return true
    this.passedAt.delete(peer)
    return false
  }

  /** Forgets a peer (it failed a challenge since). */
  forget (peer: string): void {
    this.passedAt.delete(peer)
  }
}

export interface SpotCheckResult {
  /** Peers whose claims failed their check, and why: their claims are dropped and they are to be distrusted. */
  liars: Map<string, string>
  /** Peers whose claims passed. */
  passed: string[]
  /** FETCHes sent. */
  checks: number
}

export interface SpotCheckOptions {
  placementKey: Uint8Array
  objectsPerPeer: number
  concurrency: number
  /** Per peer, objects that must be checked (a shard it acknowledged, see acknowledged-shards.ts); one failure is a lie. */
  mustCheck?: ReadonlyMap<string, ReadonlySet<ObjectId>>
  /** Peers to leave unchecked unless they have objects in `mustCheck` (they passed lately). */
  skip?: (peer: string) => boolean
}

/**
 * Challenges the claims in `survey` about `manifests`' objects: the peer's `mustCheck` objects, and
 * `objectsPerPeer` random claimed objects per peer, one more after a failed one; a peer failing two (or its only
 * one, or one of its `mustCheck`) is a liar. Peers `skip` names are left unchecked unless they have `mustCheck`
 * objects. Liars leave `survey.held`; a peer whose challenge failed (unreachable, busy) moves to `survey.failed`,
 * as a peer that did not answer LIST: its claims are unknown this round. Never throws (but on abort).
 */
export async function spotCheckClaims (ctx: RepairContext, survey: KeySurvey, manifests: ReadonlyMap<ObjectId, SignedManifest>,
  options: SpotCheckOptions): Promise<SpotCheckResult> {
  const result: SpotCheckResult = { liars: new Map(), passed: [], checks: 0 }
  if (options.objectsPerPeer <= 0) return result
  const challenged = [...survey.held].flatMap(([peer, held]) => {
    const claims = claimsByObject(held, manifests)
    const must = [...(options.mustCheck?.get(peer) ?? [])].filter(objectId => claims.has(objectId))
    if (claims.size === 0 || (must.length === 0 && options.skip?.(peer) === true)) return []
    return [{ peer, claims, must }]
  })
  await forEachLimit(challenged, options.concurrency, async ({ peer, claims, must }) => {
    // One object at random; after a failure, a second one: an honest holder with one shard gone bad on its disk
    // (its own scrub deletes it) passes the second, a holder lying about its claims fails it too. A peer claiming
    // a single object is judged on that one. Objects it must produce come first, and each is judged alone.
    const others = sample([...claims.keys()].filter(objectId => !must.includes(objectId)), Math.max(1, options.objectsPerPeer) + 1)
    const objects = [...must, ...others]
    const quota = Math.max(options.objectsPerPeer, must.length)
    const strikesToFail = Math.min(2, objects.length)
    let strikes = 0
    let checked = 0
    for (const objectId of objects) {
      if (checked >= quota && strikes === 0) break
      checked++
      result.checks++
      let failure: string | undefined
      try {
        failure = await challenge(ctx, peer, manifests.get(objectId)!, claims.get(objectId)!, options.placementKey)
      } catch (error) {
        ctx.signal.throwIfAborted()
        survey.held.delete(peer)
        survey.failed.set(peer, `spot check of its LIST answer failed: ${errorText(error)}`)
        return
      }
      if (failure === undefined) continue
      if (++strikes < strikesToFail && !must.includes(objectId)) continue
      survey.held.delete(peer)
      result.liars.set(peer, failure)
      return
    }
    result.passed.push(peer)
  })
  return result
}

/**
 * FETCHes `peer`'s shards of one object and checks each claimed index against the manifest. Returns why it failed,
 * or undefined. A claimed shard missing from the answer is a lie only if a second LIST still claims it (gone since
 * the first LIST, handed off or deleted by its owner, is no lie). Throws when a request fails.
 */
async function challenge (ctx: RepairContext, peer: string, manifest: SignedManifest, claimed: ReadonlySet<number>,
  placementKey: Uint8Array): Promise<string | undefined> {
  const objectId = manifest.objectId
  const shards = await ctx.exchange.fetch(peer, { objectId }, { signal: ctx.signal, checkedManifests: ctx.checkedManifests })
  const missing = [...claimed].filter(index => !shards.some(shard => shard.manifest.objectId === objectId &&
    shard.shardIndex === index && verifyShard(manifest, index, shard.shard, shard.shardProof)))
  if (missing.length === 0) return undefined
  const now = await ctx.exchange.list(peer, placementKey, { signal: ctx.signal })
  const stillClaimed = missing.filter(index => now.some(shard => shard.objectId === objectId && shard.shardIndex === index))
  if (stillClaimed.length === 0) return undefined
  return `claimed shard(s) ${stillClaimed.join(',')} of ${objectId} but sent no valid copy when asked`
}

/** Claimed shard indices per object, for the objects in `manifests` (the only claims a plan counts). */
function claimsByObject (held: readonly HeldShard[], manifests: ReadonlyMap<ObjectId, SignedManifest>): Map<ObjectId, Set<number>> {
  const claims = new Map<ObjectId, Set<number>>()
  for (const shard of held) {
    const manifest = manifests.get(shard.objectId)
    if (manifest === undefined || shard.shardIndex >= manifest.k + manifest.m) continue
    const indices = claims.get(shard.objectId) ?? new Set<number>()
    indices.add(shard.shardIndex)
    claims.set(shard.objectId, indices)
  }
  return claims
}

/** Up to `count` items of `items` picked at random. */
function sample<T> (items: T[], count: number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items.slice(0, count)
}
