// Public API of the protocols layer: libp2p services with one handler per message type, and their clients.
export * from './chunks/index.ts'
export { InboxAppendLimiter } from './chunks/handlers/store.ts'
