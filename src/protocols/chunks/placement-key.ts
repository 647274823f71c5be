import { NS_HISTORY, bytesEqual, hashWithNamespace, toHex } from '../../crypto/index.ts'
import { addressToBytes, type WalletAddress } from '../../identity/index.ts'
import type { SignedManifest } from '../../wire/manifest-codec.ts'
import { PlacementKeyMismatchError, UnsupportedNamespaceError } from './errors.ts'

/**
 * The key whose XOR-closest peers hold an owner's objects of one namespace:
 * `hashWithNamespace(namespace, ownerAddressBytes)` (the seed's SHA-256(namespace ‖ owner address), with the
 * length-prefixed layout of src/crypto/namespaced-hash.ts).
 */
export function placementKeyFor (namespace: string, owner: WalletAddress | string): Uint8Array {
  return hashWithNamespace(namespace, addressToBytes(owner))
}

/**
 * Decides whether a verified manifest may be placed under its `placementKey`, throwing
 * `PlacementKeyMismatchError` if not. A manifest proves only who signed it (`owner`), so each rule ties the
 * placement key to that signer in its own way.
 */
export type PlacementRule = (manifest: SignedManifest) => void

/** Content namespace → its rule. Namespaces without a rule are refused (`UnsupportedNamespaceError`). */
export type PlacementRules = ReadonlyMap<string, PlacementRule>

/** Owner-only namespaces: the key must be the owner's own key, so nobody can write under another's key. */
export function ownerPlacementRule (namespace: string): PlacementRule {
  return manifest => {
    const expected = placementKeyFor(namespace, manifest.owner)
    if (!bytesEqual(expected, manifest.placementKey)) {
      throw new PlacementKeyMismatchError(`manifest ${manifest.objectId} is placed under ${toHex(manifest.placementKey)}, ` +
        `but ${namespace} objects of ${manifest.owner} belong under ${toHex(expected)}; only an owner writes under their own key`)
    }
  }
}

/**
 * What holders accept today: the owner's history. This map is the extension point for namespaces whose writer
 * is not the key's owner (the inbox, where a sender writes under the recipient's key): such a rule derives the
 * key from the recipient the manifest names and checks the writer by its own criteria, and the DELETE rules
 * must then say who may remove those objects.
 */
export const DEFAULT_PLACEMENT_RULES: PlacementRules = new Map([[NS_HISTORY, ownerPlacementRule(NS_HISTORY)]])

/** @throws {UnsupportedNamespaceError} | {PlacementKeyMismatchError} */
export function assertPlacementAllowed (manifest: SignedManifest, rules: PlacementRules = DEFAULT_PLACEMENT_RULES): void {
  const rule = rules.get(manifest.namespace)
  if (rule === undefined) {
    throw new UnsupportedNamespaceError(`objects of namespace ${manifest.namespace} are not accepted; known: ${[...rules.keys()].join(', ')}`)
  }
  rule(manifest)
}
