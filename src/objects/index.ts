export { DEFAULT_REQUESTS_PER_HOLDER, ObjectStore } from './object-store.ts'
export type { GatherStats, ObjectStoreDeps, RetrievedObject } from './object-store.ts'
export { NoHoldersReachableError } from './errors.ts'
export { callHolder } from './gather.ts'
