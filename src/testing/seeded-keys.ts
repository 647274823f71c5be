/**
 * Ed25519 keys from 32-byte seeds, derived by Node's own crypto: the same key `generateKeyPairFromSeed` gives (the
 * seed is the private key, as RFC 8032 defines it), about twenty times faster. libp2p derives a seeded key's public
 * half in JavaScript; a simulation that grinds a thousand seeds per node for node-ID work spent a third of its start
 * there. Node only: simulations and tests.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

/** PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410): this prefix, then the 32 seed bytes. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export function ed25519KeyFromSeed (seed: Uint8Array): PrivateKey {
  if (seed.length !== 32) throw new TypeError(`an Ed25519 seed is 32 bytes, not ${seed.length}`)
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
  if (jwk.x === undefined) throw new Error('Node returned an Ed25519 public key without its x coordinate')
  const publicKey = Buffer.from(jwk.x, 'base64url')
  const raw = new Uint8Array(64)
  raw.set(seed, 0)
  raw.set(publicKey, 32)
  return privateKeyFromRaw(raw)
}
