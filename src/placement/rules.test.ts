import { describe, expect, it } from 'vitest'
import { NS_HISTORY, NS_INBOX, fromHex, hashWithNamespace, toHex } from '../crypto/index.ts'
import { addressToBytes, walletFromPrivateKey } from '../identity/index.ts'
import { buildManifest } from '../wire/index.ts'
import { PlacementKeyMismatchError, UnsupportedNamespaceError } from './errors.ts'
import { DEFAULT_PLACEMENT_RULES, MESH_STRIPE, assertPlacementAllowed, ownerPlacementRule, placementKeyFor, stripeOfNamespace } from './rules.ts'

const owner = walletFromPrivateKey(fromHex('01'.repeat(32)))
const other = walletFromPrivateKey(fromHex('02'.repeat(32)))

function manifestUnder (namespace: string, placementKey: Uint8Array, signer = owner) {
  return buildManifest(signer, { namespace, placementKey, k: 1, m: 1, originalLength: 3, shards: [new Uint8Array(3), new Uint8Array(3)], createdAt: 1 }).manifest
}

describe('placementKeyFor', () => {
  it('is the namespaced SHA-256 of the owner\'s 20 address bytes (pinned)', () => {
    const address = `0x${'11'.repeat(20)}`
    expect(toHex(placementKeyFor(NS_HISTORY, address))).toBe('655329577252ec8e1e043c4becbc33a39022db962c7ff32667b3a8d25bf3a727')
    expect(placementKeyFor(NS_HISTORY, address)).toEqual(hashWithNamespace(NS_HISTORY, addressToBytes(address)))
  })

  it('differs per namespace and per owner, and accepts checksummed addresses', () => {
    expect(toHex(placementKeyFor(NS_HISTORY, owner.address))).not.toBe(toHex(placementKeyFor(NS_INBOX, owner.address)))
    expect(toHex(placementKeyFor(NS_HISTORY, owner.address))).not.toBe(toHex(placementKeyFor(NS_HISTORY, other.address)))
    expect(placementKeyFor(NS_HISTORY, owner.address.toUpperCase().replace('0X', '0x'))).toEqual(placementKeyFor(NS_HISTORY, owner.address))
  })
})

describe('assertPlacementAllowed', () => {
  it('accepts a history manifest under its owner\'s own key', () => {
    expect(() => assertPlacementAllowed(manifestUnder(NS_HISTORY, placementKeyFor(NS_HISTORY, owner.address)))).not.toThrow()
  })

  it('refuses a history manifest under someone else\'s key or an arbitrary key', () => {
    expect(() => assertPlacementAllowed(manifestUnder(NS_HISTORY, placementKeyFor(NS_HISTORY, other.address)))).toThrow(PlacementKeyMismatchError)
    expect(() => assertPlacementAllowed(manifestUnder(NS_HISTORY, new Uint8Array(32)))).toThrow(PlacementKeyMismatchError)
    expect(() => assertPlacementAllowed(manifestUnder(NS_HISTORY, placementKeyFor(NS_INBOX, owner.address)))).toThrow(PlacementKeyMismatchError)
  })

  it('refuses namespaces without a rule (the inbox, for now) and accepts them once a rule is added', () => {
    const inbox = manifestUnder(NS_INBOX, placementKeyFor(NS_INBOX, owner.address))
    expect(() => assertPlacementAllowed(inbox)).toThrow(UnsupportedNamespaceError)
    const rules = new Map([...DEFAULT_PLACEMENT_RULES, [NS_INBOX, ownerPlacementRule(NS_INBOX)]])
    expect(() => assertPlacementAllowed(inbox, rules)).not.toThrow()
  })

  it('gives its errors explicit names that survive minification', () => {
    expect(new PlacementKeyMismatchError('x').name).toBe('PlacementKeyMismatchError')
    expect(new UnsupportedNamespaceError('x').name).toBe('UnsupportedNamespaceError')
  })
})

describe('stripeOfNamespace', () => {
  const wide = { k: 10, m: 20 }
  const stripes = [
    { namespace: 'zentalk/history/v1', stripe: wide },
    { namespace: 'zentalk/inbox/v1/', stripe: { k: 10, m: 10 } }
  ]
  it('finds a namespace\'s exact entry, else its family\'s, else the mesh stripe', () => {
    expect(stripeOfNamespace('zentalk/history/v1', stripes)).toEqual(wide)
    expect(stripeOfNamespace('zentalk/inbox/v1/0x' + 'ab'.repeat(20), stripes)).toEqual({ k: 10, m: 10 })
    // An owner reads its own inbox under the inbox namespace itself: the family's stripe.
    expect(stripeOfNamespace('zentalk/inbox/v1', stripes)).toEqual({ k: 10, m: 10 })
    expect(stripeOfNamespace('zentalk/key-bundles/v1', stripes)).toEqual(MESH_STRIPE)
    expect(stripeOfNamespace('zentalk/history/v1', [])).toEqual(MESH_STRIPE)
    expect(stripeOfNamespace('zentalk/history/v1', [], { k: 4, m: 2 })).toEqual({ k: 4, m: 2 })
  })
})
