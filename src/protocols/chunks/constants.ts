import { MAX_CHUNK_RESPONSE_BYTES, MAX_SHARD_BYTES } from '../../wire/index.ts'

/** Chunk exchange: STORE, FETCH, DELETE and LIST of erasure-coded shards between storage nodes. */
export const CHUNKS_PROTOCOL = '/zentalk/chunks/1.0.0'

/** Largest shard a holder accepts unless configured lower (the seed's objects are far smaller). */
export const DEFAULT_MAX_SHARD_BYTES = MAX_SHARD_BYTES
/** FETCH pages are cut at this size; the wire limit, so one page carries as much as a client will read. */
export const DEFAULT_MAX_RESPONSE_BYTES = MAX_CHUNK_RESPONSE_BYTES
/**
 * FETCH answer bytes a holder has in flight at once over all requests (built, being sent). A FETCH that finds
 * less than a page left gets a smaller page, or BUSY when not even one shard's page fits, so a crowd of small
 * FETCHes cannot make a holder hold more than this in answers.
 */
export const DEFAULT_MAX_ANSWER_BYTES_IN_FLIGHT = 3 * MAX_CHUNK_RESPONSE_BYTES
/** LIST pages carry at most this many summaries (a LIST without a placement key reads each record for its hash). */
export const DEFAULT_LIST_PAGE_ENTRIES = 256
/** Concurrent chunk streams one connection may open to a holder. */
export const DEFAULT_MAX_INBOUND_STREAMS = 8
/**
 * Requests a holder works on at once over all connections; more are answered BUSY without being read. Bounds
 * memory: each in-flight STORE may buffer a whole shard.
 */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 16
/** Of those, how many one peer may hold, so a single peer cannot keep a holder busy for everyone. */
export const DEFAULT_MAX_CONCURRENT_REQUESTS_PER_PEER = 4
/**
 * A holder resets a stream whose request has not fully arrived in this time from its first byte (slow or
 * trickling senders); a 4 MiB STORE over a slow WebRTC link takes a few seconds.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/**
 * When every slot is taken, a request still arriving after this long may lose its slot to a peer with fewer
 * requests in progress: only slow senders, never a request that is merely in progress.
 */
export const DEFAULT_SLOW_REQUEST_MS = 5_000
/** A holder resets a stream on which no request byte has arrived in this time (a stream opened and left idle). */
export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 10_000
/** A holder resets a stream whose response has not been delivered in this time (a 32 MiB page over WebRTC). */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 120_000
/** A delete authorisation older than this is refused as EXPIRED (replay window). */
export const DEFAULT_DELETE_MAX_AGE_MS = 10 * 60_000
/**
 * A holder keeps the signed tombstone of a deleted object this long after the delete's timestamp and refuses to
 * store the object again meanwhile; then the tombstone is purged. Longer than any device stays offline with a
 * saved copy in practice, short enough that tombstones of a busy holder stay a small table.
 */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 90 * 24 * 60 * 60_000
/** A delete authorisation dated further than this in the future is refused as EXPIRED (clock skew allowance). */
export const DEFAULT_DELETE_MAX_SKEW_MS = 2 * 60_000
/** Client: one request/response exchange (one page) not done in this time fails with ChunkPeerUnreachableError. */
export const DEFAULT_CLIENT_TIMEOUT_MS = 60_000
/** Client: most FETCH or LIST pages followed for one call before the holder is deemed misbehaving. */
export const DEFAULT_MAX_PAGES = 64
/**
 * Client: most FETCH pages followed for one call. A holder fills a page up to 32 MiB or 4096 shards, so an honest
 * answer within the byte and manifest caps below takes a few pages; more is a holder paging to stall the reader.
 */
export const DEFAULT_MAX_FETCH_PAGES = 16
/**
 * Client: most bytes (shards and manifests) one FETCH call takes from a holder before it is cut. A holder keeps one
 * shard per object, so this is a tenth of 640 MiB of objects under one key; a reader asks up to 20 holders at once.
 */
export const DEFAULT_MAX_FETCH_BYTES = 64 * 1024 * 1024
/**
 * Client: most manifests one FETCH call may make this node check (an owner signature recovery each, about 1.5 ms
 * in a page): one full page of distinct objects. Manifests another holder's answer already had checked are free.
 */
export const DEFAULT_MAX_FETCH_MANIFEST_CHECKS = 4096
/**
 * Client: most manifests failing their check (bad signature, foreign key, undecodable) one FETCH call may send. An
 * honest holder sends none unless a record of its store got corrupt; junk costs a signature recovery each.
 */
export const DEFAULT_MAX_FETCH_REJECTED_MANIFESTS = 64
/**
 * Client: entries of a checked-manifests cache (`FetchShardsOptions.checkedManifests`); past this the oldest go
 * first. Above the manifest checks of one FETCH, so an honest holder's answer never evicts its own manifests.
 */
export const DEFAULT_CHECKED_MANIFESTS_ENTRIES = 8192
/** Accepted delete authorisations remembered to refuse replays inside the window; the oldest go first. */
export const DEFAULT_REPLAY_CACHE_ENTRIES = 10_000
