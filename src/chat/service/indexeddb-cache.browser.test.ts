// Runs in real Chromium (Vitest browser mode, see vitest.config.ts).
import { afterEach, describe, expect, it } from 'vitest'
import type { WalletAddress } from '../../identity/index.ts'
import { UnsupportedStoreVersionError } from '../../store/index.ts'
import { IndexedDbMessageCache, MESSAGE_CACHE_SCHEMA_VERSION, MessageCacheClosedError, messageCacheDatabaseName } from './indexeddb-cache.ts'
import type { CachedEnvelope } from './message-cache.ts'

const address = (digit: string): WalletAddress => `0x${digit.repeat(40)}` as WalletAddress
const ALICE = address('a')
const BOB = address('b')
const CAROL = address('c')

// Identities unique per test, caches closed and databases deleted after each, so tests share nothing.
let identities = 0
const opened: IndexedDbMessageCache[] = []
const owners: WalletAddress[] = []
function nextIdentity (): WalletAddress {
  const hex = (Date.now() * 1000 + identities++).toString(16)
  const owner = `0x${hex.padStart(40, '0')}` as WalletAddress
  owners.push(owner)
  return owner
}
async function openCache (owner: WalletAddress): Promise<IndexedDbMessageCache> {
  const cache = await IndexedDbMessageCache.open(owner)
  opened.push(cache)
  return cache
}
afterEach(async () => {
  for (const cache of opened.splice(0)) cache.close()
  await Promise.all(owners.splice(0).map(async owner => await IndexedDbMessageCache.destroy(owner)))
})

function envelope (sender: WalletAddress, recipient: WalletAddress, messageId: string, peer: WalletAddress, fill = 1): CachedEnvelope {
  return { sender, recipient, messageId: messageId.padStart(32, '0'), sentAt: 1_700_000_000_000 + fill, peer, bytes: new Uint8Array(48).fill(fill) }
}

const byKey = (a: CachedEnvelope, b: CachedEnvelope): number =>
  `${a.sender}/${a.messageId}` < `${b.sender}/${b.messageId}` ? -1 : 1

describe('IndexedDbMessageCache', () => {
  it('names its database after the lowercase address', async () => {
    const owner = nextIdentity()
    await openCache(owner)
    expect(messageCacheDatabaseName(owner.toUpperCase().replace('0X', '0x'))).toBe(`zentalk-chat-${owner}`)
    const names = (await indexedDB.databases()).map(db => db.name)
    expect(names).toContain(`zentalk-chat-${owner}`)
  })

  it('adds an envelope once: a second copy with the same sender and message id is refused', async () => {
    const cache = await openCache(nextIdentity())
    const first = envelope(ALICE, BOB, '1', ALICE, 1)
    expect(await cache.addEnvelope(first)).toBe(true)
    expect(await cache.addEnvelope({ ...first, bytes: new Uint8Array(48).fill(9) })).toBe(false)
    // Same message id from another sender is another message.
    expect(await cache.addEnvelope(envelope(CAROL, BOB, '1', CAROL, 2))).toBe(true)
    const all = await cache.listEnvelopes()
    expect(all).toHaveLength(2)
    expect(all.find(e => e.sender === ALICE)?.bytes).toEqual(new Uint8Array(48).fill(1))
  })

  it('adds concurrent copies of one envelope exactly once', async () => {
    const cache = await openCache(nextIdentity())
    const entry = envelope(ALICE, BOB, '2', ALICE)
    const added = await Promise.all(Array.from({ length: 5 }, async () => await cache.addEnvelope(entry)))
    expect(added.filter(Boolean)).toHaveLength(1)
    expect(await cache.listEnvelopes()).toHaveLength(1)
  })

  it('lists every envelope, or those of one conversation', async () => {
    const cache = await openCache(nextIdentity())
    const entries = [envelope(ALICE, BOB, '1', ALICE, 1), envelope(BOB, ALICE, '2', ALICE, 2), envelope(BOB, CAROL, '3', CAROL, 3)]
    for (const entry of entries) await cache.addEnvelope(entry)
    expect((await cache.listEnvelopes()).sort(byKey)).toEqual([...entries].sort(byKey))
    expect((await cache.listEnvelopes(ALICE)).sort(byKey)).toEqual([entries[0], entries[1]].sort(byKey))
    expect(await cache.listEnvelopes(CAROL)).toEqual([entries[2]])
    expect(await cache.listEnvelopes(address('d'))).toEqual([])
  })

  it('stores only the envelope fields and exactly its bytes, and hands out copies', async () => {
    const cache = await openCache(nextIdentity())
    const buffer = new Uint8Array(100).fill(7)
    const withPlaintext = { ...envelope(ALICE, BOB, '4', ALICE), bytes: buffer.subarray(10, 20), text: 'secret words' }
    await cache.addEnvelope(withPlaintext)
    buffer.fill(0) // the caller reusing its buffer must not change what was stored
    const [stored] = await cache.listEnvelopes()
    expect(Object.keys(stored).sort()).toEqual(['bytes', 'messageId', 'peer', 'recipient', 'sender', 'sentAt'])
    expect(stored.bytes).toBeInstanceOf(Uint8Array)
    expect(stored.bytes.buffer.byteLength).toBe(10)
    expect(stored.bytes).toEqual(new Uint8Array(10).fill(7))
    stored.bytes.fill(1)
    expect((await cache.listEnvelopes())[0].bytes).toEqual(new Uint8Array(10).fill(7))
  })

  it('keeps one key bundle per owner, replacing older ones', async () => {
    const cache = await openCache(nextIdentity())
    expect(await cache.getKeyBundle(BOB)).toBeUndefined()
    await cache.putKeyBundle(BOB, new Uint8Array([1, 2, 3]))
    await cache.putKeyBundle(CAROL, new Uint8Array([4]))
    await cache.putKeyBundle(BOB, new Uint8Array([5, 6]))
    const bob = await cache.getKeyBundle(BOB)
    expect(bob).toEqual(new Uint8Array([5, 6]))
    bob?.fill(0)
    expect(await cache.getKeyBundle(BOB)).toEqual(new Uint8Array([5, 6]))
    expect(await cache.getKeyBundle(CAROL)).toEqual(new Uint8Array([4]))
  })

  it('keeps envelopes and key bundles across close and reopen', async () => {
    const owner = nextIdentity()
    const cache = await openCache(owner)
    const entry = envelope(ALICE, BOB, '5', BOB)
    await cache.addEnvelope(entry)
    await cache.putKeyBundle(BOB, new Uint8Array([8]))
    cache.close()
    await expect(cache.listEnvelopes()).rejects.toThrow(MessageCacheClosedError)
    const reopened = await openCache(owner)
    expect(await reopened.listEnvelopes(BOB)).toEqual([entry])
    expect(await reopened.getKeyBundle(BOB)).toEqual(new Uint8Array([8]))
    expect(await reopened.addEnvelope(entry)).toBe(false)
  })

  it('keeps the newest contact pass per contact, across close and reopen', async () => {
    const owner = nextIdentity()
    const cache = await openCache(owner)
    expect(await cache.listContactPasses()).toEqual([])
    await cache.putContactPass({ contact: BOB, pass: new Uint8Array([1]), createdAt: 10 })
    await cache.putContactPass({ contact: BOB, pass: new Uint8Array([2]), createdAt: 20 })
    await cache.putContactPass({ contact: BOB, pass: new Uint8Array([3]), createdAt: 15 }) // older: not kept
    await cache.putContactPass({ contact: CAROL, pass: new Uint8Array([4]), createdAt: 5 })
    cache.close()
    const reopened = await openCache(owner)
    const passes = (await reopened.listContactPasses()).sort((a, b) => a.contact < b.contact ? -1 : 1)
    expect(passes).toEqual([{ contact: BOB, pass: new Uint8Array([2]), createdAt: 20 }, { contact: CAROL, pass: new Uint8Array([4]), createdAt: 5 }])
  })

  it('opens a database of schema 1 (before contact passes) with its envelopes and bundles', async () => {
    const owner = nextIdentity()
    const entry = envelope(ALICE, BOB, '7', BOB)
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(messageCacheDatabaseName(owner), 1)
      request.onupgradeneeded = () => {
        const db = request.result
        db.createObjectStore('envelopes').createIndex('byPeer', 'peer')
        db.createObjectStore('bundles', { keyPath: 'owner' })
        request.transaction!.objectStore('envelopes').add(entry, `${entry.sender}/${entry.messageId}`)
        request.transaction!.objectStore('bundles').put({ owner: BOB, bytes: new Uint8Array([9]) })
      }
      request.onsuccess = () => { request.result.close(); resolve() }
      request.onerror = () => reject(request.error)
    })
    const cache = await openCache(owner)
    expect(await cache.listEnvelopes(BOB)).toEqual([entry])
    expect(await cache.getKeyBundle(BOB)).toEqual(new Uint8Array([9]))
    await cache.putContactPass({ contact: BOB, pass: new Uint8Array([1]), createdAt: 1 })
    expect(await cache.listContactPasses()).toHaveLength(1)
  })

  it('keeps two identities apart', async () => {
    const first = await openCache(nextIdentity())
    const second = await openCache(nextIdentity())
    await first.addEnvelope(envelope(ALICE, BOB, '6', BOB))
    await first.putKeyBundle(BOB, new Uint8Array([1]))
    expect(await second.listEnvelopes()).toEqual([])
    expect(await second.listEnvelopes(BOB)).toEqual([])
    expect(await second.getKeyBundle(BOB)).toBeUndefined()
    expect(await second.addEnvelope(envelope(ALICE, BOB, '6', BOB))).toBe(true)
  })

  it('closes itself rather than block another tab deleting its database', async () => {
    const owner = nextIdentity()
    const cache = await openCache(owner)
    await IndexedDbMessageCache.destroy(owner)
    await expect(cache.listEnvelopes()).rejects.toThrow(MessageCacheClosedError)
  })

  it('refuses a database from a newer schema version', async () => {
    const owner = nextIdentity()
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(messageCacheDatabaseName(owner), MESSAGE_CACHE_SCHEMA_VERSION + 1)
      request.onsuccess = () => { request.result.close(); resolve() }
      request.onerror = () => reject(request.error)
    })
    await expect(IndexedDbMessageCache.open(owner)).rejects.toThrow(UnsupportedStoreVersionError)
  })
})
