import { describe, expect, it } from 'vitest'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ed25519KeyFromSeed } from './seeded-keys.ts'
import { mulberry32, randomBytes } from './seeded-random.ts'

describe('ed25519KeyFromSeed', () => {
  it('gives the same key and peer ID as libp2p for the same seed', async () => {
    const random = mulberry32(3)
    for (let i = 0; i < 50; i++) {
      const seed = randomBytes(random, 32)
      const fast = ed25519KeyFromSeed(seed)
      const reference = await generateKeyPairFromSeed('Ed25519', seed)
      expect(fast.raw).toEqual(reference.raw)
      expect(peerIdFromPrivateKey(fast).toString()).toBe(peerIdFromPrivateKey(reference).toString())
      const message = randomBytes(random, 40)
      expect(await reference.publicKey.verify(message, await fast.sign(message))).toBe(true)
    }
  })

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => ed25519KeyFromSeed(new Uint8Array(31))).toThrow(/32 bytes, not 31/)
  })
})
