/**
 * Per-address limits of the relay, applied by libp2p's connection gater: at most `maxConnectionsPerAddress`
 * connections (counted from the first byte, before encryption) and `maxReservationsPerAddress` relay reservations
 * from one IPv4 address or IPv6 /64, except from exempt addresses. Also ends a reservation when its peer's last
 * connection closes, so a peer that reserves and leaves does not hold a slot for the reservation's lifetime.
 */
import { ipOfMultiaddr, limitKey, type AddressList } from './addresses.ts'
import type { MeshLibp2p } from '../src/net/index.ts'
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface'

export interface RelayLimitOptions {
  maxConnectionsPerAddress: number
  maxReservationsPerAddress: number
  exempt: AddressList
}

/** What the circuit-relay-v2 server exposes: its reservations by peer, each with the address it was made from. */
interface ReservationMap {
  get(peer: PeerId): { addr: { toString(): string } & Parameters<typeof ipOfMultiaddr>[0], signal?: { clear?: () => void } } | undefined
  delete(peer: PeerId): void
  entries(): Iterable<[PeerId, { addr: Parameters<typeof ipOfMultiaddr>[0] }]>
  readonly size: number
}

export interface RelayLimits {
  gater: Omit<ConnectionGater, 'denyDialMultiaddr'>
  /** Call once the node exists: the gater looks up connections and reservations through it. */
  attach(libp2p: MeshLibp2p): void
  /** Refusals so far, for `/api/status` and the flood benchmark. */
  readonly refused: { connections: number, reservations: number }
}

export function relayLimits (options: RelayLimitOptions): RelayLimits {
  let node: MeshLibp2p | undefined
  const open = new Map<string, number>()
  const refused = { connections: 0, reservations: 0 }

  const reservations = (): ReservationMap | undefined =>
    (node?.services.relay as { reservations?: ReservationMap } | undefined)?.reservations

  const gater: RelayLimits['gater'] = {
    denyInboundConnection: (maConn: MultiaddrConnection): boolean => {
      const ip = ipOfMultiaddr(maConn.remoteAddr)
      if (ip == null || options.exempt.has(ip)) return false
      const key = limitKey(ip)
      const n = open.get(key) ?? 0
      if (n >= options.maxConnectionsPerAddress) {
        refused.connections++
        return true
      }
      open.set(key, n + 1)
      maConn.addEventListener('close', () => {
        const left = (open.get(key) ?? 1) - 1
        if (left <= 0) open.delete(key)
        else open.set(key, left)
      }, { once: true })
      return false
    },
    denyInboundRelayReservation: (peer: PeerId): boolean => {
      if (node == null) return true
      const conn = node.getConnections(peer).find(c => c.status === 'open' && ipOfMultiaddr(c.remoteAddr) != null)
      const ip = conn == null ? undefined : ipOfMultiaddr(conn.remoteAddr)
      // A reservation needs a direct connection (the relay server refuses relayed ones anyway).
      if (ip == null) return true
      if (options.exempt.has(ip)) return false
      const key = limitKey(ip)
      let held = 0
      for (const [other, r] of reservations()?.entries() ?? []) {
        if (other.equals(peer)) return false // a refresh of its own reservation
        const otherIp = ipOfMultiaddr(r.addr)
        if (otherIp != null && limitKey(otherIp) === key) held++
      }
      if (held >= options.maxReservationsPerAddress) {
        refused.reservations++
        return true
      }
      return false
    }
  }

  return {
    gater,
    refused,
    attach: (libp2p) => {
      node = libp2p
      libp2p.addEventListener('peer:disconnect', (evt) => {
        const map = reservations()
        const reservation = map?.get(evt.detail)
        if (map == null || reservation == null) return
        reservation.signal?.clear?.()
        map.delete(evt.detail)
      })
    }
  }
}
