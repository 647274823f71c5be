import { ZenTalkError } from '../errors/index.ts'

/** A manifest's content namespace has no placement rule here, so its placement key cannot be checked. */
export class UnsupportedNamespaceError extends ZenTalkError { override name = 'UnsupportedNamespaceError' }

/** A manifest's placement key is not the one its namespace and owner (the signer) derive. */
export class PlacementKeyMismatchError extends ZenTalkError { override name = 'PlacementKeyMismatchError' }
