/**
 * A ZenTalk node: `createNode` assembles the services of a storage node (tab or headless); `startTab` starts a
 * browser tab's node with its chat; `facade.ts` is everything the UI may use.
 */
export { CHAT_START_RETRY_MS, DEFAULT_PLACEMENT_COUNT, NODE_FETCH_TIMEOUT_MS, createNode, type NodeChatConfig, type NodeConfig, type StartupStage, type ZenTalkNode } from './create-node.ts'
export type { HeldShard } from './held-shards.ts'
export { generateNodeKey, keyMeetsWork, loadOrCreateNodeKey, MemoryBytesStore, NODE_KEY_NAME, type BytesStore, type NodeKeyOptions } from './node-key.ts'
export type { BucketEntry, ConnectionInfo, NodeStatus } from './status.ts'
export * from './facade.ts'
export { isProfileWalletLocked, loadProfileWallet, startTab, type TabApp } from './browser.ts'
export { LOCKED_WALLET_KEY_NAME, WalletLockedError, isWalletLocked, loadWallet, lockWallet, unlockWalletForGood, type ProfileKeyStore } from './profile-wallet.ts'
