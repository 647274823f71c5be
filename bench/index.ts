// `npm run bench` (through bench/run.mjs, inside a loopback-only network namespace). Each benchmark prints its
// own figures. Arguments pick benchmarks by name; default: all.
import { runNodeErasureBench } from './erasure.ts'
import { runTabBench } from './tab.ts'

const benches: Record<string, () => Promise<void>> = {
  erasure: runNodeErasureBench,
  tab: runTabBench
}

const picked = process.argv.slice(2)
for (const name of picked) {
  if (!(name in benches)) {
    console.error(`unknown benchmark "${name}"; choose from ${Object.keys(benches).join(', ')}`)
    process.exit(2)
  }
}
for (const name of picked.length > 0 ? picked : Object.keys(benches)) await benches[name]()
