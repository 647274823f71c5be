import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { nodeClassOfMultihash, nodeIdWorkOf } from '../placement/index.ts'
import { generateNodeKey, keyMeetsWork, loadOrCreateNodeKey, MemoryBytesStore, NODE_KEY_NAME } from './node-key.ts'

const workOf = (key: Awaited<ReturnType<typeof generateKeyPair>>): number => nodeIdWorkOf(peerIdFromPrivateKey(key).toMultihash().bytes)

/** A kept key whose ID has less than `bits` of work. */
async function keyLacking (bits: number): Promise<Awaited<ReturnType<typeof generateKeyPair>>> {
  for (;;) {
    const key = await generateKeyPair('Ed25519')
    if (workOf(key) < bits) return key
  }
}

describe('node key with node-ID work', () => {
  it('is generated until its peer ID carries the work', async () => {
    const { key, attempts } = await generateNodeKey(8)
    expect(workOf(key)).toBeGreaterThanOrEqual(8)
    expect(keyMeetsWork(key, 8)).toBe(true)
    expect(attempts).toBeGreaterThanOrEqual(1)
  })

  it('comes from a seed the same way every time (a simulation\'s nodes)', async () => {
    const seeds = (): () => Uint8Array => { let n = 0; return () => new Uint8Array(32).fill(n++ % 256) }
    const a = await generateNodeKey(4, seeds())
    const b = await generateNodeKey(4, seeds())
    expect(peerIdFromPrivateKey(a.key).toString()).toBe(peerIdFromPrivateKey(b.key).toString())
    expect(a.attempts).toBe(b.attempts)
  })

  it('is kept across restarts when it carries the work, and replaced (new peer ID) when it does not', async () => {
    const store = new MemoryBytesStore()
    const first = await loadOrCreateNodeKey(store, { workBits: 6 })
    expect(keyMeetsWork(first, 6)).toBe(true)
    const again = await loadOrCreateNodeKey(store, { workBits: 6 })
    expect(peerIdFromPrivateKey(again).equals(peerIdFromPrivateKey(first))).toBe(true)

    const old = await keyLacking(6)
    await store.put(NODE_KEY_NAME, privateKeyToProtobuf(old))
    const replaced: string[] = []
    const fresh = await loadOrCreateNodeKey(store, { workBits: 6, onReplaced: id => replaced.push(id) })
    expect(replaced).toEqual([peerIdFromPrivateKey(old).toString()])
    expect(keyMeetsWork(fresh, 6)).toBe(true)
    // The replacement is what the store keeps now.
    const kept = await loadOrCreateNodeKey(store, { workBits: 6 })
    expect(peerIdFromPrivateKey(kept).equals(peerIdFromPrivateKey(fresh))).toBe(true)
  })

  it('keeps any saved key when no work is asked (the relay\'s own key)', async () => {
    const store = new MemoryBytesStore()
    const old = await keyLacking(6)
    await store.put(NODE_KEY_NAME, privateKeyToProtobuf(old))
    const kept = await loadOrCreateNodeKey(store)
    expect(peerIdFromPrivateKey(kept).equals(peerIdFromPrivateKey(old))).toBe(true)
  })

  it('carries the class a mesh that places by class asks for, and a kept key of the other class is replaced', async () => {
    const classOf = (key: Awaited<ReturnType<typeof generateKeyPair>>): string => nodeClassOfMultihash(peerIdFromPrivateKey(key).toMultihash().bytes)
    const store = new MemoryBytesStore()
    const operator = await loadOrCreateNodeKey(store, { workBits: 4, nodeClass: 'operator' })
    expect(classOf(operator)).toBe('operator')
    expect(workOf(operator)).toBeGreaterThanOrEqual(4)
    // The same store asked for a tab's key: the operator key does not carry it, and is replaced.
    const replaced: string[] = []
    const tab = await loadOrCreateNodeKey(store, { workBits: 4, nodeClass: 'tab', onReplaced: id => replaced.push(id) })
    expect(classOf(tab)).toBe('tab')
    expect(replaced).toEqual([peerIdFromPrivateKey(operator).toString()])
    // Without a class asked for, either is kept.
    expect(peerIdFromPrivateKey(await loadOrCreateNodeKey(store, { workBits: 4 })).equals(peerIdFromPrivateKey(tab))).toBe(true)
    expect(keyMeetsWork(tab, 4, 'tab')).toBe(true)
    expect(keyMeetsWork(tab, 4, 'operator')).toBe(false)
  })
})
