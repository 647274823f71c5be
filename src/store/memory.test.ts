import { runChunkStoreConformance } from '../testing/store-conformance.ts'
import { MemoryChunkStore } from './memory.ts'

runChunkStoreConformance('MemoryChunkStore', async limits => new MemoryChunkStore(limits))
