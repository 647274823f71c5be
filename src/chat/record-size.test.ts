import { describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { encode } from '../erasure/index.ts'
import { placementKeyFor } from '../placement/index.ts'
import { alice, bob } from '../testing/chat-parties.ts'
import { buildManifest, encodeSignedManifest, type ManifestVersion } from '../wire/index.ts'
import { sealMessage } from './envelope.ts'

/**
 * What a holder keeps per shard of one chat message: the owner-signed manifest, the shard's
 * proof (manifest version 2) and the shard bytes. The record's other fields (32-byte shard hash, placement key,
 * owner, IDs) are the same in both versions.
 */
describe('bytes a holder keeps per shard record of a 35-character chat message', () => {
  it('drops from about 705 to about 357 with manifest version 2', async () => {
    const text = 'See you at the station at 6:45 pm!!'
    expect(text).toHaveLength(35)
    const sealed = await sealMessage({ sender: alice.wallet, senderKeys: alice.keys, recipientBundle: bob.bundle, content: { text }, sentAt: 1_767_225_661_000 })
    const encoded = await encode(sealed.bytes, 10, 5)
    const perVersion = ([1, 2] as ManifestVersion[]).map(version => {
      const { manifest, shardProofs } = buildManifest(alice.wallet, {
        namespace: NS_HISTORY, placementKey: placementKeyFor(NS_HISTORY, alice.wallet.address), k: 10, m: 5,
        originalLength: encoded.originalLength, shards: encoded.shards, createdAt: 1_767_225_661_000, version
      })
      const manifestBytes = encodeSignedManifest(manifest).length
      const records = encoded.shards.map((shard, index) => manifestBytes + (shardProofs[index]?.length ?? 0) + shard.length)
      return { version, manifestBytes, proofBytes: Math.max(...shardProofs.map(proof => proof?.length ?? 0)), shardBytes: encoded.shards[0].length, maxRecord: Math.max(...records), meanRecord: records.reduce((a, b) => a + b) / records.length }
    })
    console.log(`sealed message: ${sealed.bytes.length} bytes; 10 + 5 shards of ${encoded.shards[0].length} bytes`)
    for (const v of perVersion) {
      console.log(`manifest v${v.version}: manifest ${v.manifestBytes} B + proof ≤ ${v.proofBytes} B + shard ${v.shardBytes} B = ` +
        `${v.maxRecord} B per record at most (mean ${v.meanRecord.toFixed(1)} B; × 15 holders = ${Math.round(v.meanRecord * 15)} B per message)`)
    }
    const [before, after] = perVersion
    expect(before.proofBytes).toBe(0)
    expect(after.proofBytes).toBe(128)
    expect(before.maxRecord).toBeGreaterThan(700)
    // The manifest shrinks by the 15 listed hashes and their framing (510 B) less the root (34 B); each record
    // gains its proof (128 B at most for 15 shards).
    expect(before.manifestBytes - after.manifestBytes).toBe(15 * 34 - 34)
    expect(after.maxRecord).toBeLessThan(400)
  })
})
