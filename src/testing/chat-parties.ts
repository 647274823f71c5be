/** Fixed identities and helpers shared by the chat tests. Not part of the public API. */
import { fromHex } from '../crypto/index.ts'
import { walletFromPrivateKey, type WalletAddress, type WalletIdentity } from '../identity/index.ts'
import { deriveChatKeyPair, type ChatKeyPair } from '../chat/index.ts'
import type { KeyBundleLookup } from '../chat/index.ts'
import { createKeyBundle, type KeyBundle } from '../chat/index.ts'
import type { RandomSource } from '../crypto/index.ts'

export const CREATED_AT = 1_767_225_600_000

export interface Party {
  readonly wallet: WalletIdentity
  readonly keys: ChatKeyPair
  readonly bundle: KeyBundle
}

function party (privateKeyHex: string, displayName?: string): Party {
  const wallet = walletFromPrivateKey(fromHex(privateKeyHex))
  const keys = deriveChatKeyPair(wallet)
  return { wallet, keys, bundle: createKeyBundle(wallet, { x25519PublicKey: keys.publicKey, createdAt: CREATED_AT, displayName }) }
}

/** The web3 documentation key (also used by the identity and wire fixtures). */
export const alice = party('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318', 'Alice')
export const bob = party('0b'.repeat(32))
/** A third party who must not read Alice's messages to Bob. */
export const carol = party('0c'.repeat(32))
/** An attacker who signs with his own valid wallet. */
export const mallory = party('0d'.repeat(32))

/** A bundle lookup over the given parties' published bundles. */
export function lookupOf (...parties: Party[]): KeyBundleLookup {
  const bundles = new Map<WalletAddress, KeyBundle>(parties.map(p => [p.wallet.address, p.bundle]))
  return async (address) => bundles.get(address)
}

/** A random source that hands out the given hex chunks in order and fails on any other request. */
export function fixedRandom (...hexChunks: string[]): RandomSource {
  const chunks = hexChunks.map(chunk => fromHex(chunk))
  return (length) => {
    const next = chunks.shift()
    if (next === undefined || next.length !== length) {
      throw new Error(`fixedRandom: asked for ${length} bytes, next chunk is ${next?.length ?? 'missing'}`)
    }
    return next
  }
}
