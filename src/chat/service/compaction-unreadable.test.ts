/**
 * The recipient removes what will never open from its inbox (issue 15 item 2): a flood of objects it cannot read
 * would otherwise stay, be read again on every poll, and keep the inbox full for strangers for good.
 */
import { describe, expect, it } from 'vitest'
import { WalletIdentity } from '../../identity/index.ts'
import type { FetchResult, RetrievedObject } from '../../objects/index.ts'
import { inboxNamespace } from '../../placement/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { EnvelopeSignatureError, NotRecipientError, UnsupportedEnvelopeError } from '../errors.ts'
import { deriveSegmentKey } from '../history-segment.ts'
import { HistoryCompactor, UNREADABLE_INBOX_GRACE_MS, isUnreadable } from './compaction.ts'
import { KeyBundleLookupDeferredError, KeyBundleNotFoundError } from './errors.ts'

const NOW = 1_800_000_000_000
const DAY_AGO = NOW - UNREADABLE_INBOX_GRACE_MS
const owner = WalletIdentity.generate()

describe('unreadable inbox objects', () => {
  it('are those that never open, or still lack their sender\'s bundle a day on; not a newer format or a lookup put off', () => {
    expect(isUnreadable(new NotRecipientError('x'), NOW, NOW)).toBe(true)
    expect(isUnreadable(new EnvelopeSignatureError('x'), NOW, NOW)).toBe(true)
    expect(isUnreadable(new KeyBundleNotFoundError('x'), NOW - 1000, NOW)).toBe(false)
    expect(isUnreadable(new KeyBundleNotFoundError('x'), DAY_AGO, NOW)).toBe(true)
    expect(isUnreadable(new KeyBundleLookupDeferredError('x'), DAY_AGO, NOW)).toBe(false)
    expect(isUnreadable(new UnsupportedEnvelopeError('x'), DAY_AGO, NOW)).toBe(false)
    expect(isUnreadable(new Error('the mesh did not answer'), DAY_AGO, NOW)).toBe(false)
  })

  it('are deleted from the inbox by a compaction run, with nothing to pack', async () => {
    const errors = new Map<number, Error>([
      [1, new NotRecipientError('not for me')],
      [2, new KeyBundleNotFoundError('none')],
      [3, new KeyBundleNotFoundError('none')],
      [4, new KeyBundleLookupDeferredError('later')],
      [5, new UnsupportedEnvelopeError('newer')]
    ])
    const created = new Map<number, number>([[1, NOW], [2, DAY_AGO], [3, NOW - 60_000], [4, DAY_AGO], [5, DAY_AGO]])
    const object = (n: number): RetrievedObject => ({ objectId: String(n).repeat(64) as ObjectId, bytes: Uint8Array.of(n), createdAt: created.get(n)!, namespace: inboxNamespace(owner.address) })
    const empty: FetchResult = { objects: [], failed: [], stats: {} as FetchResult['stats'] }
    const inbox: FetchResult = { ...empty, objects: [1, 2, 3, 4, 5].map(object) }
    const deleted: Array<{ objectId: string, namespace?: string }> = []
    const compactor = new HistoryCompactor({
      owner: owner.address,
      segmentKey: deriveSegmentKey(owner),
      now: () => NOW,
      open: async bytes => { throw errors.get(bytes[0])! },
      objects: {
        fetchObjects: async () => empty,
        fetchObject: async () => { throw new Error('not used') },
        storeObject: async () => { throw new Error('nothing is packed') },
        deleteObject: async (objectId, options) => { deleted.push({ objectId, namespace: options?.namespace }); return 15 }
      }
    })
    const result = await compactor.run({ minObjects: 32 }, { history: empty, inbox })
    expect(result).toEqual({ segments: 0, messages: 0, deleted: 2 })
    expect(deleted).toEqual([object(1), object(2)].map(o => ({ objectId: o.objectId, namespace: inboxNamespace(owner.address) })))
  })
})
