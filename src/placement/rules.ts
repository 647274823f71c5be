import { NS_HISTORY, NS_INBOX, bytesEqual, hashWithNamespace, toHex } from '../crypto/index.ts'
import { addressToBytes, isAddress, type WalletAddress } from '../identity/index.ts'
import type { ManifestFields, SignedManifest } from '../wire/index.ts'
import { DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS } from '../erasure/index.ts'
import { PlacementKeyMismatchError, UnsupportedNamespaceError, UnsupportedStripeError } from './errors.ts'

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
 * Inbox objects: a message a sender puts into a recipient's mesh inbox. The manifest is signed by the SENDER
 * (its owner) and names the recipient in its content namespace, `zentalk/inbox/v1/0x<recipient>` (see
 * `inboxNamespace`), because a holder sees only the manifest and one shard, and a placement key is a hash that
 * no holder can turn back into an address. So the signed manifest itself says "sender S writes to R's inbox", and
 * the rule checks that its placement key is R's inbox key, `placementKeyFor(NS_INBOX, R)`. Anyone may append
 * (with a valid sender signature); holders also limit each sender's appends per inbox (handlers/store.ts), and
 * only R may delete (`deleteAuthorityOf`).
 */
export const INBOX_NAMESPACE_PREFIX = `${NS_INBOX}/`
const INBOX_NAMESPACE_PATTERN = /^0x[0-9a-f]{40}$/

/** The manifest content namespace of a message in `recipient`'s inbox: `zentalk/inbox/v1/` + lowercase address. */
export function inboxNamespace (recipient: WalletAddress | string): string {
  // addressToBytes validates (and rejects a wrong EIP-55 checksum); the namespace always carries lowercase hex.
  return INBOX_NAMESPACE_PREFIX + '0x' + toHex(addressToBytes(recipient))
}

/** The recipient an inbox namespace names, or undefined for any other (or a non-canonical inbox) namespace. */
export function inboxRecipientOf (namespace: string): WalletAddress | undefined {
  if (!namespace.startsWith(INBOX_NAMESPACE_PREFIX)) return undefined
  const address = namespace.slice(INBOX_NAMESPACE_PREFIX.length)
  return INBOX_NAMESPACE_PATTERN.test(address) && isAddress(address) ? address as WalletAddress : undefined
}

/** The key whose closest peers hold `recipient`'s inbox. */
export function inboxPlacementKey (recipient: WalletAddress | string): Uint8Array {
  return placementKeyFor(NS_INBOX, recipient)
}

/** The inbox rule: the namespace names a recipient in canonical form, and the key is that recipient's inbox key. */
export function inboxPlacementRule (): PlacementRule {
  return manifest => {
    const recipient = inboxRecipientOf(manifest.namespace)
    if (recipient === undefined) {
      throw new UnsupportedNamespaceError(`inbox namespace ${manifest.namespace} must be ${INBOX_NAMESPACE_PREFIX} followed by the recipient's address as 0x and 40 lowercase hex digits`)
    }
    const expected = inboxPlacementKey(recipient)
    if (!bytesEqual(expected, manifest.placementKey)) {
      throw new PlacementKeyMismatchError(`inbox object ${manifest.objectId} for ${recipient} is placed under ${toHex(manifest.placementKey)}, ` +
        `but that inbox's key is ${toHex(expected)}`)
    }
  }
}

/**
 * The placement key of an object of `namespace` written by `owner`: the recipient's inbox key for an inbox
 * namespace, otherwise the owner's own key for the namespace. What a writer uses when it stores.
 */
export function placementKeyOf (namespace: string, owner: WalletAddress | string): Uint8Array {
  const recipient = inboxRecipientOf(namespace)
  return recipient === undefined ? placementKeyFor(namespace, owner) : inboxPlacementKey(recipient)
}

/**
 * Whose signed DELETE removes an object's shards: the recipient's for an inbox object (a sender cannot take
 * back, or wipe, what sits in someone else's inbox), the owner's for everything else.
 */
export function deleteAuthorityOf (manifest: Pick<ManifestFields, 'namespace' | 'owner'>): WalletAddress {
  return inboxRecipientOf(manifest.namespace) ?? manifest.owner
}

/**
 * What holders accept by default: the owner's history, and inboxes (registered under INBOX_NAMESPACE_PREFIX, a
 * family rule for every `zentalk/inbox/v1/<recipient>` namespace). Other namespaces (key bundles, presence) are
 * added by the layers that define them.
 */
export const DEFAULT_PLACEMENT_RULES: PlacementRules = new Map([
  [NS_HISTORY, ownerPlacementRule(NS_HISTORY)],
  [INBOX_NAMESPACE_PREFIX, inboxPlacementRule()]
])

/**
 * The rule for `namespace`: an exact entry, else a family entry for everything up to its last '/' (so
 * `zentalk/inbox/v1/0xabc…` finds the rule registered under `zentalk/inbox/v1/`).
 */
export function placementRuleFor (namespace: string, rules: PlacementRules = DEFAULT_PLACEMENT_RULES): PlacementRule | undefined {
  const exact = rules.get(namespace)
  if (exact !== undefined) return exact
  const cut = namespace.lastIndexOf('/')
  return cut < 0 ? undefined : rules.get(namespace.slice(0, cut + 1))
}

/** @throws {UnsupportedNamespaceError} | {PlacementKeyMismatchError} */
export function assertPlacementAllowed (manifest: SignedManifest, rules: PlacementRules = DEFAULT_PLACEMENT_RULES): void {
  const rule = placementRuleFor(manifest.namespace, rules)
  if (rule === undefined) {
    throw new UnsupportedNamespaceError(`objects of namespace ${manifest.namespace} are not accepted; known: ${[...rules.keys()].join(', ')}`)
  }
  rule(manifest)
}

/** An erasure stripe: k data shards and m parity shards per object. */
export interface Stripe {
  readonly k: number
  readonly m: number
}

/** The mesh's stripe: what every node's object store writes (10 + 5). */
export const MESH_STRIPE: Stripe = Object.freeze({ k: DEFAULT_DATA_SHARDS, m: DEFAULT_PARITY_SHARDS })

/** What holders accept unless configured otherwise: the mesh's stripe only. */
export const DEFAULT_ALLOWED_STRIPES: readonly Stripe[] = Object.freeze([MESH_STRIPE])

/** `10+5` for a stripe. */
export function stripeText (stripe: Stripe): string {
  return `${stripe.k}+${stripe.m}`
}

/**
 * Refuses a manifest whose k and m are not one of the `allowed` stripes. Work a holder takes on for an object
 * (repair rebuilds k + m shards from k) scales with k + m over k; only the mesh's own stripes bound it.
 * @throws {UnsupportedStripeError}
 */
export function assertStripeAllowed (manifest: Pick<ManifestFields, 'k' | 'm'> & { objectId?: string }, allowed: readonly Stripe[] = DEFAULT_ALLOWED_STRIPES): void {
  if (allowed.some(stripe => stripe.k === manifest.k && stripe.m === manifest.m)) return
  throw new UnsupportedStripeError(`${manifest.objectId === undefined ? 'the object' : `object ${manifest.objectId}`} is coded as ` +
    `${stripeText(manifest)} shards; this holder accepts only ${allowed.map(stripeText).join(', ')}`)
}

/**
 * A content namespace and the stripe its objects are written with: an exact namespace (`zentalk/history/v1`), or
 * a family ending in '/' (`zentalk/inbox/v1/`: every inbox), as placement rules are registered.
 */
export interface NamespaceStripe {
  readonly namespace: string
  readonly stripe: Stripe
}

/**
 * The stripe objects of `namespace` are written with: its exact entry in `stripes`, else the entry of its family
 * (everything up to its last '/', or the namespace itself followed by '/': `zentalk/inbox/v1`, which an owner reads
 * its own inbox by, finds the inbox family), else `fallback`. Readers use it to know how many holders to ask.
 */
export function stripeOfNamespace (namespace: string, stripes: readonly NamespaceStripe[], fallback: Stripe = MESH_STRIPE): Stripe {
  const of = (name: string): Stripe | undefined => stripes.find(entry => entry.namespace === name)?.stripe
  const cut = namespace.lastIndexOf('/')
  return of(namespace) ?? of(`${namespace}/`) ?? (cut < 0 ? undefined : of(namespace.slice(0, cut + 1))) ?? fallback
}
