import { describe, expect, it } from 'vitest'
import { NS_HISTORY, NS_INBOX, fromHex, toHex } from '../../crypto/index.ts'
import { walletFromPrivateKey } from '../../identity/index.ts'
import { DEFAULT_INBOX_MAX_OBJECT_BYTES } from '../../protocols/index.ts'
import {
  PlacementKeyMismatchError,
  UnsupportedNamespaceError,
  assertPlacementAllowed,
  placementKeyFor,
  deleteAuthorityOf,
  inboxNamespace,
  inboxPlacementKey,
  inboxRecipientOf,
  placementKeyOf,
  placementRuleFor
} from '../../placement/index.ts'
import { InboxAppendLimiter } from '../../protocols/index.ts'
import { MAX_MANIFEST_NAMESPACE_BYTES } from '../../wire/index.ts'
import { buildManifest } from '../../wire/index.ts'
import { MAX_ENVELOPE_BYTES } from '../envelope-format.ts'
import { NS_KEY_BUNDLE_OBJECTS, NS_PRESENCE_OBJECTS } from './constants.ts'
import { CHAT_PLACEMENT_RULES } from '../../placement/index.ts'

const sender = walletFromPrivateKey(fromHex('0a'.repeat(32)))
const recipient = walletFromPrivateKey(fromHex('0b'.repeat(32)))

function manifest (namespace: string, placementKey: Uint8Array, signer = sender) {
  return buildManifest(signer, { namespace, placementKey, k: 1, m: 1, originalLength: 3, shards: [new Uint8Array(3), new Uint8Array(3)], createdAt: 1 }).manifest
}

describe('inbox namespaces and placement', () => {
  it('name the recipient in canonical form and fit the manifest namespace limit (pinned)', () => {
    const namespace = inboxNamespace(recipient.address.toUpperCase().replace('0X', '0x'))
    expect(namespace).toBe(`zentalk/inbox/v1/${recipient.address}`)
    expect(namespace.length).toBeLessThanOrEqual(MAX_MANIFEST_NAMESPACE_BYTES)
    expect(inboxRecipientOf(namespace)).toBe(recipient.address)
    for (const other of [NS_INBOX, NS_HISTORY, `${NS_INBOX}/`, `${NS_INBOX}/${recipient.address.toUpperCase()}`, `${NS_INBOX}/${recipient.address}/x`]) {
      expect(inboxRecipientOf(other)).toBeUndefined()
    }
    // The inbox key is the recipient's NS_INBOX key, whatever the writer.
    expect(toHex(inboxPlacementKey(recipient.address))).toBe(toHex(placementKeyFor(NS_INBOX, recipient.address)))
    expect(toHex(placementKeyOf(namespace, sender.address))).toBe(toHex(placementKeyFor(NS_INBOX, recipient.address)))
    expect(toHex(placementKeyOf(NS_HISTORY, sender.address))).toBe(toHex(placementKeyFor(NS_HISTORY, sender.address)))
  })

  it('accept a sender-signed inbox manifest under the named recipient\'s inbox key only', () => {
    const namespace = inboxNamespace(recipient.address)
    expect(() => assertPlacementAllowed(manifest(namespace, inboxPlacementKey(recipient.address)))).not.toThrow()
    expect(() => assertPlacementAllowed(manifest(namespace, inboxPlacementKey(sender.address)))).toThrow(PlacementKeyMismatchError)
    expect(() => assertPlacementAllowed(manifest(namespace, placementKeyFor(NS_HISTORY, recipient.address)))).toThrow(PlacementKeyMismatchError)
    expect(() => assertPlacementAllowed(manifest(`${NS_INBOX}/nobody`, inboxPlacementKey(recipient.address)))).toThrow(UnsupportedNamespaceError)
    expect(() => assertPlacementAllowed(manifest(NS_INBOX, inboxPlacementKey(recipient.address)))).toThrow(UnsupportedNamespaceError)
  })

  it('give the recipient, not the sender, the right to delete an inbox object', () => {
    expect(deleteAuthorityOf({ namespace: inboxNamespace(recipient.address), owner: sender.address })).toBe(recipient.address)
    expect(deleteAuthorityOf({ namespace: NS_HISTORY, owner: sender.address })).toBe(sender.address)
  })

  it('find family rules only for namespaces registered with a trailing slash', () => {
    expect(placementRuleFor(inboxNamespace(recipient.address))).toBeDefined()
    expect(placementRuleFor('zentalk/history/v1/extra')).toBeUndefined()
    expect(placementRuleFor('no-slash')).toBeUndefined()
  })

  it('let chat nodes accept owner-only key bundles and presence records', () => {
    for (const namespace of [NS_KEY_BUNDLE_OBJECTS, NS_PRESENCE_OBJECTS]) {
      expect(() => assertPlacementAllowed(manifest(namespace, placementKeyFor(namespace, sender.address)), CHAT_PLACEMENT_RULES)).not.toThrow()
      expect(() => assertPlacementAllowed(manifest(namespace, placementKeyFor(namespace, recipient.address)), CHAT_PLACEMENT_RULES)).toThrow(PlacementKeyMismatchError)
      expect(() => assertPlacementAllowed(manifest(namespace, placementKeyFor(namespace, sender.address)))).toThrow(UnsupportedNamespaceError)
    }
  })

  it('admit a maximal chat envelope under the default inbox object limit', () => {
    expect(MAX_ENVELOPE_BYTES).toBeLessThanOrEqual(DEFAULT_INBOX_MAX_OBJECT_BYTES)
  })
})

describe('InboxAppendLimiter', () => {
  const limits = { maxObjectBytes: 1000, maxObjectsPerWindow: 2, windowMs: 1000, maxBackdatedPerWindow: 3 }

  it('counts new objects per (sender, recipient) in a sliding window; a released or repeated object does not count', () => {
    const limiter = new InboxAppendLimiter(limits)
    expect(limiter.admit('s', 'r', 'a', 0).admitted).toBe(true)
    const second = limiter.admit('s', 'r', 'b', 100)
    expect(second.admitted).toBe(true)
    expect(limiter.admit('s', 'r', 'a', 200).admitted).toBe(true) // already counted
    expect(limiter.admit('s', 'r', 'c', 300)).toEqual({ admitted: false, count: 2 })
    expect(limiter.admit('s', 'other', 'c', 300).admitted).toBe(true)
    expect(limiter.admit('t', 'r', 'c', 300).admitted).toBe(true)
    if (second.admitted) second.release() // its store failed: it never happened
    expect(limiter.admit('s', 'r', 'c', 300).admitted).toBe(true)
    expect(limiter.admit('s', 'r', 'd', 999).admitted).toBe(false)
    expect(limiter.admit('s', 'r', 'd', 1000).admitted).toBe(true) // 'a' left the window
  })

  it('counts objects created before the window (repair of old messages) apart, against their own allowance', () => {
    const limiter = new InboxAppendLimiter(limits)
    expect(limiter.admit('s', 'r', 'a', 5000).admitted).toBe(true)
    expect(limiter.admit('s', 'r', 'b', 5000).admitted).toBe(true)
    expect(limiter.admit('s', 'r', 'c', 5000, 4500).admitted).toBe(false) // recent: the sender's rate is used up
    for (const id of ['old1', 'old2', 'old3']) expect(limiter.admit('s', 'r', id, 5000, 1000).admitted).toBe(true)
    expect(limiter.admit('s', 'r', 'old4', 5000, 1000)).toEqual({ admitted: false, count: 3 }) // backdating is limited too
    expect(limiter.admit('s', 'r', 'old1', 5100, 1000).admitted).toBe(true) // already counted
  })

  it('stays bounded in the number of (sender, recipient) pairs it remembers', () => {
    const limiter = new InboxAppendLimiter(limits, 2)
    for (const sender of ['s1', 's2', 's3']) {
      limiter.admit(sender, 'r', 'a', 0)
      limiter.admit(sender, 'r', 'b', 0)
    }
    // s1, the least recently used, was forgotten; s3 is still remembered.
    expect(limiter.admit('s1', 'r', 'c', 1).admitted).toBe(true)
    expect(limiter.admit('s3', 'r', 'c', 1).admitted).toBe(false)
  })
})
