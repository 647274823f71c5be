/**
 * The backbone directory. Within a connection budget a tab keeps connections to its nearest storage nodes and to
 * its two nearest operator nodes (storage nodes without a budget), and operator nodes never dial tabs with a budget
 * (a connection they open would take a place the tab needs). So an operator meets only the tabs that connected to
 * it, while it answers the closest-peers protocol for the whole mesh: in a simulated mesh of 100 nodes (80 tabs with
 * budgets of 16) a quarter of the answers missed tabs near the key that only other operators held connections to.
 *
 * Every operator node therefore tells the operator nodes it is connected to which budgeted storage nodes hold a
 * usable connection to it now that has lasted a few seconds (a snapshot, sent again whenever it changes), and counts the budgeted storage nodes
 * that connected operators vouch for among the storage nodes it knows: they are live while the connection that
 * vouches for them is. A vouching operator's snapshot is dropped with its last connection.
 *
 * Bounds: at most MAX_VOUCHED peers per operator (frames of the closest-peers answer, MAX_CLOSEST_COUNT peers
 * each, the last one short), one snapshot in flight per connection, a deadline on each; only operator nodes'
 * snapshots count.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { DIRECTORY_PROTOCOL, MAX_CLOSEST_COUNT, MAX_CLOSEST_RESPONSE_BYTES, decodeClosestResponse, encodeClosestResponse } from '../wire/index.ts'
import { addressesOf, parseAnswerPeers } from './closest-protocol.ts'
import { isUsableConnection, type MeshLibp2p } from './libp2p.ts'
import type { PeerKeeper } from './peer-keeper.ts'
import type { Connection, Logger, Stream, StreamCloseEvent } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The most budgeted storage nodes one operator's snapshot names (and this node keeps from it). */
export const MAX_VOUCHED = 1024
/** A burst of connections opening and closing is sent as one snapshot, this long after the first of them. */
export const DIRECTORY_DEBOUNCE_MS = 1_000
/**
 * The shortest pause between two snapshots: the connections of a busy mesh come and go all the time, and each change
 * costs a message to every connected operator node.
 */
export const DIRECTORY_MIN_INTERVAL_MS = 5_000
/** A connection is vouched for once it has lasted this long (see `send`). */
export const VOUCH_AFTER_MS = 5_000
/** From a snapshot stream's opening to its last frame. */
const STREAM_TIMEOUT_MS = 10_000

export interface BackboneDirectoryOptions {
  /** This node is an operator node: a storage node without a connection budget that is not a tab. */
  operator: boolean
  debounceMs?: number
  minIntervalMs?: number
  vouchAfterMs?: number
}

export class BackboneDirectory {
  private readonly libp2p: MeshLibp2p
  private readonly keeper: PeerKeeper
  private readonly options: BackboneDirectoryOptions
  private readonly log: Logger
  /** By vouching operator: the budgeted storage nodes connected to it, with their addresses. */
  private readonly heard = new Map<string, Map<string, Multiaddr[]>>()
  /** By operator: the snapshot last sent to it (its peer IDs joined), and a send in flight. */
  private readonly sent = new Map<string, string>()
  private readonly sending = new Set<string>()
  private timer?: ReturnType<typeof setTimeout>
  private timerAt = 0
  /** When the last snapshot went out. */
  private sentAt = 0
  private stopped = false

  constructor (libp2p: MeshLibp2p, keeper: PeerKeeper, options: BackboneDirectoryOptions) {
    this.libp2p = libp2p
    this.keeper = keeper
    this.options = options
    this.log = libp2p.logger.forComponent('zentalk:backbone-directory')
  }

  async start (): Promise<void> {
    if (!this.options.operator) return
    await this.libp2p.handle(DIRECTORY_PROTOCOL, async (stream: Stream, connection: Connection) => { await this.receive(stream, connection) },
      { maxInboundStreams: 2, runOnLimitedConnection: false })
    this.libp2p.addEventListener('connection:open', this.schedule)
    this.libp2p.addEventListener('connection:close', this.onClose)
    this.libp2p.addEventListener('peer:identify', this.schedule)
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.libp2p.removeEventListener('connection:open', this.schedule)
    this.libp2p.removeEventListener('connection:close', this.onClose)
    this.libp2p.removeEventListener('peer:identify', this.schedule)
  }

  /** Whether a connected operator node vouches for `peerId` (a budgeted storage node connected to it). */
  has (peerId: string): boolean {
    for (const [operator, peers] of this.heard) if (peers.has(peerId) && this.isOperator(operator)) return true
    return false
  }

  /** Every storage node connected operator nodes vouch for. */
  peers (): Set<string> {
    const self = this.libp2p.peerId.toString()
    const peers = new Set<string>()
    for (const [operator, vouched] of this.heard) {
      if (!this.isOperator(operator)) continue
      for (const id of vouched.keys()) if (id !== self) peers.add(id)
    }
    return peers
  }

  private isOperator (peerId: string): boolean {
    return this.keeper.storagePeers.has(peerId) && !this.keeper.tabPeers.has(peerId) && !this.keeper.budgetedPeers.has(peerId) &&
      !this.keeper.isRelay(peerId)
  }

  /** Sends in `delayMs` (the debounce by default), or sooner if a send is set for sooner. */
  private readonly schedule = (delayMs?: unknown): void => {
    if (this.stopped) return
    const at = Math.max(Date.now() + (typeof delayMs === 'number' ? delayMs : this.options.debounceMs ?? DIRECTORY_DEBOUNCE_MS),
      this.sentAt + (this.options.minIntervalMs ?? DIRECTORY_MIN_INTERVAL_MS))
    if (this.timer !== undefined && this.timerAt <= at) return
    clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.send().catch(err => { this.log('sending the directory failed - %s', err?.message ?? String(err)) })
    }, at - Date.now())
  }

  private readonly onClose = (evt: CustomEvent<Connection>): void => {
    const id = evt.detail.remotePeer.toString()
    if (!this.libp2p.getConnections(evt.detail.remotePeer).some(isUsableConnection)) {
      this.heard.delete(id)
      this.sent.delete(id)
    }
    this.schedule()
  }

  /** Sends this node's snapshot to every connected operator node that has not had it yet. */
  private async send (): Promise<void> {
    const usable = this.libp2p.getConnections().filter(isUsableConnection)
    const connected = new Set(usable.map(c => c.remotePeer.toString()))
    // Only connections that lasted VOUCH_AFTER_MS: those the budgeted node keeps. This node's DHT walks dial tabs for
    // a moment each, and vouching for those sent a new snapshot every few seconds. A younger one is looked at again.
    const now = Date.now()
    const vouchAfter = this.options.vouchAfterMs ?? VOUCH_AFTER_MS
    const chosen = new Set<string>()
    for (const c of usable) {
      const age = now - c.timeline.open
      if (age >= vouchAfter) chosen.add(c.remotePeer.toString())
      else if (this.keeper.budgetedPeers.has(c.remotePeer.toString())) this.schedule(vouchAfter - age)
    }
    const vouched = [...chosen].filter(id => this.keeper.storagePeers.has(id) && this.keeper.budgetedPeers.has(id) && !this.keeper.isRelay(id))
      .sort().slice(0, MAX_VOUCHED)
    const snapshot = vouched.join(',')
    const operators = [...connected].filter(id => this.isOperator(id) && this.sent.get(id) !== snapshot && !this.sending.has(id))
    if (operators.length === 0) return
    this.sentAt = Date.now()
    const peers = await Promise.all(vouched.map(async id => ({ id, addrs: (await addressesOf(this.libp2p, peerIdFromString(id))).map(a => a.bytes) })))
    await Promise.all(operators.map(async operator => {
      const connection = usable.find(c => c.remotePeer.toString() === operator)
      if (connection === undefined) return
      this.sending.add(operator)
      const signal = AbortSignal.timeout(STREAM_TIMEOUT_MS)
      let stream: Stream | undefined
      try {
        stream = await connection.newStream(DIRECTORY_PROTOCOL, { signal })
        const messages = lpStream(stream, { maxDataLength: MAX_CLOSEST_RESPONSE_BYTES })
        for (let i = 0; ; i += MAX_CLOSEST_COUNT) {
          const frame = peers.slice(i, i + MAX_CLOSEST_COUNT)
          await messages.write(encodeClosestResponse(frame), { signal })
          if (frame.length < MAX_CLOSEST_COUNT) break
        }
        await stream.close({ signal })
        // Sent only once the operator took it: it refuses (resets the stream) a snapshot from a node it has not
        // recognised as an operator yet (identify still running on a busy node), and an unchanged snapshot is not
        // sent again; a refused one is, at the next send.
        await closedByRemote(stream, signal)
        this.sent.set(operator, snapshot)
      } catch (err: any) {
        stream?.abort(err instanceof Error ? err : new Error(String(err)))
        // An operator of an older version does not speak the protocol: it is not asked again while connected.
        if (err?.name === 'UnsupportedProtocolError') this.sent.set(operator, snapshot)
        this.log('sending the directory to %s failed - %s', operator, err?.message ?? String(err))
      } finally {
        this.sending.delete(operator)
      }
    }))
    // Connections that opened or closed while sending are sent next.
    if (!this.stopped) this.schedule()
  }

  private async receive (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(STREAM_TIMEOUT_MS)
    const deadline = Date.now() + STREAM_TIMEOUT_MS / 2
    const from = connection.remotePeer.toString()
    try {
      const messages = lpStream(stream, { maxDataLength: MAX_CLOSEST_RESPONSE_BYTES, maxBufferSize: MAX_CLOSEST_RESPONSE_BYTES + 16 })
      const vouched = new Map<string, Multiaddr[]>()
      const earlier = this.heard.get(from)
      for (let frames = 0; ; frames++) {
        if (frames > MAX_VOUCHED / MAX_CLOSEST_COUNT) throw new Error(`a directory names at most ${MAX_VOUCHED} peers`)
        const frame = decodeClosestResponse((await messages.read({ signal })).subarray())
        // A peer the sender's last snapshot named too was checked then, and keeps the addresses it had: most of a
        // snapshot is (parsing peer IDs and addresses was most of the directory's cost in a profile of an idle
        // simulated mesh).
        const fresh = frame.filter(peer => {
          const known = earlier?.get(peer.id)
          if (known !== undefined) vouched.set(peer.id, known)
          return known === undefined
        })
        for (const peer of parseAnswerPeers(fresh)) vouched.set(peer.peerId, peer.addrs)
        if (frame.length < MAX_CLOSEST_COUNT) break
      }
      // Identify runs on both sides of a new connection at once: the sender may have classified this node first.
      while (!this.keeper.storagePeers.has(from) && !this.keeper.nonStoragePeers.has(from) && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      if (!this.isOperator(from)) throw new Error('only operator nodes send a directory')
      await stream.close({ signal })
      if (!this.libp2p.getConnections(connection.remotePeer).some(isUsableConnection)) return
      this.heard.set(from, vouched)
      const self = this.libp2p.peerId.toString()
      for (const [id, addrs] of vouched) {
        if (id === self || this.keeper.storagePeers.has(id) || this.keeper.nonStoragePeers.has(id) || earlier?.has(id) === true) continue
        // A peer met only through the directory: the keeper must not dial it (it chooses its own connections), and a
        // store or repair of this node can reach it at these addresses.
        this.keeper.noteBudgeted(id)
        if (addrs.length > 0) await this.libp2p.peerStore.merge(peerIdFromString(id), { multiaddrs: addrs }).catch(() => {})
      }
    } catch (err: any) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      this.log('a directory from %s was refused - %s', from, err?.message ?? String(err))
    }
  }
}

/**
 * Resolves once the remote end has closed `stream` as well (it read the whole snapshot and kept it); throws when it
 * reset the stream instead (it refused the snapshot), or on `signal`.
 */
async function closedByRemote (stream: Stream, signal: AbortSignal): Promise<void> {
  const refused = (error?: Error): Error => new Error(`the snapshot was refused${error === undefined ? '' : ` - ${error.message}`}`)
  if (stream.status === 'closed') return
  if (stream.status === 'reset' || stream.status === 'aborted') throw refused()
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      stream.removeEventListener('close', onClose)
      signal.removeEventListener('abort', onAbort)
    }
    const onClose = (event: StreamCloseEvent): void => {
      done()
      if (event.error === undefined) resolve()
      else reject(refused(event.error))
    }
    const onAbort = (): void => {
      done()
      reject(signal.reason)
    }
    stream.addEventListener('close', onClose)
    signal.addEventListener('abort', onAbort)
  })
}
