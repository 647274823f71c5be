/**
 * Keeps this identity's presence record current: publishes one on start, again before it expires, and again
 * when the node's listen addresses change (a tab gets its relay reservation after it starts). Publications run
 * one at a time, each followed by deleting the records it replaced, so sequences only grow and a cleanup never
 * removes a newer record.
 */
import type { Signer } from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { MAX_MULTIADDR_CHARS, MAX_PRESENCE_MULTIADDRS, createPresence, type PresenceRecord } from '../presence.ts'
import { DEFAULT_PRESENCE_LIFETIME_MS, DEFAULT_PRESENCE_REFRESH_MS, PRESENCE_ADDRESS_DEBOUNCE_MS } from './constants.ts'
import type { PresenceDirectory } from './presence-records.ts'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** What presence publishing uses of libp2p (a libp2p node is one). */
export interface PresenceLibp2p {
  readonly peerId: PeerId
  getMultiaddrs(): Multiaddr[]
  addEventListener(type: 'self:peer:update', listener: () => void): void
  removeEventListener(type: 'self:peer:update', listener: () => void): void
}

export interface PresencePublisherInit {
  wallet: Signer
  libp2p: PresenceLibp2p
  directory: PresenceDirectory
  now: () => number
  lifetimeMs?: number
  refreshMs?: number
  /** Runs before each periodic refresh (the service makes sure its key bundle is published). */
  beforeRefresh?: () => Promise<void>
  onPublished?: (record: PresenceRecord) => void
  onError?: (error: Error) => void
}

export class PresencePublisher {
  private readonly init: PresencePublisherInit
  private readonly lifetimeMs: number
  private readonly refreshMs: number
  private queue: Promise<unknown> = Promise.resolve()
  private lastSequence = 0
  private publishedAddresses: string | undefined
  private refreshTimer: ReturnType<typeof setTimeout> | undefined
  private addressTimer: ReturnType<typeof setTimeout> | undefined
  private running = false

  constructor (init: PresencePublisherInit) {
    this.init = init
    this.lifetimeMs = init.lifetimeMs ?? DEFAULT_PRESENCE_LIFETIME_MS
    this.refreshMs = init.refreshMs ?? DEFAULT_PRESENCE_REFRESH_MS
    if (!(this.refreshMs < this.lifetimeMs)) {
      throw new RangeError(`presence must be refreshed (every ${this.refreshMs} ms) before it expires (${this.lifetimeMs} ms)`)
    }
    this.onAddressChange = this.onAddressChange.bind(this)
  }

  /** Starts the periodic refresh and the address watch; the first publication is the caller's `publish()`. */
  start (): void {
    if (this.running) return
    this.running = true
    this.init.libp2p.addEventListener('self:peer:update', this.onAddressChange)
    this.scheduleRefresh()
  }

  async stop (): Promise<void> {
    this.running = false
    this.init.libp2p.removeEventListener('self:peer:update', this.onAddressChange)
    clearTimeout(this.refreshTimer)
    clearTimeout(this.addressTimer)
    await this.queue.catch(() => {})
  }

  /** Signs and stores a new record naming this node and its current addresses; resolves once it is stored. */
  async publish (): Promise<PresenceRecord> {
    const published = this.queue.then(async () => await this.publishNow())
    this.queue = published.then(
      async ({ objectId }) => { await this.init.directory.prune(objectId).catch(error => this.init.onError?.(error)) },
      () => {}
    )
    return (await published).record
  }

  private async publishNow (): Promise<{ record: PresenceRecord, objectId: ObjectId }> {
    const now = Math.floor(this.init.now())
    const sequence = Math.max(now, this.lastSequence + 1)
    const addresses = this.currentAddresses()
    const input = { peerId: this.init.libp2p.peerId.toString(), multiaddrs: addresses, sequence, issuedAt: now, validUntil: now + this.lifetimeMs }
    let record: PresenceRecord
    try {
      record = createPresence(this.init.wallet, input)
    } catch {
      // An address the record format refuses must not keep the user unreachable: the peer ID alone still works
      // when the sender's node knows an address for it (it usually does, from the mesh).
      record = createPresence(this.init.wallet, { ...input, multiaddrs: [] })
    }
    this.lastSequence = sequence
    const objectId = await this.init.directory.publish(record)
    this.publishedAddresses = addresses.join(' ')
    this.init.onPublished?.(record)
    return { record, objectId }
  }

  /** Own addresses a record may carry: at most 16, each short enough and ending (if at all) in this peer. */
  private currentAddresses (): string[] {
    const self = this.init.libp2p.peerId.toString()
    return this.init.libp2p.getMultiaddrs()
      .filter(address => {
        const peer = address.getComponents().findLast(component => component.name === 'p2p')?.value
        return peer === undefined || peer === self
      })
      .map(address => address.toString())
      .filter(address => address.length <= MAX_MULTIADDR_CHARS)
      .slice(0, MAX_PRESENCE_MULTIADDRS)
  }

  private scheduleRefresh (): void {
    if (!this.running) return
    this.refreshTimer = setTimeout(() => {
      void (async () => {
        try {
          await this.init.beforeRefresh?.()
          await this.publish()
        } catch (error) {
          this.init.onError?.(error instanceof Error ? error : new Error(String(error)))
        }
        this.scheduleRefresh()
      })()
    }, this.refreshMs)
    unref(this.refreshTimer)
  }

  private onAddressChange (): void {
    if (!this.running) return
    clearTimeout(this.addressTimer)
    this.addressTimer = setTimeout(() => {
      if (!this.running || this.currentAddresses().join(' ') === this.publishedAddresses) return
      this.publish().catch(error => this.init.onError?.(error instanceof Error ? error : new Error(String(error))))
    }, PRESENCE_ADDRESS_DEBOUNCE_MS)
    unref(this.addressTimer)
  }
}

/** A Node timer must not keep a headless process alive; browsers' timers have no `unref`. */
function unref (timer: unknown): void {
  (timer as { unref?: () => void }).unref?.()
}
