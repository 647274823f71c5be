/**
 * What checking the whole manifest commitment costs a fetch (issue 15 item 10): `decode` of the first k verified
 * shards (the old fast path) against `decodeCommitted` (rebuild the shards that did not come, hash them against
 * the manifest), same run, same shards, in Node. Prints a table; run `node --import tsx bench/committed-decode.ts`.
 */
import { decode, encode, initErasure } from '../src/erasure/index.ts'
import { WalletIdentity } from '../src/identity/index.ts'
import { decodeCommitted } from '../src/objects/index.ts'
import { placementKeyFor } from '../src/placement/index.ts'
import { buildManifest } from '../src/wire/index.ts'
import { NS_HISTORY } from '../src/crypto/index.ts'

const wallet = WalletIdentity.generate()

async function medianMs (run: () => Promise<unknown>, rounds: number): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const start = performance.now()
    await run()
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]
}

await initErasure()
const rows = []
for (const size of [1024, 16 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024]) {
  const bytes = new Uint8Array(size).map((_, i) => (i * 131) & 0xff)
  const encoded = await encode(bytes, 10, 5)
  const { manifest } = buildManifest(wallet, {
    namespace: NS_HISTORY, placementKey: placementKeyFor(NS_HISTORY, wallet.address), k: 10, m: 5, originalLength: size, shards: encoded.shards, createdAt: 1
  })
  const rounds = size >= 1024 * 1024 ? 15 : 201
  for (const [pattern, present] of [['10 data', (i: number) => i < 10], ['5 data + 5 parity', (i: number) => i >= 5]] as const) {
    const slots = encoded.shards.map((shard, i) => present(i) ? shard : null)
    await decode(slots, 10, 5, size)
    await decodeCommitted(manifest, slots)
    const baseline = await medianMs(async () => await decode(slots, 10, 5, size), rounds)
    const checked = await medianMs(async () => await decodeCommitted(manifest, slots), rounds)
    rows.push({ object: `${size / 1024} KiB`, shards: pattern, 'decode ms (baseline)': baseline.toFixed(3), 'decodeCommitted ms': checked.toFixed(3), 'added ms': (checked - baseline).toFixed(3) })
  }
}
console.table(rows)
