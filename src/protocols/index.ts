// Public API of the protocols layer: libp2p services with one handler per message type, and their clients.
export * from './chunks/index.ts'
export { InboxAppendLimiter } from './chunks/handlers/store.ts'
export { PeerRequestLimiter } from './chunks/request-limiter.ts'
export { readFromSelf, storeOnSelf } from './chunks/self-holder.ts'
export type { SelfHolder } from './chunks/self-holder.ts'
