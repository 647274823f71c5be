/**
 * Protocol IDs, mesh namespaces and default timings of the chat service. Namespace strings are part of wire
 * formats (placement keys, signatures): changing one is a format change.
 */

/** Live delivery of one envelope to the recipient's node (pb/deliver.proto). */
export const DELIVER_PROTOCOL = '/zentalk/deliver/1.0.0'

export { NS_KEY_BUNDLE_OBJECTS, NS_PRESENCE_OBJECTS } from '../../placement/index.ts'
/** Namespace of the recipient's wallet signature over a delivered envelope (the delivery receipt). */
export const NS_DELIVERY_RECEIPT = 'zentalk/delivery-receipt/v1'

/** A presence record is valid this long; it is republished well before (DEFAULT_PRESENCE_REFRESH_MS). */
export const DEFAULT_PRESENCE_LIFETIME_MS = 30 * 60_000
export const DEFAULT_PRESENCE_REFRESH_MS = 10 * 60_000
/** Own listen addresses changed (a tab got its relay reservation): republish once they settle. */
export const PRESENCE_ADDRESS_DEBOUNCE_MS = 3_000
/** A sender reuses a looked-up presence record this long; a failed delivery looks again at once. */
export const DEFAULT_PRESENCE_CACHE_MS = 30_000
/** Key bundles change only when their owner re-keys (never, while the key is derived); reuse for a while. */
export const DEFAULT_BUNDLE_CACHE_MS = 10 * 60_000
/**
 * An address found to have no key bundle (an inbox flood's fresh identities) is not looked up again for this long
 * when a read meets its messages again; then twice as long each time, up to MAX_MISSING_BUNDLE_RETRY_MS.
 */
export const DEFAULT_MISSING_BUNDLE_RETRY_MS = 60_000
export const MAX_MISSING_BUNDLE_RETRY_MS = 60 * 60_000
/**
 * Mesh lookups of key bundles for addresses this device has never verified a bundle of, per minute: past it,
 * their messages wait unopened for a later read (contacts' bundles are known and never wait).
 */
export const DEFAULT_UNKNOWN_BUNDLE_LOOKUPS_PER_MINUTE = 20
/** A bundle is fetched again on demand (a message names a newer key) at most this often per address. */
export const MIN_BUNDLE_REFETCH_MS = 30_000
/** Dial, send and the recipient's checks (which may fetch the sender's key bundle from the mesh). */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000
/**
 * A direct delivery to a peer this node has no direct connection to runs alone this long (time for a WebRTC dial
 * on a reachable path), then delivery through the relay starts alongside it.
 */
export const DEFAULT_RELAYED_DELIVERY_AFTER_MS = 1_000
/** A queued message's first new look for the recipient's key bundle; later ones twice as far apart, up to a minute. */
export const DEFAULT_QUEUE_RETRY_MS = 2_000
export const MAX_QUEUE_RETRY_MS = 60_000
/** How long a message waits for its recipient's key bundle before it fails (it is kept while the page is open). */
export const DEFAULT_QUEUE_LIFETIME_MS = 60 * 60_000
/** Deliveries a node verifies at once; more are answered BUSY (the messages wait in the inbox instead). */
export const DEFAULT_MAX_CONCURRENT_DELIVERIES = 8
/** Delivery streams one connection may open at once. */
export const DEFAULT_MAX_INBOUND_DELIVERY_STREAMS = 4
/**
 * Compaction runs by itself once at least this many single-message objects of the history and the inbox are at
 * least DEFAULT_COMPACTION_MIN_AGE_MS old: a look follows every this many messages sent, and every history read
 * checks too. Young objects are left alone, so a message being read or sent from another tab is not rewritten.
 */
export const DEFAULT_COMPACTION_MIN_OBJECTS = 32
export const DEFAULT_COMPACTION_MIN_AGE_MS = 5 * 60_000
