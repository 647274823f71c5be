import { ZenTalkError } from '../errors/index.ts'

/** A string that should be hex (optionally `0x`-prefixed, even length, [0-9a-fA-F]) is not, or has the wrong length. */
export class InvalidHexError extends ZenTalkError {}

/** A hash namespace is empty; every namespaced hash needs a non-empty context string. */
export class InvalidNamespaceError extends ZenTalkError {}
