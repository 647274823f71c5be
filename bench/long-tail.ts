// `npm run bench -- long-tail` (or alone: `node --import tsx bench/long-tail.ts`): what one slow holder costs a
// store, with long-tail (hedged) stores off and on, in the same run. The placement logic runs as it does in a node
// (`ObjectStore.storeObject`: real erasure coding and owner-signed manifests) over an in-memory exchange standing in
// for 20 storage nodes: each answers a STORE after 20 to 80 ms (seeded), except one of the 15 closest, which takes
// 8 s (a busy tab, a congested connection; the store timeout is 20 s) unless its request is cancelled first.
// Prints store latency p50/p99 per configuration, and the hedged requests sent and slow requests cancelled.
// ZENTALK_LONG_TAIL_OBJECTS (default 40), ZENTALK_LONG_TAIL_CONCURRENCY (default 8) and ZENTALK_LONG_TAIL_SLOW_MS
// (default 8000) change the run.
import { pathToFileURL } from 'node:url'
import { WalletIdentity } from '../src/identity/index.ts'
import { DEFAULT_HEDGE_FACTOR, DEFAULT_HEDGE_FLOOR_MS, ObjectStore, type ObjectStoreDeps } from '../src/objects/index.ts'
import type { ChunkExchange, StoreReceipt } from '../src/protocols/index.ts'
import { MemoryChunkStore } from '../src/store/index.ts'
import { mulberry32, randomBytes } from '../src/testing/seeded-random.ts'

const NODES = Array.from({ length: 20 }, (_, i) => `node-${String(i).padStart(2, '0')}`)
/** The slow holder: the 8th closest, holder of shard 7. */
const SLOW_NODE = NODES[7]
const OBJECT_BYTES = 4096

interface Config {
  label: string
  slow: boolean
  deps: Partial<ObjectStoreDeps>
}

interface Row {
  label: string
  p50Ms: number
  p99Ms: number
  maxMs: number
  hedges: number
  cancelled: number
}

const numberFromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number; got ${process.env[name]}`)
  return value
}

/** An in-memory exchange: each node answers after its delay, or rejects as soon as its request is cancelled. */
function memoryExchange (slowMs: number | undefined, seed: number): { exchange: ChunkExchange, counts: { spare: number, cancelled: number } } {
  const random = mulberry32(seed)
  const counts = { spare: 0, cancelled: 0 }
  const exchange: ChunkExchange = {
    selfId: 'writer',
    store: async (holder, shard, { signal } = {}) => {
      if (NODES.indexOf(holder) >= 15) counts.spare++
      const delayMs = holder === SLOW_NODE && slowMs !== undefined ? slowMs : 20 + Math.floor(random() * 60)
      return await new Promise<StoreReceipt>((resolve, reject) => {
        const timer = setTimeout(() => {
          resolve({ holder: holder as StoreReceipt['holder'], objectId: shard.manifest.objectId, shardIndex: shard.shardIndex, shardHash: new Uint8Array(32), signature: new Uint8Array(64), storedAt: Date.now() })
        }, delayMs)
        signal?.addEventListener('abort', () => {
          clearTimeout(timer)
          counts.cancelled++
          reject(signal.reason)
        }, { once: true })
      })
    },
    fetch: async () => [],
    list: async () => [],
    delete: async () => 0,
    connected: () => true
  }
  return { exchange, counts }
}

function percentile (sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

async function measure (config: Config, objects: number, concurrency: number, slowMs: number): Promise<Row> {
  const { exchange, counts } = memoryExchange(config.slow ? slowMs : undefined, 7)
  const store = new ObjectStore({
    wallet: WalletIdentity.generate(),
    holders: { select: async (_key, count) => NODES.slice(0, count) },
    exchange,
    selfStore: new MemoryChunkStore(),
    ...config.deps
  })
  const random = mulberry32(11)
  const inputs = Array.from({ length: objects }, () => randomBytes(random, OBJECT_BYTES))
  const latencies: number[] = []
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < inputs.length) {
      const bytes = inputs[next++]
      const started = performance.now()
      await store.storeObject(bytes)
      latencies.push(performance.now() - started)
    }
  }))
  latencies.sort((a, b) => a - b)
  return {
    label: config.label,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1],
    hedges: counts.spare,
    cancelled: counts.cancelled
  }
}

export async function runLongTailBench (): Promise<Row[]> {
  const objects = numberFromEnv('ZENTALK_LONG_TAIL_OBJECTS', 40)
  const concurrency = numberFromEnv('ZENTALK_LONG_TAIL_CONCURRENCY', 8)
  const slowMs = numberFromEnv('ZENTALK_LONG_TAIL_SLOW_MS', 8000)
  console.log(`\nLong-tail stores: ${objects} objects of ${OBJECT_BYTES} B, ${concurrency} at a time, 10 + 5 shards over 20 in-memory ` +
    `nodes answering in 20-80 ms; the slow one (${SLOW_NODE}, 8th closest) in ${slowMs} ms. Hedge after ` +
    `max(${DEFAULT_HEDGE_FLOOR_MS} ms, ${DEFAULT_HEDGE_FACTOR} x median receipt) once 10 shards have receipts.`)
  const configs: Config[] = [
    { label: 'no slow holder, hedging off', slow: false, deps: { maxHedges: 0 } },
    { label: 'no slow holder, hedging on (maxHedges 5)', slow: false, deps: { maxHedges: 5 } },
    { label: 'one slow holder, hedging off (baseline, the default)', slow: true, deps: { maxHedges: 0 } },
    { label: 'one slow holder, hedging on (maxHedges 5)', slow: true, deps: { maxHedges: 5 } },
    { label: 'one slow holder, hedging on, floor 500 ms', slow: true, deps: { maxHedges: 5, hedgeFloorMs: 500 } }
  ]
  const rows: Row[] = []
  for (const config of configs) rows.push(await measure(config, objects, concurrency, slowMs))
  const width = Math.max(...rows.map(row => row.label.length))
  console.log(`${'configuration'.padEnd(width)}  store p50 ms  store p99 ms  max ms  hedged requests  requests cancelled`)
  for (const row of rows) {
    console.log(`${row.label.padEnd(width)}  ${row.p50Ms.toFixed(0).padStart(12)}  ${row.p99Ms.toFixed(0).padStart(12)}  ` +
      `${row.maxMs.toFixed(0).padStart(6)}  ${String(row.hedges).padStart(15)}  ${String(row.cancelled).padStart(18)}`)
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runLongTailBench()
