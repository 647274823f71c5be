/**
 * Access to kad-dht's routing table. The DHT keeps it private; we need to read it (node panel, candidate
 * peers) and to re-add peers whose addresses arrived after identify (ENVIRONMENT.md: a tab with no listen
 * address yet is dropped and never retried).
 */
import { isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import type { PeerId } from '@libp2p/interface'

interface KBucketPeer { peerId: PeerId, kadId: Uint8Array }
interface InternalRoutingTable {
  kb?: { toIterable(): Iterable<KBucketPeer> }
  add(peerId: PeerId, options?: unknown): Promise<void>
  remove(peerId: PeerId): Promise<void>
}

function table (libp2p: MeshLibp2p): InternalRoutingTable | undefined {
  return (libp2p.services.dht as unknown as { routingTable?: InternalRoutingTable }).routingTable
}

export function routingTablePeers (libp2p: MeshLibp2p): PeerId[] {
  const kb = table(libp2p)?.kb
  return kb == null ? [] : [...kb.toIterable()].map(p => p.peerId)
}

export async function addToRoutingTable (libp2p: MeshLibp2p, peerId: PeerId): Promise<void> {
  await table(libp2p)?.add(peerId)
}

/**
 * Makes the routing table refuse the peers `leavesOut` names, checked when one would be added: kad-dht adds peers from
 * several places (identify, the answers to its own queries, the peer keeper's re-adds), some queued until after the
 * peer's identify agent is known. One added before it was left out stays until removed (`removeFromRoutingTable`).
 */
export function keepOutOfRoutingTable (libp2p: MeshLibp2p, leavesOut: (peerId: string) => boolean): void {
  const routingTable = table(libp2p)
  if (routingTable === undefined) return
  const add = routingTable.add.bind(routingTable)
  routingTable.add = async (peerId, options) => {
    if (leavesOut(peerId.toString())) return
    await add(peerId, options)
    // Its agent may have arrived while it was being added.
    if (leavesOut(peerId.toString())) await routingTable.remove(peerId)
  }
}

interface DhtNetwork { sendRequest(to: PeerId, msg: unknown, options?: unknown): AsyncGenerator<unknown> }

/**
 * Makes the DHT's queries skip the peers `leavesOut` names unless a usable connection to them is already open: a walk
 * learns of them from other peers' answers and would otherwise dial each for one request. A skipped peer counts as
 * one that did not answer. On operator nodes this kept walks from dialling into tabs' connection budgets: in a
 * simulated mesh of 60 nodes (48 tabs with a budget of 16), 112 such dials in 20 idle seconds, most of the tabs'
 * connection churn.
 */
export function keepQueriesOffLeftOut (libp2p: MeshLibp2p, leavesOut: (peerId: string) => boolean): void {
  const network = (libp2p.services.dht as unknown as { network?: DhtNetwork }).network
  if (network === undefined) return
  const sendRequest = network.sendRequest.bind(network)
  network.sendRequest = async function * (to, msg, options) {
    // A limited (relayed signalling) connection does not count: kad-dht does not run over it, and would dial.
    if (leavesOut(to.toString()) && !libp2p.getConnections(to).some(isUsableConnection)) return
    yield * sendRequest(to, msg, options)
  }
}

interface Contact { peerId: PeerId }
interface PingingRoutingTable { pingContact?: (contact: Contact, options?: unknown) => Promise<boolean> }

/**
 * Makes the routing table's liveness pings of peers this node holds no usable connection to answer from what the node
 * knows (`recentlyAlive`) instead of dialling. kad-dht pings every contact before adding it, and the least recently
 * seen contacts of a full bucket before replacing one. Within a connection budget each such dial closes another
 * connection for room, whose peer is then pinged in turn: a tab with a budget of 16 among 60 headless nodes made
 * 40 to 50 such dials a minute. A contact pinged over an open connection is pinged as before.
 */
export function pingOnlyConnected (libp2p: MeshLibp2p, recentlyAlive: (peerId: string) => boolean): void {
  const routingTable = table(libp2p) as (InternalRoutingTable & PingingRoutingTable) | undefined
  const pingContact = routingTable?.pingContact?.bind(routingTable)
  if (routingTable === undefined || pingContact === undefined) return
  routingTable.pingContact = async (contact, options) => {
    if (libp2p.getConnections(contact.peerId).some(isUsableConnection)) return await pingContact(contact, options)
    return recentlyAlive(contact.peerId.toString())
  }
}

export async function removeFromRoutingTable (libp2p: MeshLibp2p, peerId: PeerId): Promise<void> {
  await table(libp2p)?.remove(peerId)
}

interface RoutingTableEvents { addEventListener(type: 'peer:add', listener: () => void): void, removeEventListener(type: 'peer:add', listener: () => void): void }

/** The node holds a relay reservation: it advertises a `/p2p-circuit` address. */
export function hasReservation (libp2p: MeshLibp2p): boolean {
  return libp2p.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit'))
}

/**
 * Resolves once the node holds a relay reservation (unless `needsReservation` is false: a node that others
 * reach without the relay) and its routing table has a peer: it is then reachable and can look itself up.
 * Driven by libp2p's and the routing table's events, not by polling.
 */
export async function whenJoined (libp2p: MeshLibp2p, signal: AbortSignal, needsReservation = true): Promise<void> {
  signal.throwIfAborted()
  const joined = (): boolean => (!needsReservation || hasReservation(libp2p)) && routingTablePeers(libp2p).length > 0
  if (joined()) return
  const events = table(libp2p) as unknown as Partial<RoutingTableEvents> | undefined
  await new Promise<void>((resolve, reject) => {
    const check = (): void => { if (joined()) { done(); resolve() } }
    const onAbort = (): void => { done(); reject(signal.reason) }
    const libp2pEvents = ['self:peer:update', 'transport:listening', 'peer:identify', 'connection:open'] as const
    const done = (): void => {
      for (const type of libp2pEvents) libp2p.removeEventListener(type, check)
      events?.removeEventListener?.('peer:add', check)
      signal.removeEventListener('abort', onAbort)
    }
    for (const type of libp2pEvents) libp2p.addEventListener(type, check)
    events?.addEventListener?.('peer:add', check)
    signal.addEventListener('abort', onAbort, { once: true })
    check()
  })
}
