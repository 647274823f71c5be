import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { connectionsOf } from './status.ts'

const PEER_A = '12D3KooWKjaARgPaUKhNfthWT4thc8QvxvPxwvz1S6g8PBtTXC11'
const PEER_B = '12D3KooWQhgzKpssRVX4Ufn4mqDfsmhxoDWpfDxigpqh8a1kF21k'
const PEER_C = '12D3KooWNyBviRFdqZsXUZFtqNaEqWiuHPz3q7AEJgdvPi2fkDLX'

/** The fields of a libp2p connection that `connectionsOf` reads; `muxer` is the implementation's own field. */
function connection (peer: string, status: string, muxerStatus?: string, limits?: object): any {
  return {
    remotePeer: { toString: () => peer },
    remoteAddr: multiaddr(`/ip4/127.0.0.1/tcp/9000/ws/p2p/${peer}`),
    status,
    limits,
    ...(muxerStatus !== undefined ? { muxer: { status: muxerStatus } } : {})
  }
}

describe('connectionsOf', () => {
  it('lists open connections, and leaves out closing ones and those whose stream muxer closed under them', () => {
    const libp2p = {
      getConnections: () => [
        connection(PEER_A, 'open', 'open'),
        connection(PEER_B, 'open', 'closed'),
        connection(PEER_B, 'closing', 'closing'),
        connection(PEER_C, 'open', undefined, { bytes: 1n }),
        connection(PEER_C, 'closed', 'closed')
      ]
    }
    expect(connectionsOf(libp2p)).toEqual([
      { peerId: PEER_A, remoteAddr: `/ip4/127.0.0.1/tcp/9000/ws/p2p/${PEER_A}`, direct: true },
      { peerId: PEER_C, remoteAddr: `/ip4/127.0.0.1/tcp/9000/ws/p2p/${PEER_C}`, direct: false }
    ])
  })
})
