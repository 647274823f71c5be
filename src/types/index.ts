declare const brand: unique symbol

/** A nominal type: a `T` that only code which checked it may produce. */
export type Brand<T, B extends string> = T & { readonly [brand]: B }

/** A libp2p peer ID in its string (base58btc) form. */
export type PeerIdString = Brand<string, 'PeerIdString'>
/** Hex id of a stored object (SHA-256 of its manifest body). */
export type ObjectId = Brand<string, 'ObjectId'>
/** Index of a shard within its object's k + m shards. */
export type ShardIndex = Brand<number, 'ShardIndex'>
