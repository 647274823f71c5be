/**
 * What compaction saves, measured over 15 real libp2p storage nodes: a history of short (35-character)
 * messages, as single-message objects and then as segments. Bytes at holders are every holder's shard records
 * (shard, signed manifest, shard proof); a read counts the FETCH requests sent to holders and the objects rebuilt.
 * Prints the figures; asserts that segments keep the history at no more than 3 times its sealed bytes.
 * `npm run bench -- storage` measures the same (src/testing/history-storage.ts) for bench/report.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  SHORT_MESSAGE,
  bytesAtHolders,
  compactHistory,
  createHistoryMesh,
  readHistory,
  sealHistory,
  storeSingleObjects,
  type HistoryMesh
} from '../../testing/history-storage.ts'

/**
 * 100 by default, to keep the unit suite short (storing and deleting each message's object takes about 0.2 s of this
 * test's 15-node mesh); `ZENTALK_COMPACTION_MESSAGES=1000 npx vitest run --project node <this file>` gives the
 * figures the README quotes.
 */
const MESSAGES = Number(process.env.ZENTALK_COMPACTION_MESSAGES ?? 100)

let mesh: HistoryMesh

beforeAll(async () => {
  mesh = await createHistoryMesh(15)
}, 60_000)

afterAll(async () => {
  await mesh?.stop()
}, 30_000)

describe('history compaction, measured', () => {
  it(`keeps ${MESSAGES} short messages at holders in at most 3 times their sealed bytes`, async () => {
    expect(new TextEncoder().encode(SHORT_MESSAGE)).toHaveLength(35)
    const history = await sealHistory(mesh, MESSAGES)
    const sealed = history.sealedBytes

    await storeSingleObjects(history)
    const before = await bytesAtHolders(mesh.nodes)
    const readBefore = await readHistory(mesh, history)
    expect(readBefore).toMatchObject({ failed: 0, objects: MESSAGES, messages: MESSAGES })

    const result = await compactHistory(history)
    expect(result).toMatchObject({ messages: MESSAGES, deleted: MESSAGES })
    const after = await bytesAtHolders(mesh.nodes)
    const readAfter = await readHistory(mesh, history)
    expect(readAfter).toMatchObject({ failed: 0, objects: result.segments, messages: MESSAGES })

    const ratio = (bytes: number): string => (bytes / sealed).toFixed(2)
    console.log([
      `${MESSAGES} messages of 35 characters: ${sealed} sealed bytes (${(sealed / MESSAGES).toFixed(0)} per envelope)`,
      `before compaction: ${before.bytes} bytes at holders in ${before.records} shard records (${ratio(before.bytes)} × sealed, ${(before.bytes / MESSAGES).toFixed(0)} per message); ` +
        `a read: ${readBefore.objects} objects, ${readBefore.requests} holder FETCH requests, ${readBefore.ms} ms`,
      `after compaction (${result.ms} ms): ${after.bytes} bytes at holders in ${after.records} shard records (${ratio(after.bytes)} × sealed, ${(after.bytes / MESSAGES).toFixed(0)} per message); ` +
        `a read: ${readAfter.objects} objects (segments), ${readAfter.requests} holder FETCH requests, ${readAfter.ms} ms`
    ].join('\n'))
    expect(after.bytes).toBeLessThanOrEqual(3 * sealed)
    expect(after.bytes * 5).toBeLessThan(before.bytes)
  }, 600_000)
})
