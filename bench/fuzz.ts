// `npm run fuzz [-- --frames N --seed S --target NAME --store sqlite --skip-erasure]`: every decoder and handler
// that takes bytes from another peer, 100,000 generated frames each (random bytes, schema-shaped messages with
// arbitrary fields, and valid frames with a few bytes changed; see src/testing/fuzz.ts), then a burst of the same
// kinds of frames over real libp2p streams to a holder and to a chat node, which must still serve honest
// requests afterwards; then the erasure coder's differential run (`npm run fuzz:erasure`).
// Exits non-zero on the first finding and prints fast-check's shrunk frame with the seed to replay it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { FUZZ_TARGETS, chunkRequestTarget, fuzz } from '../src/testing/fuzz.ts'
import { streamFuzz } from '../src/testing/stream-fuzz.ts'
import { SqliteChunkStore } from '../src/store/sqlite.ts'
import { runErasureFuzz } from './erasure-fuzz.ts'

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    target: { type: 'string', multiple: true },
    store: { type: 'string', default: 'memory' },
    'stream-frames': { type: 'string', default: '2000' },
    'skip-erasure': { type: 'boolean', default: false }
  }
})
const frames = Number(values.frames)
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed)
const names = values.target ?? Object.keys(FUZZ_TARGETS)
let unhandled = 0
process.on('unhandledRejection', reason => { unhandled++; console.error('unhandled rejection:', reason) })

console.log(`fuzz: ${frames} frames per target, seed ${seed} (replay with --seed ${seed})`)
const dir = values.store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'zentalk-fuzz-')) : undefined
try {
  for (const name of names) {
    const make = FUZZ_TARGETS[name]
    if (make === undefined) throw new Error(`unknown target ${name}; targets: ${Object.keys(FUZZ_TARGETS).join(', ')}`)
    const target = name === 'chunks-request' && dir !== undefined ? await chunkRequestTarget(new SqliteChunkStore(join(dir, 'fuzz.db'))) : await make()
    const run = await fuzz(target, frames, seed)
    const outcomes = Object.entries(run.outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')
    console.log(`${run.target.padEnd(20)} ${run.frames} frames in ${(run.ms / 1000).toFixed(1)} s (${(run.frames / run.ms * 1000).toFixed(0)}/s), still serves; ${outcomes}`)
  }
  if (values.target === undefined) {
    const streams = await streamFuzz(Number(values['stream-frames']), seed)
    console.log(`over libp2p: ${streams.chunkFrames} chunk streams and ${streams.deliverFrames} deliver streams from a hostile peer in ${(streams.ms / 1000).toFixed(1)} s; ` +
      `honest STORE + FETCH and a delivery afterwards: ok; answered ${JSON.stringify(streams.outcomes)}`)
    if (!values['skip-erasure']) await runErasureFuzz()
  }
} finally {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}
if (unhandled > 0) {
  console.error(`${unhandled} unhandled rejection(s)`)
  process.exit(1)
}
process.exit(0)
