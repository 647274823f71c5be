import { defaultLogger } from '@libp2p/logger'
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MeshHolderSelector } from './holder-selector.ts'
import type { MeshLibp2p } from './libp2p.ts'
import type { PeerKeeper } from './peer-keeper.ts'
import type { PeerId } from '@libp2p/interface'

async function newPeerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/**
 * A node whose own dial to `other` never completes (as a tab's WebRTC dial that lost a race), while a connection
 * to `other` opens by another path `opensAfterMs` later.
 */
async function racingDials (opensAfterMs: number): Promise<{ selector: MeshHolderSelector, self: PeerId, other: PeerId, dials: () => number }> {
  const self = await newPeerId()
  const other = await newPeerId()
  const events = new EventTarget()
  const connections: Array<{ remotePeer: PeerId, status: string, limits: undefined }> = []
  let dials = 0
  const libp2p = {
    peerId: self,
    logger: defaultLogger(),
    services: { dht: { async * getClosestPeers () {} } },
    getConnections: (peer?: PeerId) => connections.filter(c => peer === undefined || c.remotePeer.equals(peer)),
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events),
    dial: async (_peer: PeerId, options: { signal: AbortSignal }) => {
      dials++
      await new Promise((_resolve, reject) => { options.signal.addEventListener('abort', () => { reject(options.signal.reason) }) })
    },
    peerStore: { get: async () => ({ protocols: [] }) }
  } as unknown as MeshLibp2p
  const keeper = {
    storagePeers: new Set([other.toString()]),
    nonStoragePeers: new Set<string>(),
    isRelay: () => false,
    relayConnected: () => true,
    sinceSeen: () => Infinity
  } as unknown as PeerKeeper
  setTimeout(() => {
    const connection = { remotePeer: other, status: 'open', limits: undefined }
    connections.push(connection)
    events.dispatchEvent(new CustomEvent('connection:open', { detail: connection }))
  }, opensAfterMs)
  const selector = new MeshHolderSelector(libp2p, keeper, { lookupTimeoutMs: 1000, dialTimeoutMs: 60_000, selfIsStorage: true, livenessGraceMs: 1000 })
  return { selector, self, other, dials: () => dials }
}

describe('MeshHolderSelector liveness', () => {
  it('counts a storage node live as soon as a connection to it opens by another path while its own dial still hangs', async () => {
    const { selector, self, other, dials } = await racingDials(50)
    const started = Date.now()
    const chosen = await selector.select(new Uint8Array(32), 2, { fresh: true })
    // Before, the hanging dial's 60 s timeout decided, and the node was left out of the answer.
    expect(new Set(chosen)).toEqual(new Set([self.toString(), other.toString()]))
    expect(dials()).toBe(1)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
