import { ZenTalkError } from '../errors/index.ts'

/** Bytes from a peer do not decode to a well-formed message (truncated, garbage, a field out of range). */
export class MalformedMessageError extends ZenTalkError {}

/** A message declares a format version this build does not understand; the sender may run a newer release. */
export class UnsupportedVersionError extends ZenTalkError {}

/** A message is larger than its format allows; it is refused before being decoded. */
export class OversizeMessageError extends ZenTalkError {}

/** Shard bytes do not match the hash or size the owner-signed manifest lists for that shard index. */
export class ShardHashMismatchError extends ZenTalkError {}
