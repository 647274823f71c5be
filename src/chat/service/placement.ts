import { DEFAULT_PLACEMENT_RULES, ownerPlacementRule, type PlacementRules } from '../../protocols/chunks/index.ts'
import { NS_KEY_BUNDLE_OBJECTS, NS_PRESENCE_OBJECTS } from './constants.ts'

/**
 * Placement rules of a node that takes part in chat: the defaults (history and inboxes) plus key bundles and
 * presence records, which only their owner may write, under their own key. Every storage node's chunk service,
 * its ObjectStore (which verifies fetched shards with the same rules) and its repair must use these, or
 * bundles and presence records are refused or dropped.
 */
export const CHAT_PLACEMENT_RULES: PlacementRules = new Map([
  ...DEFAULT_PLACEMENT_RULES,
  [NS_KEY_BUNDLE_OBJECTS, ownerPlacementRule(NS_KEY_BUNDLE_OBJECTS)],
  [NS_PRESENCE_OBJECTS, ownerPlacementRule(NS_PRESENCE_OBJECTS)]
])
