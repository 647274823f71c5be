/**
 * Compaction moves history that earlier versions wrote under the wallet address to the history identity's place
 * (own-objects.ts): every segment there is packed again, however full, and deleted once the new ones read back.
 */
import { describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../../crypto/index.ts'
import { WalletIdentity } from '../../identity/index.ts'
import type { FetchResult, RetrievedObject } from '../../objects/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { deriveHistoryIdentity } from '../derived-identities.ts'
import { MAX_SEGMENT_ENTRY_BYTES, SEGMENT_TARGET_BYTES, deriveSegmentKey, openHistorySegment, sealHistorySegment } from '../history-segment.ts'
import type { ChatMessage } from './chat-message.ts'
import { HistoryCompactor } from './compaction.ts'

const NOW = 1_800_000_000_000
const owner = WalletIdentity.generate()
const historyOwner = deriveHistoryIdentity(owner).address
const segmentKey = deriveSegmentKey(owner)
const empty: FetchResult = { objects: [], failed: [], stats: {} as FetchResult['stats'] }

/** Fake envelopes (400 bytes unless said), each opening to its own message. */
function envelope (n: number, size = 400): Uint8Array {
  const bytes = new Uint8Array(size).fill(7)
  new DataView(bytes.buffer).setUint32(0, n)
  return bytes
}
const open = async (bytes: Uint8Array): Promise<ChatMessage> => {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)
  return { from: owner.address, messageId: String(n).padStart(8, '0'), sentAt: NOW - 1_000_000 + n } as unknown as ChatMessage
}

async function compactorOver (history: RetrievedObject[], oldPlace: Set<string>): Promise<{ compactor: HistoryCompactor, stored: Uint8Array[], deleted: string[] }> {
  const stored: Uint8Array[] = []
  const deleted: string[] = []
  const compactor = new HistoryCompactor({
    owner: owner.address,
    historyOwner,
    segmentKey,
    now: () => NOW,
    open,
    movable: objectId => oldPlace.has(objectId),
    objects: {
      fetchObjects: async () => ({ ...empty, objects: history }),
      fetchObject: async objectId => ({ objectId, bytes: stored[Number(objectId.slice(0, 8))], createdAt: NOW, namespace: NS_HISTORY }),
      storeObject: async bytes => { stored.push(bytes); return { objectId: String(stored.length - 1).padStart(8, '0').padEnd(64, 'a') as ObjectId } as never },
      deleteObject: async objectId => { deleted.push(objectId); return 15 }
    }
  })
  return { compactor, stored, deleted }
}

describe('history in the old place', () => {
  it('is packed again into the history identity\'s segments however full, then deleted', async () => {
    // A full segment (over half the target: a run would leave it where it is) sealed under the wallet address.
    const envelopes = Array.from({ length: Math.ceil(SEGMENT_TARGET_BYTES * 0.75 / 400) }, (_, i) => envelope(i))
    const full = await sealHistorySegment(owner.address, segmentKey, { envelopes, replaces: [] })
    const old: RetrievedObject = { objectId: 'b'.repeat(64) as ObjectId, bytes: full, createdAt: NOW - 1000, namespace: NS_HISTORY }

    // In the new place already, it stays.
    const stays = await compactorOver([old], new Set())
    expect(await stays.compactor.run({ minObjects: 1 }, { history: { ...empty, objects: [old] } })).toEqual({ segments: 0, messages: 0, deleted: 0 })

    const moves = await compactorOver([old], new Set([old.objectId]))
    expect(moves.compactor.countPackable({ history: { ...empty, objects: [old] } }, { minAgeMs: 0 }, () => false)).toBe(1)
    expect(await moves.compactor.run({ minObjects: 1 }, { history: { ...empty, objects: [old] } })).toEqual({ segments: 1, messages: envelopes.length, deleted: 1 })
    expect(moves.deleted).toEqual([old.objectId])
    const [segment] = moves.stored
    const contents = await openHistorySegment(historyOwner, segmentKey, segment)
    expect(contents.envelopes).toEqual(envelopes)
    expect(contents.replaces).toEqual([old.objectId])
    // Sealed by the history identity: a segment of the wallet address's would not open as one.
    await expect(openHistorySegment(owner.address, segmentKey, segment)).rejects.toThrow(/sealed by/)
  })

  it('moves an envelope too large to pack, as a segment of its own, and deletes it there once that reads back', async () => {
    const large = envelope(1, MAX_SEGMENT_ENTRY_BYTES + 1000)
    const old: RetrievedObject = { objectId: 'c'.repeat(64) as ObjectId, bytes: large, createdAt: NOW - 1000, namespace: NS_HISTORY }

    const stays = await compactorOver([old], new Set())
    expect(await stays.compactor.run({ minObjects: 1 }, { history: { ...empty, objects: [old] } })).toEqual({ segments: 0, messages: 0, deleted: 0 })
    expect(stays.stored).toEqual([])

    const moves = await compactorOver([old], new Set([old.objectId]))
    expect(await moves.compactor.run({ minObjects: 32 }, { history: { ...empty, objects: [old] } })).toEqual({ segments: 1, messages: 1, deleted: 1 })
    expect(moves.deleted).toEqual([old.objectId])
    const contents = await openHistorySegment(historyOwner, segmentKey, moves.stored[0])
    expect(contents).toEqual({ envelopes: [large], replaces: [old.objectId] })
  })
})
