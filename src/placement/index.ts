/**
 * Choosing where an object's shards live, as pure rules every node applies alike: Kademlia XOR geometry
 * (`xor.ts`), ranking peers around a key (`rank.ts`), placement keys and the namespace rules that tie a
 * manifest's placement key to its signer (`rules.ts`, `chat-rules.ts`). No I/O; `net`'s HolderSelector applies
 * them to the live mesh.
 */
export { KAD_ID_BYTES, bucketIndex, closestTo, compareDistance, formatDistance, kadIdOfKey, kadIdOfPeer, rankByDistance, xorDistance, type Ranked } from './xor.ts'
export { kadIdOf, rankPeers } from './rank.ts'
export {
  DEFAULT_ALLOWED_STRIPES,
  DEFAULT_PLACEMENT_RULES,
  INBOX_NAMESPACE_PREFIX,
  MESH_STRIPE,
  assertPlacementAllowed,
  assertStripeAllowed,
  deleteAuthorityOf,
  inboxNamespace,
  inboxPlacementKey,
  inboxPlacementRule,
  inboxRecipientOf,
  ownerPlacementRule,
  placementKeyFor,
  placementKeyOf,
  placementRuleFor,
  stripeOfNamespace,
  stripeText,
  type NamespaceStripe,
  type Stripe,
  type PlacementRule,
  type PlacementRules
} from './rules.ts'
export { NS_NODE_ID_WORK, meetsNodeIdWork, nodeIdWorkOf } from './node-id-work.ts'
export { NS_NODE_CLASS, nodeClassOf, nodeClassOfMultihash, operatorHoldersOf, placementOrder, type NodeClass, type StripeOperators } from './node-class.ts'
export { CHAT_PLACEMENT_RULES, NS_ATTACHMENT_OBJECTS, NS_KEY_BUNDLE_OBJECTS, NS_PRESENCE_OBJECTS } from './chat-rules.ts'
export { PlacementKeyMismatchError, UnsupportedNamespaceError, UnsupportedStripeError } from './errors.ts'
