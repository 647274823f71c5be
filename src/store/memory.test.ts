import { runChunkStoreConformance } from '../testing/store-conformance.ts'
import { MemoryChunkStore } from './memory.ts'
import { runTombstoneConformance } from '../testing/tombstone-conformance.ts'

runChunkStoreConformance('MemoryChunkStore', async limits => new MemoryChunkStore(limits))
runTombstoneConformance('MemoryChunkStore', async () => new MemoryChunkStore())
