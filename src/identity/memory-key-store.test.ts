import { runKeyStoreConformance } from '../testing/key-store-conformance.ts'
import { MemoryKeyStore } from './memory-key-store.ts'

runKeyStoreConformance('MemoryKeyStore', {
  create: async () => new MemoryKeyStore(),
  // A memory store "survives a reload" only as the same object.
  reopen: async (store) => store
})
