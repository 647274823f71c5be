import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PeerRecord, RecordEnvelope } from '@libp2p/peer-record'
import { persistentPeerStore } from '@libp2p/peer-store'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryDatastore } from 'datastore-core'
import { TypedEventEmitter } from 'main-event'
import { InvalidPeerStoreCacheOptionsError, cachePeerStore, type PeerStoreCacheOptions } from './peer-store-cache.ts'
import type { AbortOptions, PeerId, PeerStore } from '@libp2p/interface'
import type { Key } from 'interface-datastore'

/** libp2p's own datastore, counting the peer store's reads and writes. */
class CountingDatastore extends MemoryDatastore {
  gets = 0
  puts = 0
  override get (key: Key, options?: AbortOptions): ReturnType<MemoryDatastore['get']> {
    this.gets++
    return super.get(key, options)
  }

  override put (key: Key, value: Uint8Array, options?: AbortOptions): ReturnType<MemoryDatastore['put']> {
    this.puts++
    return super.put(key, value, options)
  }
}

async function peerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** A real libp2p peer store over a memory datastore, with the fast path installed. */
async function setUp (options: PeerStoreCacheOptions = {}): Promise<{ store: PeerStore, datastore: CountingDatastore, cache: ReturnType<typeof cachePeerStore>, remote: PeerId }> {
  const datastore = new CountingDatastore()
  const store = persistentPeerStore({
    peerId: await peerId(),
    datastore,
    events: new TypedEventEmitter(),
    logger: defaultLogger()
  })
  const cache = cachePeerStore(store, options)
  return { store, datastore, cache, remote: await peerId() }
}

const PING = '/ipfs/ping/1.0.0'
const KAD = '/zentalk/kad/1.0.0'
const WS = '/ip4/127.0.0.1/tcp/4001/ws'
const WEBRTC_DIRECT = '/ip4/127.0.0.1/udp/4002/webrtc-direct'

describe('peer-store cache', () => {
  it('a merge of a protocol the peer already has neither reads nor writes the datastore', async () => {
    const { store, datastore, cache, remote } = await setUp()
    await store.merge(remote, { protocols: [PING, KAD] })
    const before = { gets: datastore.gets, puts: datastore.puts }
    for (let i = 0; i < 10; i++) await store.merge(remote, { protocols: [PING] })
    expect({ gets: datastore.gets, puts: datastore.puts }).toEqual(before)
    expect(cache.skippedMerges).toBe(10)
  })

  it('a merge of addresses the peer already has (with or without its own /p2p suffix) does not write', async () => {
    const { store, datastore, remote } = await setUp()
    await store.merge(remote, { multiaddrs: [multiaddr(WS), multiaddr(WEBRTC_DIRECT)], protocols: [PING] })
    const puts = datastore.puts
    await store.merge(remote, { multiaddrs: [multiaddr(`${WS}/p2p/${remote}`)] })
    await store.merge(remote, { multiaddrs: [multiaddr(WEBRTC_DIRECT)], protocols: [PING] })
    expect(datastore.puts).toBe(puts)
  })

  it('answers with the peer exactly as the store holds it, and a copy callers cannot spoil', async () => {
    const { store, remote } = await setUp()
    await store.merge(remote, { multiaddrs: [multiaddr(WS)], protocols: [PING, KAD], tags: { keep: { value: 50 } }, metadata: { name: new Uint8Array([1, 2]) } })
    const answered = await store.merge(remote, { protocols: [KAD] })
    expect(answered).toEqual(await store.get(remote))
    answered.protocols.push('/not/really')
    answered.addresses.length = 0
    expect(await store.merge(remote, { protocols: [KAD] })).toEqual(await store.get(remote))
  })

  it('a new protocol is written and then seen by get', async () => {
    const { store, datastore, remote } = await setUp()
    await store.merge(remote, { protocols: [PING] })
    const puts = datastore.puts
    const merged = await store.merge(remote, { protocols: [PING, KAD] })
    expect(datastore.puts).toBe(puts + 1)
    expect(merged.protocols).toEqual([PING, KAD])
    expect((await store.get(remote)).protocols).toEqual([PING, KAD])
  })

  it('addresses, tags and protocols written by any later write are in the next answer', async () => {
    const { store, remote } = await setUp()
    await store.merge(remote, { protocols: [PING] })
    await store.merge(remote, { multiaddrs: [multiaddr(WS)] })
    expect((await store.merge(remote, { protocols: [PING] })).addresses.map(a => a.multiaddr.toString())).toEqual([WS])
    await store.patch(remote, { protocols: [KAD] })
    // The patch replaced the protocols: PING is new again and must be written.
    expect((await store.merge(remote, { protocols: [PING] })).protocols).toEqual([PING, KAD])
    await store.save(remote, { protocols: [PING], tags: { kept: { value: 10 } } })
    const answered = await store.merge(remote, { protocols: [PING] })
    expect(answered.tags.get('kept')?.value).toBe(10)
    expect(answered.addresses).toEqual([])
    expect(answered).toEqual(await store.get(remote))
  })

  it('addresses from a signed peer record are in the next answer', async () => {
    const { store } = await setUp()
    const key = await generateKeyPair('Ed25519')
    const signer = peerIdFromPrivateKey(key)
    await store.merge(signer, { protocols: [PING] })
    const record = new PeerRecord({ peerId: signer, multiaddrs: [multiaddr(WEBRTC_DIRECT)], seqNumber: 1n })
    const envelope = await RecordEnvelope.seal(record, key)
    expect(await store.consumePeerRecord(envelope.marshal(), { expectedPeer: signer })).toBe(true)
    const answered = await store.merge(signer, { protocols: [PING] })
    expect(answered.addresses).toEqual([{ multiaddr: multiaddr(WEBRTC_DIRECT), isCertified: true }])
    expect(answered).toEqual(await store.get(signer))
  })

  it('a read of a peer written within the refresh interval does not touch the datastore, and equals the store\'s own', async () => {
    let clock = 1_000_000
    const { store, datastore, cache, remote } = await setUp({ now: () => clock })
    await store.merge(remote, { multiaddrs: [multiaddr(WS), multiaddr(WEBRTC_DIRECT)], protocols: [PING], tags: { keep: { value: 5 } } })
    const gets = datastore.gets
    const answered = await store.get(remote)
    const info = await store.getInfo(remote)
    expect(datastore.gets).toBe(gets)
    expect(cache.answeredReads).toBe(2)
    expect(info.multiaddrs.map(ma => ma.toString())).toEqual([WS, WEBRTC_DIRECT])
    cache.uninstall()
    expect(answered).toEqual(await store.get(remote))
  })

  it('reads go to the store once the refresh interval has passed, or while a write is running', async () => {
    let clock = 1_000_000
    const { store, datastore, remote } = await setUp({ refreshIntervalMs: 60_000, now: () => clock })
    await store.merge(remote, { protocols: [PING] })
    const writing = store.merge(remote, { protocols: [KAD] })
    expect((await store.get(remote)).protocols).toEqual([PING, KAD])
    await writing
    clock += 60_000
    const gets = datastore.gets
    expect((await store.get(remote)).protocols).toEqual([PING, KAD])
    expect(datastore.gets).toBe(gets + 1)
  })

  it('answerReads: false leaves reads to the store', async () => {
    const { store, datastore, remote } = await setUp({ answerReads: false })
    await store.merge(remote, { protocols: [PING] })
    const gets = datastore.gets
    await store.get(remote)
    expect(datastore.gets).toBe(gets + 1)
  })

  it('a deleted peer is written again by its next merge', async () => {
    const { store, remote } = await setUp()
    await store.merge(remote, { protocols: [PING] })
    await store.delete(remote)
    await store.merge(remote, { protocols: [PING] })
    expect((await store.get(remote)).protocols).toEqual([PING])
  })

  it('writes again once the refresh interval has passed, so a busy peer\'s record stays fresh', async () => {
    let clock = 1_000_000
    const { store, datastore, remote } = await setUp({ refreshIntervalMs: 60_000, now: () => clock })
    await store.merge(remote, { protocols: [PING] })
    const puts = datastore.puts
    clock += 59_999
    await store.merge(remote, { protocols: [PING] })
    expect(datastore.puts).toBe(puts)
    clock += 1
    await store.merge(remote, { protocols: [PING] })
    expect(datastore.puts).toBe(puts + 1)
  })

  it('overlapping writes: the last one decides what later merges see', async () => {
    const { store, remote } = await setUp()
    await store.merge(remote, { protocols: [PING] })
    await Promise.all([
      store.merge(remote, { protocols: [KAD] }),
      store.patch(remote, { protocols: ['/other/1.0.0'] }),
      store.merge(remote, { protocols: [PING] })
    ])
    const stored = await store.get(remote)
    expect(stored.protocols).toEqual([PING, '/other/1.0.0'])
    expect(await store.merge(remote, { protocols: [PING] })).toEqual(stored)
  })

  it('keeps at most maxPeers peers and drops entries past the refresh interval', async () => {
    let clock = 0
    const { store, cache } = await setUp({ maxPeers: 3, refreshIntervalMs: 1_000, now: () => clock })
    for (let i = 0; i < 5; i++) await store.merge(await peerId(), { protocols: [PING] })
    expect(cache.size).toBe(3)
    clock += 1_000
    await store.merge(await peerId(), { protocols: [PING] })
    expect(cache.size).toBe(1)
  })

  it('rejects a refresh interval or size that is not a number it can use', async () => {
    const { store } = await setUp()
    expect(() => cachePeerStore(store, { refreshIntervalMs: -1 })).toThrow(InvalidPeerStoreCacheOptionsError)
    expect(() => cachePeerStore(store, { maxPeers: 0 })).toThrow(InvalidPeerStoreCacheOptionsError)
  })

  it('uninstall gives the store its own methods back', async () => {
    const { store, datastore, cache, remote } = await setUp()
    await store.merge(remote, { protocols: [PING] })
    cache.uninstall()
    const puts = datastore.puts
    await store.merge(remote, { protocols: [PING] })
    expect(datastore.puts).toBe(puts + 1)
    expect(Object.hasOwn(store, 'merge')).toBe(false)
  })
})
