/**
 * Receipts for the shards this node's rebuilds placed, held against the key's next survey.
 *
 * A node that acknowledged a STORE signed that it keeps the shard, but a receipt is only a word: a node can
 * acknowledge and keep nothing, and then take every rebuild planned for it. Reading each rebuilt shard back at once
 * would double a repair's requests while holders are being lost; instead the next survey of the key, which runs
 * anyway, settles each receipt:
 *
 * - the node still claims the shard: its claim is spot-checked (a FETCH of that object) whatever its record;
 * - another node of the ring claims it: the shard was handed on (a closer node took it), nothing to hold against anyone;
 * - nobody claims it: the node acknowledged a shard it never kept. It is distrusted, and the shard, missing in the
 *   survey, is rebuilt elsewhere in the same round.
 *
 * A receipt whose node did not answer the survey waits for the next one, up to `keepMs`.
 */
import type { ObjectId } from '../types/index.ts'
import type { KeySurvey } from './survey.ts'

interface Receipt { peer: string, objectId: ObjectId, shardIndex: number, at: number }

export interface SettledReceipts {
  /** Per peer, objects whose acknowledged shard it still claims: spot-check these. */
  mustCheck: Map<string, Set<ObjectId>>
  /** Peers that acknowledged a shard no surveyed node holds, and why. */
  broken: Map<string, string>
}

export class AcknowledgedShards {
  private readonly byKey = new Map<string, Receipt[]>()
  private readonly keepMs: number
  private readonly now: () => number

  constructor (keepMs: number, now: () => number) {
    this.keepMs = keepMs
    this.now = now
  }

  record (keyHex: string, peer: string, objectId: ObjectId, shardIndex: number): void {
    const receipts = this.byKey.get(keyHex) ?? []
    receipts.push({ peer, objectId, shardIndex, at: this.now() })
    this.byKey.set(keyHex, receipts)
  }

  /** Receipts held for `keyHex`, not yet settled. */
  pending (keyHex: string): number {
    return this.byKey.get(keyHex)?.length ?? 0
  }

  /**
   * Settles the receipts of `keyHex` against `survey` (see the file comment). `examined`: the objects the survey is
   * for; receipts of other objects (this node no longer holds them) are dropped.
   */
  settle (keyHex: string, survey: KeySurvey, examined: ReadonlySet<ObjectId>): SettledReceipts {
    const settled: SettledReceipts = { mustCheck: new Map(), broken: new Map() }
    const receipts = this.byKey.get(keyHex)
    if (receipts === undefined) return settled
    const now = this.now()
    const claims = (peer: string, receipt: Receipt): boolean => survey.held.get(peer)?.some(shard =>
      shard.objectId === receipt.objectId && shard.shardIndex === receipt.shardIndex) === true
    const waiting: Receipt[] = []
    for (const receipt of receipts) {
      if (now - receipt.at > this.keepMs || !examined.has(receipt.objectId)) continue
      if (survey.failed.has(receipt.peer)) {
        waiting.push(receipt)
      } else if (!survey.held.has(receipt.peer)) {
        // Not surveyed: gone from the ring (dead, or pushed out by nearer nodes). Its shard, if lost, shows as missing.
        continue
      } else if (claims(receipt.peer, receipt)) {
        const objects = settled.mustCheck.get(receipt.peer) ?? new Set<ObjectId>()
        objects.add(receipt.objectId)
        settled.mustCheck.set(receipt.peer, objects)
      } else if (![...survey.held.keys()].some(peer => claims(peer, receipt))) {
        settled.broken.set(receipt.peer, `acknowledged shard ${receipt.shardIndex} of ${receipt.objectId} and no node of the ring holds it`)
      }
    }
    if (waiting.length > 0) this.byKey.set(keyHex, waiting)
    else this.byKey.delete(keyHex)
    return settled
  }

  /** Forgets the receipts of keys not in `held` (this node keeps no shard of them any more). */
  retain (held: ReadonlySet<string>): void {
    for (const keyHex of this.byKey.keys()) if (!held.has(keyHex)) this.byKey.delete(keyHex)
  }
}
