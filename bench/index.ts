// `npm run bench` (through bench/run.mjs, inside a loopback-only network namespace). Each benchmark prints its
// own figures; erasure, storage and attachments also record them (bench/results/<name>.json), from which
// bench/report.md and its charts (bench/charts/*.svg) are then rebuilt. Arguments pick benchmarks by name;
// default: all.
import { runErasureBenchmarks } from './erasure.ts'
import { runTabBench } from './tab.ts'
import { runHealingBench } from './heal.ts'
import { runIdleBench } from './idle.ts'
import { runRelayFloodBench } from './relay-flood.ts'
import { runNewcomerBench } from './newcomer.ts'
import { runAttachmentBench } from './attachments.ts'
import { runStorageBench } from './storage.ts'
import { runFleetBench } from './fleet.ts'
import { runLongTailBench } from './long-tail.ts'
import { REPORT_PATH, writeReport } from './report.ts'

const benches: Record<string, () => Promise<void>> = {
  erasure: runErasureBenchmarks,
  tab: runTabBench,
  // Detection, time to full redundancy and bytes read per rebuilt shard, on 21 loopback nodes in this process.
  heal: async () => {
    console.log('\nSelf-healing: 21 storage nodes, 10 objects of 64 KiB, health checks every 5 s with 3 retries')
    await runHealingBench()
  },
  // CPU and RSS of an idle relay with its embedded nodes and of idle headless nodes, next to bare Node and libp2p.
  idle: runIdleBench,
  // Relay lockout: a flood of fresh identities from one address, the relay before and after the hardening.
  'relay-flood': async () => { await runRelayFloodBench() },
  // What two people meet first on `npm start`: tab startup stages, first and later messages, with and without WebRTC.
  newcomer: runNewcomerBench,
  // Attachment upload and download MB/s between two tabs (1, 5 and 25 MiB files).
  attachments: runAttachmentBench,
  // Bytes at holders per message and per MiB of history, fresh and compacted, and the time and holder requests of
  // reading 100 and 1,000 messages (10,000 stored straight as segments), over 15 libp2p nodes in this process.
  storage: runStorageBench,
  // A relay, 60 headless nodes in 6 processes and 3 tabs with a budget of 16: CPU and sockets per process, and
  // whether the tabs' lookups are exact.
  fleet: runFleetBench,
  // Store latency p50/p99 with one slow holder of 15, long-tail (hedged) stores off and on, over an in-memory exchange.
  'long-tail': async () => { await runLongTailBench() }
}

const picked = process.argv.slice(2)
for (const name of picked) {
  if (!(name in benches)) {
    console.error(`unknown benchmark "${name}"; choose from ${Object.keys(benches).join(', ')}`)
    process.exit(2)
  }
}
for (const name of picked.length > 0 ? picked : Object.keys(benches)) await benches[name]()
const sections = writeReport()
console.log(`\n${REPORT_PATH}: ${sections.length} sections (${sections.map(section => section.name).join(', ')})`)
