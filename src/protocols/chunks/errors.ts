import { PeerUnreachableError, ZenTalkError } from '../../errors/index.ts'
import { ChunkStatus } from '../../wire/index.ts'

// Every class sets `name` itself: production builds minify class names, and callers match on `name`.

/** A holder refused a chunk request; `status` is its typed reason, `message` its explanation. */
export class RemoteRejectedError extends ZenTalkError {
  override name = 'RemoteRejectedError'
  readonly status: ChunkStatus
  /** The holder's peer ID. */
  readonly peer: string

  constructor (status: ChunkStatus, peer: string, remoteMessage: string, options?: ErrorOptions) {
    super(`peer ${peer} refused the chunk request (${status})${remoteMessage === '' ? '' : `: ${remoteMessage}`}`, options)
    this.status = status
    this.peer = peer
  }
}

/** The holder could not decode the request (a bug or version skew on this side). */
export class RemoteMalformedError extends RemoteRejectedError { override name = 'RemoteMalformedError' }
/** The holder runs another protocol version; one of the two nodes needs an update. */
export class RemoteUnsupportedVersionError extends RemoteRejectedError { override name = 'RemoteUnsupportedVersionError' }
/** The request, shard or manifest exceeds the holder's limits. */
export class RemoteOversizeError extends RemoteRejectedError { override name = 'RemoteOversizeError' }
/** The holder found the manifest or the delete authorisation not validly signed by its owner. */
export class RemoteBadSignatureError extends RemoteRejectedError { override name = 'RemoteBadSignatureError' }
/** The holder found the shard not matching the manifest's hash or size for its index. */
export class RemoteHashMismatchError extends RemoteRejectedError { override name = 'RemoteHashMismatchError' }
/** The signer may not write to that placement key or delete those shards. */
export class RemoteNotOwnerError extends RemoteRejectedError { override name = 'RemoteNotOwnerError' }
/** The holder, or the owner's share of it, is full; nothing was stored. Try the next-closest peer. */
export class RemoteQuotaExceededError extends RemoteRejectedError { override name = 'RemoteQuotaExceededError' }
/** The holder has no such shard. */
export class RemoteNotFoundError extends RemoteRejectedError { override name = 'RemoteNotFoundError' }
/** The holder failed on its side (storage error); retrying later or elsewhere may work. */
export class RemoteInternalError extends RemoteRejectedError { override name = 'RemoteInternalError' }
/** The holder does not accept objects of the manifest's content namespace. */
export class RemoteUnsupportedNamespaceError extends RemoteRejectedError { override name = 'RemoteUnsupportedNamespaceError' }
/** The delete authorisation's timestamp is outside the holder's window: check this device's clock. */
export class RemoteExpiredError extends RemoteRejectedError { override name = 'RemoteExpiredError' }
/** The holder is serving its maximum of concurrent requests; retry shortly or use another holder. */
export class RemoteBusyError extends RemoteRejectedError { override name = 'RemoteBusyError' }
/** A STORE meant as the holder's only shard of an object met a holder that keeps another one of it. */
export class RemoteHoldsOtherShardError extends RemoteRejectedError { override name = 'RemoteHoldsOtherShardError' }
/**
 * The object's owner deleted it and the holder keeps the signed tombstone: it will not take the object again.
 * Final for that object on that holder; retrying cannot succeed until the tombstone's retention is over.
 */
export class RemoteObjectDeletedError extends RemoteRejectedError { override name = 'RemoteObjectDeletedError' }

/** The holder does not accept objects of the manifest's stripe (k + m); the mesh's stripe is 10 + 5. */
export class RemoteUnsupportedStripeError extends RemoteRejectedError { override name = 'RemoteUnsupportedStripeError' }

const REMOTE_ERRORS: Partial<Record<ChunkStatus, typeof RemoteRejectedError>> = {
  [ChunkStatus.MALFORMED]: RemoteMalformedError,
  [ChunkStatus.UNSUPPORTED_VERSION]: RemoteUnsupportedVersionError,
  [ChunkStatus.OVERSIZE]: RemoteOversizeError,
  [ChunkStatus.BAD_SIGNATURE]: RemoteBadSignatureError,
  [ChunkStatus.HASH_MISMATCH]: RemoteHashMismatchError,
  [ChunkStatus.NOT_OWNER]: RemoteNotOwnerError,
  [ChunkStatus.QUOTA_EXCEEDED]: RemoteQuotaExceededError,
  [ChunkStatus.NOT_FOUND]: RemoteNotFoundError,
  [ChunkStatus.INTERNAL]: RemoteInternalError,
  [ChunkStatus.UNSUPPORTED_NAMESPACE]: RemoteUnsupportedNamespaceError,
  [ChunkStatus.EXPIRED]: RemoteExpiredError,
  [ChunkStatus.BUSY]: RemoteBusyError,
  [ChunkStatus.HOLDS_OTHER_SHARD]: RemoteHoldsOtherShardError,
  [ChunkStatus.DELETED]: RemoteObjectDeletedError,
  [ChunkStatus.UNSUPPORTED_STRIPE]: RemoteUnsupportedStripeError
}

/** The typed error for a refusal status (the base class for a status without its own). */
export function remoteErrorFor (status: ChunkStatus, peer: string, remoteMessage: string): RemoteRejectedError {
  const ErrorClass = REMOTE_ERRORS[status] ?? RemoteRejectedError
  return new ErrorClass(status, peer, remoteMessage)
}

/** The holder's signed receipt does not verify against its libp2p key, or acknowledges something else. */
export class InvalidAckError extends ZenTalkError { override name = 'InvalidAckError' }

/**
 * A tombstone to pass on is not its owner's signed delete of the whole object (a forged or corrupt record): it is not
 * sent, since no holder would apply it.
 */
export class InvalidTombstoneError extends ZenTalkError { override name = 'InvalidTombstoneError' }

/** The holder's answer breaks the protocol (undecodable, oversize, a cursor that does not advance...). */
export class InvalidChunkResponseError extends ZenTalkError { override name = 'InvalidChunkResponseError' }

/**
 * A holder's answer went past what this node takes from one holder in one call (pages of a FETCH or LIST; bytes,
 * manifests to check, or manifests failing their check of a FETCH); the answer was cut and the call fails.
 * `limit` names which.
 */
export class FetchLimitExceededError extends InvalidChunkResponseError {
  override name = 'FetchLimitExceededError'
  readonly limit: 'pages' | 'bytes' | 'manifest checks' | 'rejected manifests'

  constructor (limit: FetchLimitExceededError['limit'], message: string) {
    super(message)
    this.limit = limit
  }
}

/**
 * Holder side: a chunk stream was reset before its request arrived: no byte in time, not complete in time after
 * its first byte, or its slot went to a peer with fewer requests in progress.
 */
export class ChunkRequestTimeoutError extends ZenTalkError { override name = 'ChunkRequestTimeoutError' }

/** A holder could not be dialled, does not speak the chunk protocol, or did not answer in time. */
export class ChunkPeerUnreachableError extends PeerUnreachableError { override name = 'ChunkPeerUnreachableError' }
export { PlacementKeyMismatchError, UnsupportedNamespaceError, UnsupportedStripeError } from '../../placement/index.ts'
