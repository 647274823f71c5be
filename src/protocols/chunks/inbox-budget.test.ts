/**
 * The per-inbox count a holder keeps (inbox-budget.ts): read from the store, high rather than low, and checked
 * against the store again before it refuses.
 */
import { describe, expect, it } from 'vitest'
import type { WalletAddress } from '../../identity/index.ts'
import { MemoryChunkStore } from '../../store/index.ts'
import { testPlacementKey, testRecord } from '../../testing/store-conformance.ts'
import { InboxLedger } from './inbox-budget.ts'
import { DEFAULT_INBOX_LIMITS } from './inbox-limits.ts'

const LIMITS = { ...DEFAULT_INBOX_LIMITS, maxHeldObjects: 6, maxStrangerHeldObjects: 3 }
const bob = '0x00000000000000000000000000000000000000b0' as WalletAddress
const key = testPlacementKey(7)

describe('InboxLedger', () => {
  it('counts the objects the store holds for an inbox, then admits by lane: strangers below their allowance, contacts below the whole', async () => {
    const store = new MemoryChunkStore()
    // Two objects, one of them with two shards here: two objects.
    for (const [object, shard] of [[1, 0], [1, 1], [2, 0]]) await store.put(testRecord({ owner: 7, object, shard }))
    const ledger = new InboxLedger(store, LIMITS, () => 0)
    const first = await ledger.admit(bob, key, false)
    expect(first.admitted).toBe(true)
    expect(ledger.held(bob)).toBe(3)
    expect(await ledger.admit(bob, key, false)).toMatchObject({ admitted: false, reason: expect.stringMatching(/holds 3 objects/) })
    for (let i = 0; i < 3; i++) expect((await ledger.admit(bob, key, true)).admitted).toBe(true)
    expect(await ledger.admit(bob, key, true)).toMatchObject({ admitted: false, reason: expect.stringMatching(/holds 6 objects on this holder, its limit/) })
    // A store that failed gives its place back, once.
    if (first.admitted) { first.release(); first.release() }
    expect(ledger.held(bob)).toBe(5)
  })

  it('reads the store again before refusing, keeping the admitted objects not stored yet', async () => {
    const store = new MemoryChunkStore()
    for (let object = 1; object <= 3; object++) await store.put(testRecord({ owner: 7, object }))
    let clock = 0
    const ledger = new InboxLedger(store, LIMITS, () => clock, 1000)
    const pending = await ledger.admit(bob, key, true) // admitted, not in the store yet
    expect(pending.admitted).toBe(true)
    // Objects deleted behind the ledger's back (hand-off): it still counts them, until a refusal looks again.
    await store.delete(testRecord({ object: 1 }).objectId)
    await store.delete(testRecord({ object: 2 }).objectId)
    expect(ledger.held(bob)).toBe(4)
    expect((await ledger.admit(bob, key, false)).admitted).toBe(false) // the count is fresh: not read again
    clock = 1000
    expect((await ledger.admit(bob, key, false)).admitted).toBe(true) // read again: 1 stored + 1 pending, then this one
    expect(ledger.held(bob)).toBe(3)
    // The DELETE handler marks the count stale at once.
    await store.delete(testRecord({ object: 3 }).objectId)
    ledger.removed(bob)
    expect((await ledger.admit(bob, key, false)).admitted).toBe(true)
    expect(ledger.held(bob)).toBe(3)
  })
})
