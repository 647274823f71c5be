/**
 * What should happen to one object's shards, computed from what the nodes around its placement key hold. Pure:
 * every holder computes the same plan from the same view, which is what lets each of them act alone (only on its
 * own shards, or as the one chosen repairer) without any coordination message.
 *
 * The layout it aims for: the k + m closest live storage nodes (the "expected holders") hold one distinct shard
 * each. Shards already on expected holders stay where they are as far as possible (a maximum matching between
 * expected holders and shard indices), so healing never moves a shard it does not have to.
 */

export interface ObjectSurvey {
  /** k + m of the object. */
  total: number
  /** Every peer whose holdings are considered, nearest to the placement key first (the live ring and this node). */
  ranked: readonly string[]
  /** The expected holders: the `total` closest live storage nodes, nearest first; a prefix-ordered subset of `ranked`. */
  closest: readonly string[]
  /** Shard indices each peer that answered holds (a peer holding nothing may be absent or map to an empty set). */
  held: ReadonlyMap<string, ReadonlySet<number>>
  /** Peers in `ranked` that did not answer, so what they hold is unknown. */
  unknown: ReadonlySet<string>
  /**
   * Spreads the rebuilds of one key's objects over its nearest holders: the object's repairer is the
   * (`spread` mod n)-th of its n = min(REPAIRER_SPREAD, holders) nearest holders. Derived from the object ID, so
   * every node computes the same; 0 or absent: the nearest holder.
   */
  spread?: number
  /**
   * Peers that take the repairer role only after every other holder: browser tabs, which learn of a death late (a
   * crashed peer's WebRTC connection stays open for seconds) and rebuild slowly. Every node classifies peers the
   * same way (by the agent they announce), so every node computes the same order.
   */
  repairsLast?: (peer: string) => boolean
  /**
   * Shard indices known (from earlier surveys) to be on holders the health monitor declared dead less than their
   * grace ago (`lostAfterMs`, or `tabLostAfterMs` for a tab). They cannot be read now, but they still count: such a holder is offline, not gone.
   */
  graced?: ReadonlySet<number>
  /** Rebuild only when the counted shards are this many or fewer (`repairDue`); default total - 1. */
  threshold?: number
}

/**
 * Whether an object with `counted` shards is rebuilt under `threshold`. Counted: the distinct shards on peers that
 * answered, plus those known to be on holders still inside their grace. The shards then rebuilt are the lost ones
 * (no answering peer holds them, and no holder inside its grace): the offline holders' shards are not rebuilt
 * elsewhere while they may come back with them, as DURABILITY.md's model and simulation assume.
 */
export function repairDue (counted: number, threshold: number): boolean {
  return counted <= threshold
}

/** `peers` in order, with those that repair last moved behind the others; each part keeps its order. */
export function repairOrder (peers: readonly string[], repairsLast?: (peer: string) => boolean): string[] {
  if (repairsLast === undefined) return [...peers]
  return [...peers.filter(peer => !repairsLast(peer)), ...peers.filter(peer => repairsLast(peer))]
}

/**
 * How many of the nearest holders of a key share its rebuilds, one object each in turn. A holder serves at most
 * a few requests from any one peer at a time, so a death that leaves every object of a key a shard short is
 * rebuilt and stored by three nodes at once instead of one. Matches PROMPT_SURVEY_RANKS: the nearest three nodes
 * survey at once after a death.
 */
export const REPAIRER_SPREAD = 3

/** The `spread` of an object: a number read from its ID, the same on every node. */
export function spreadOf (objectId: string): number {
  return Number.parseInt(objectId.slice(0, 8), 16)
}

/** A shard moving from its holder to a node that holds nothing of the object (so it is stored as `sole`). */
export interface ShardMove { index: number, from: string, to: string }
export interface ShardDrop { index: number, peer: string, keeper: string }
/**
 * `sole`: the target holds nothing of the object and is to hold only this shard; false only for a second slot
 * (fewer live nodes than shards), where the target takes one more.
 */
export interface ShardRebuild { index: number, to: string, sole: boolean }

export interface ObjectPlan {
  /** Shard index → the expected holder that keeps it. */
  keepers: ReadonlyMap<number, string>
  /**
   * Indices no answering peer holds: they must be rebuilt from k others, but for those in `graced` (their holder
   * is offline inside its grace) and all of them while `heldBack`.
   */
  missing: readonly number[]
  /** The `missing` indices known to be on holders inside their grace: counted, and not rebuilt. */
  graced: readonly number[]
  /** Where each missing shard goes once rebuilt: the nearest vacant expected holders, second slots last. */
  rebuilds: readonly ShardRebuild[]
  /**
   * Shards held outside their place (beyond the expected holders, or a second shard on one node) moving to a
   * vacant expected holder that holds nothing of the object. Never into a second slot: with fewer live nodes than
   * shards a move would not add a shard, and on a view that lags behind (a node back but not yet seen) it would
   * put two shards on one node.
   */
  moves: readonly ShardMove[]
  /** Extra copies of an index another expected holder keeps: their holder deletes them. */
  drops: readonly ShardDrop[]
  /**
   * Who rebuilds: peers that hold a shard (or might: `unknown`), in turn; the first one is the repairer. Nearest
   * first, those that repair last (tabs) after all others, and the first REPAIRER_SPREAD rotated by `spread`.
   */
  repairers: readonly string[]
  /**
   * Answered peers holding nothing of the object, nearest first, other than the rebuild and move targets: where a
   * rebuilt shard goes when its target refuses it.
   */
  spares: readonly string[]
  /** An expected holder did not answer: which shards are missing is not known, so nothing is rebuilt or moved. */
  uncertain: boolean
  /** Fewer live storage nodes than shards: some node must keep more than one. */
  reducedRedundancy: boolean
  /** Distinct shards held by peers that answered, plus `graced` ones none of them holds. */
  counted: number
  /** Shards are lost but the counted ones are above the threshold: nothing is rebuilt yet (`rebuilds` is empty). */
  heldBack: boolean
}

/** Plans one object. Deterministic: the same survey always yields the same plan. */
export function planObject (survey: ObjectSurvey): ObjectPlan {
  const { total, ranked, closest, held, unknown } = survey
  const holdings = (peer: string): ReadonlySet<number> => held.get(peer) ?? EMPTY
  const answeredClosest = closest.filter(peer => !unknown.has(peer))
  const uncertain = answeredClosest.length < closest.length
  // With fewer expected holders than shards, each takes several, as a store spreads them round-robin.
  const perNode = closest.length >= total || closest.length === 0 ? 1 : Math.ceil(total / closest.length)
  // Slot s of every node before slot s + 1 of any: first one shard per node, nearest nodes first.
  const slots: string[] = []
  for (let slot = 0; slot < perNode; slot++) slots.push(...answeredClosest)

  const slotOfIndex = maximumMatching(slots, total, (slot, index) => holdings(slots[slot]).has(index))
  const keepers = new Map<number, string>()
  const filledSlots = new Set<number>()
  slotOfIndex.forEach((slot, index) => {
    if (slot >= 0) {
      keepers.set(index, slots[slot])
      filledSlots.add(slot)
    }
  })

  const missing: number[] = []
  const movable: Array<{ index: number, from: string }> = []
  for (let index = 0; index < total; index++) {
    if (keepers.has(index)) continue
    const from = ranked.find(peer => holdings(peer).has(index))
    if (from === undefined) missing.push(index)
    else movable.push({ index, from })
  }

  // A node still holding a shard it is about to drop (a copy kept elsewhere) is no vacancy yet: receiving another
  // shard first would put two shards of the object on it. It becomes one once the drop is done.
  const graced = missing.filter(index => survey.graced?.has(index) === true)
  const counted = total - missing.length + graced.length
  const heldBack = missing.length > graced.length && !repairDue(counted, survey.threshold ?? total - 1)

  const vacancies = slots.filter((peer, slot) => !filledSlots.has(slot) && (perNode > 1 || holdings(peer).size === 0))
  const rebuilds: ShardRebuild[] = []
  const moves: ShardMove[] = []
  const receiving = new Set<string>()
  const sole = (peer: string): boolean => holdings(peer).size === 0 && !receiving.has(peer)
  let next = 0
  for (const index of heldBack ? [] : missing.filter(index => !graced.includes(index))) {
    if (next >= vacancies.length) break
    const to = vacancies[next++]
    rebuilds.push({ index, to, sole: sole(to) })
    receiving.add(to)
  }
  for (const { index, from } of movable) {
    while (next < vacancies.length && !sole(vacancies[next])) next++
    if (next >= vacancies.length) break
    const to = vacancies[next++]
    moves.push({ index, from, to })
    receiving.add(to)
  }

  const drops: ShardDrop[] = []
  for (const peer of ranked) {
    for (const index of [...holdings(peer)].sort((a, b) => a - b)) {
      const keeper = keepers.get(index)
      if (keeper !== undefined && keeper !== peer) drops.push({ index, peer, keeper })
    }
  }

  const targets = new Set([...rebuilds.map(r => r.to), ...moves.map(m => m.to)])
  const holders = repairOrder(ranked.filter(peer => unknown.has(peer) || holdings(peer).size > 0), survey.repairsLast)
  const sharing = Math.min(REPAIRER_SPREAD, holders.length)
  const turn = sharing === 0 ? 0 : Math.abs(Math.trunc(survey.spread ?? 0)) % sharing
  return {
    keepers,
    missing,
    graced,
    rebuilds: uncertain ? [] : rebuilds,
    moves: uncertain ? [] : moves,
    drops,
    repairers: [...holders.slice(turn, sharing), ...holders.slice(0, turn), ...holders.slice(sharing)],
    spares: ranked.filter(peer => !unknown.has(peer) && holdings(peer).size === 0 && !targets.has(peer)),
    uncertain,
    reducedRedundancy: closest.length < total,
    counted,
    heldBack: heldBack && !uncertain
  }
}

const EMPTY: ReadonlySet<number> = new Set()

/**
 * Kuhn's augmenting-path matching between slots (in priority order) and shard indices. A slot once matched stays
 * matched, so nearer nodes keep their shards first. Returns, per index, its slot or -1. Sizes are tiny (k + m
 * is at most 256 and usually 15), so the O(V·E) bound does not matter.
 */
function maximumMatching (slots: readonly string[], total: number, holds: (slot: number, index: number) => boolean): number[] {
  const slotOfIndex = new Array<number>(total).fill(-1)
  const tryAssign = (slot: number, visited: boolean[]): boolean => {
    for (let index = 0; index < total; index++) {
      if (!holds(slot, index) || visited[index]) continue
      visited[index] = true
      if (slotOfIndex[index] < 0 || tryAssign(slotOfIndex[index], visited)) {
        slotOfIndex[index] = slot
        return true
      }
    }
    return false
  }
  for (let slot = 0; slot < slots.length; slot++) tryAssign(slot, new Array<boolean>(total).fill(false))
  return slotOfIndex
}
