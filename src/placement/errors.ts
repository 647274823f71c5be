import { ZenTalkError } from '../errors/index.ts'

/** A manifest's content namespace has no placement rule here, so its placement key cannot be checked. */
export class UnsupportedNamespaceError extends ZenTalkError { override name = 'UnsupportedNamespaceError' }

/** A manifest's placement key is not the one its namespace and owner (the signer) derive. */
export class PlacementKeyMismatchError extends ZenTalkError { override name = 'PlacementKeyMismatchError' }

/**
 * A manifest's stripe (k data + m parity shards) is not one of the mesh's: holders refuse it, since a repairer
 * rebuilds all k + m shards of an object from k, and a stripe such as k = 1, m = 255 turns one stored shard into
 * 256 shards of work for the mesh.
 */
export class UnsupportedStripeError extends ZenTalkError { override name = 'UnsupportedStripeError' }
