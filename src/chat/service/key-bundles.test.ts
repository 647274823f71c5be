/**
 * Key-bundle lookups stay bounded for senders without a bundle (issue 15 item 2): an inbox flooded by fresh
 * identities, read every minute, used to cost one mesh lookup per unknown sender per read.
 */
import { describe, expect, it } from 'vitest'
import { WalletIdentity, type WalletAddress } from '../../identity/index.ts'
import type { FetchResult } from '../../objects/index.ts'
import { deriveChatKeyPair } from '../chat-keys.ts'
import { createKeyBundle, encodeKeyBundle } from '../key-bundle.ts'
import { DEFAULT_MISSING_BUNDLE_RETRY_MS } from './constants.ts'
import type { DirectoryObjects } from './directory-deps.ts'
import { KeyBundleNotFoundError } from './errors.ts'
import { KeyBundleDirectory } from './key-bundles.ts'
import { MemoryMessageCache } from './message-cache.ts'

/** A mesh that has the bundles in `published` and counts the lookups it answers. */
function fakeMesh (published: Map<string, Uint8Array>): { objects: DirectoryObjects, lookups: () => number } {
  let lookups = 0
  const objects = {
    owner: '0x0000000000000000000000000000000000000000',
    storeObject: async () => { throw new Error('not used') },
    deleteObject: async () => 0,
    fetchObjects: async (owner: string): Promise<FetchResult> => {
      lookups++
      const bytes = published.get(owner)
      return {
        objects: bytes === undefined ? [] : [{ objectId: 'a'.repeat(64) as never, bytes, createdAt: 1, namespace: 'x' }],
        failed: [],
        stats: {} as FetchResult['stats']
      }
    }
  } as unknown as DirectoryObjects
  return { objects, lookups: () => lookups }
}

describe('KeyBundleDirectory lookups of unknown senders', () => {
  it('asks the mesh again for an address without a bundle only after a pause that grows, and at once when sending', async () => {
    let clock = 1_000_000
    const published = new Map<string, Uint8Array>()
    const mesh = fakeMesh(published)
    const directory = new KeyBundleDirectory({ objects: mesh.objects, cache: new MemoryMessageCache(), now: () => clock })
    const stranger = WalletIdentity.generate()
    for (let read = 0; read < 5; read++) await expect(directory.lookup(stranger.address)).rejects.toBeInstanceOf(KeyBundleNotFoundError)
    expect(mesh.lookups()).toBe(1) // before: 5, one per read
    clock += DEFAULT_MISSING_BUNDLE_RETRY_MS
    await expect(directory.lookup(stranger.address)).rejects.toBeInstanceOf(KeyBundleNotFoundError)
    expect(mesh.lookups()).toBe(2)
    clock += DEFAULT_MISSING_BUNDLE_RETRY_MS // the pause doubled: not yet
    await expect(directory.lookup(stranger.address)).rejects.toBeInstanceOf(KeyBundleNotFoundError)
    expect(mesh.lookups()).toBe(2)
    // A message being sent to them looks at once; once published, the bundle is found.
    published.set(stranger.address, encodeKeyBundle(createKeyBundle(stranger, { x25519PublicKey: deriveChatKeyPair(stranger).publicKey, createdAt: clock })))
    expect((await directory.lookup(stranger.address, { fresh: true })).owner).toBe(stranger.address)
    expect(mesh.lookups()).toBe(3)
    expect((await directory.lookup(stranger.address)).owner).toBe(stranger.address)
    expect(mesh.lookups()).toBe(3)
  })

  it('looks up at most unknownLookupsPerMinute unknown addresses a minute; known contacts are not held up', async () => {
    let clock = 1_000_000
    const contact = WalletIdentity.generate()
    const published = new Map<string, Uint8Array>([[contact.address, encodeKeyBundle(createKeyBundle(contact, { x25519PublicKey: deriveChatKeyPair(contact).publicKey, createdAt: 1 }))]])
    const mesh = fakeMesh(published)
    const directory = new KeyBundleDirectory({ objects: mesh.objects, cache: new MemoryMessageCache(), now: () => clock, unknownLookupsPerMinute: 5, ttlMs: 1 })
    await directory.lookup(contact.address)
    const crowd: WalletAddress[] = Array.from({ length: 100 }, () => WalletIdentity.generate().address)
    const before = mesh.lookups()
    const refusals = await Promise.all(crowd.map(async address => await directory.lookup(address).catch((error: unknown) => error)))
    expect(refusals.every(error => error instanceof KeyBundleNotFoundError)).toBe(true)
    expect(mesh.lookups() - before).toBe(4) // 5 a minute, the contact's lookup among them
    expect(refusals.filter(error => /unknown addresses within the last minute/.test((error as Error).message))).toHaveLength(96)
    // The contact's bundle is known: looked up again past its cache time, whatever the crowd did.
    clock += 10
    expect((await directory.lookup(contact.address)).owner).toBe(contact.address)
    // A minute later the next few unknown addresses are looked up.
    clock += 60_000
    await expect(directory.lookup(crowd[50])).rejects.toThrow(/no key bundle is published/)
  })

  it('counts one address once, however many of its messages a read opens at once', async () => {
    const mesh = fakeMesh(new Map())
    const directory = new KeyBundleDirectory({ objects: mesh.objects, cache: new MemoryMessageCache(), now: () => 1_000_000, unknownLookupsPerMinute: 2 })
    const sender = WalletIdentity.generate().address
    const errors = await Promise.all(Array.from({ length: 30 }, async () => await directory.lookup(sender).catch((error: unknown) => error)))
    expect(errors.every(error => (error as Error).name === 'KeyBundleNotFoundError')).toBe(true) // none put off
    expect(mesh.lookups()).toBe(1)
  })
})
