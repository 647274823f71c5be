import { DEFAULT_PLACEMENT_RULES, ownerPlacementRule, type PlacementRules } from './rules.ts'

/**
 * Content namespace of published key bundles: objects owned by, and placed under the key of, the bundle's owner
 * (`placementKeyFor(NS_KEY_BUNDLE_OBJECTS, address)`), so anyone who knows an address knows where to look.
 * Distinct from NS_KEY_BUNDLE, the namespace of the bundle's own signature.
 */
export const NS_KEY_BUNDLE_OBJECTS = 'zentalk/key-bundles/v1'
/** Content namespace of published presence records, placed like key bundles. */
export const NS_PRESENCE_OBJECTS = 'zentalk/presence-records/v1'
/**
 * Content namespace of attachment chunks (photos, files): objects owned by, and placed under the attachment key of,
 * their sender, apart from the history so that a history read never downloads files.
 */
export const NS_ATTACHMENT_OBJECTS = 'zentalk/attachments/v1'

/**
 * Placement rules of a node that takes part in chat: the defaults (history and inboxes) plus key bundles,
 * presence records and attachment chunks, which only their owner may write, under their own key. Every storage node's chunk service,
 * its ObjectStore (which verifies fetched shards with the same rules) and its repair must use these, or
 * bundles and presence records are refused or dropped.
 */
export const CHAT_PLACEMENT_RULES: PlacementRules = new Map([
  ...DEFAULT_PLACEMENT_RULES,
  [NS_KEY_BUNDLE_OBJECTS, ownerPlacementRule(NS_KEY_BUNDLE_OBJECTS)],
  [NS_PRESENCE_OBJECTS, ownerPlacementRule(NS_PRESENCE_OBJECTS)],
  [NS_ATTACHMENT_OBJECTS, ownerPlacementRule(NS_ATTACHMENT_OBJECTS)]
])
