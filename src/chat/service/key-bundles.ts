/**
 * Key bundles in the mesh: each user publishes their wallet-signed bundle as an object in NS_KEY_BUNDLE_OBJECTS
 * under their own placement key, where holders accept only objects the owner signed. Readers verify again
 * (`verifyKeyBundle` against the address they looked up), so a holder or a forged object cannot substitute a key.
 *
 * Why mesh objects and not DHT records: the object store already finds the exact 15 closest holders, checks
 * owner signatures on write and read, survives holders leaving (erasure coding, repair), and needs no custom
 * kad-dht validator; stock DHT PUT/GET rests on `getClosestPeers`, which is not exact in a small busy mesh.
 */
import { InvalidSignatureError, parseAddress, type WalletAddress } from '../../identity/index.ts'
import type { ObjectId } from '../../types/index.ts'
import { MalformedMessageError, OversizeMessageError, UnsupportedVersionError } from '../../wire/index.ts'
import { KeyBundleOwnerMismatchError } from '../errors.ts'
import { encodeKeyBundle, verifyKeyBundle, type KeyBundle } from '../key-bundle.ts'
import {
  DEFAULT_BUNDLE_CACHE_MS,
  DEFAULT_MISSING_BUNDLE_RETRY_MS,
  DEFAULT_UNKNOWN_BUNDLE_LOOKUPS_PER_MINUTE,
  MAX_MISSING_BUNDLE_RETRY_MS,
  MIN_BUNDLE_REFETCH_MS,
  NS_KEY_BUNDLE_OBJECTS
} from './constants.ts'
import type { DirectoryObjects, OnRejectedRecord } from './directory-deps.ts'
import { KeyBundleLookupDeferredError, KeyBundleNotFoundError } from './errors.ts'
import type { MessageCache } from './message-cache.ts'

export interface KeyBundleDirectoryDeps {
  objects: DirectoryObjects
  cache: MessageCache
  now: () => number
  ttlMs?: number
  onRejected?: OnRejectedRecord
  /** Mesh lookups per minute of addresses with no bundle known here (default DEFAULT_UNKNOWN_BUNDLE_LOOKUPS_PER_MINUTE). */
  unknownLookupsPerMinute?: number
}

/** An address whose bundle the mesh did not have: not asked again before `until`. */
interface Missing {
  until: number
  pauseMs: number
  error: KeyBundleNotFoundError
}

export class KeyBundleDirectory {
  private readonly deps: KeyBundleDirectoryDeps
  private readonly ttlMs: number
  private readonly known = new Map<WalletAddress, { bundle: KeyBundle, at: number }>()
  private readonly pending = new Map<WalletAddress, Promise<KeyBundle>>()
  /** Addresses without a published bundle, with backoff (bounded: oldest dropped past MAX_MISSING_ENTRIES). */
  private readonly missing = new Map<WalletAddress, Missing>()
  /** Unknown addresses looked up in the mesh within the last minute, and when (each counts once per minute). */
  private readonly unknownLookups = new Map<WalletAddress, number>()
  private readonly unknownLookupsPerMinute: number

  constructor (deps: KeyBundleDirectoryDeps) {
    this.deps = deps
    this.ttlMs = deps.ttlMs ?? DEFAULT_BUNDLE_CACHE_MS
    this.unknownLookupsPerMinute = deps.unknownLookupsPerMinute ?? DEFAULT_UNKNOWN_BUNDLE_LOOKUPS_PER_MINUTE
  }

  /** Stores the owner's own bundle in the mesh and remembers it. */
  async publish (bundle: KeyBundle, options: { signal?: AbortSignal } = {}): Promise<ObjectId> {
    const { objectId } = await this.deps.objects.storeObject(encodeKeyBundle(bundle), { namespace: NS_KEY_BUNDLE_OBJECTS, signal: options.signal })
    await this.remember(bundle)
    return objectId
  }

  /** Keeps a verified bundle in memory and in the local cache. */
  async remember (bundle: KeyBundle): Promise<void> {
    this.known.set(bundle.owner, { bundle, at: this.deps.now() })
    this.missing.delete(bundle.owner)
    await this.deps.cache.putKeyBundle(bundle.owner, encodeKeyBundle(bundle))
  }

  /**
   * A verified bundle this device already has (in memory however old, or in its local cache), without asking the
   * mesh: for showing cached messages before the mesh answers.
   */
  async local (address: WalletAddress): Promise<KeyBundle | undefined> {
    return this.peek(address) ?? await this.persisted(address)
  }

  /**
   * A bundle `owner` sent along with a message: verified like any bundle, and kept unless a newer one is known.
   * Returns whether it was kept; a bundle that fails verification is ignored (the mesh's is looked up instead).
   */
  async offer (owner: WalletAddress, bytes: Uint8Array): Promise<boolean> {
    let bundle: KeyBundle
    try {
      bundle = verifyKeyBundle(bytes, owner)
    } catch {
      return false
    }
    const known = this.peek(owner)
    if (known !== undefined && known.createdAt >= bundle.createdAt) return false
    await this.remember(bundle)
    return true
  }

  /** A bundle already in memory, however old. */
  peek (address: WalletAddress): KeyBundle | undefined {
    return this.known.get(address)?.bundle
  }

  /**
   * The verified bundle of `address`: from memory if looked up within the cache time (with `fresh`, within
   * MIN_BUNDLE_REFETCH_MS, so envelopes with a wrong key cannot make this node refetch for each one), else
   * from the mesh (the newest valid one). When the mesh cannot answer, the last verified bundle (memory or local
   * cache) is used. Bundles that fail verification are reported to `onRejected`. Bounded for addresses without a
   * known bundle (what an inbox flood of fresh identities brings): one found to have none is not asked for again
   * for a minute, then two, up to an hour; and at most `unknownLookupsPerMinute` of them go to the mesh per minute,
   * the others fail at once (their messages wait for a later read). `fresh` (a message being sent, queued for the
   * recipient's bundle) asks the mesh whatever these say.
   * @throws {KeyBundleNotFoundError} when none is published (or the lookup was put off); the verification error (e.g.
   *   `KeyBundleSignatureError`) when only invalid ones are; mesh errors (`NoHoldersReachableError`) when the mesh
   *   cannot answer and nothing is cached
   */
  async lookup (address: WalletAddress | string, options: { fresh?: boolean } = {}): Promise<KeyBundle> {
    const owner = parseAddress(address)
    const known = this.known.get(owner)
    const maxAgeMs = options.fresh === true ? Math.min(MIN_BUNDLE_REFETCH_MS, this.ttlMs) : this.ttlMs
    if (known !== undefined && this.deps.now() - known.at < maxAgeMs) return known.bundle
    if (known === undefined && options.fresh !== true) {
      const now = this.deps.now()
      const missing = this.missing.get(owner)
      if (missing !== undefined && now < missing.until) throw missing.error
      if (!this.pending.has(owner) && !this.unknownLookups.has(owner) && await this.persisted(owner) === undefined) {
        for (const [address, at] of this.unknownLookups) if (now - at >= UNKNOWN_LOOKUP_WINDOW_MS) this.unknownLookups.delete(address)
        if (!this.unknownLookups.has(owner) && this.unknownLookups.size >= this.unknownLookupsPerMinute) {
          throw new KeyBundleLookupDeferredError(`the key bundle of ${owner} is not known here, and this device has looked up ` +
            `${this.unknownLookups.size} unknown addresses within the last minute, its limit; their messages are opened on a later read`)
        }
        this.unknownLookups.set(owner, now)
      }
    }
    let running = this.pending.get(owner)
    if (running === undefined) {
      running = this.fetchOrFallBack(owner).finally(() => this.pending.delete(owner))
      this.pending.set(owner, running)
    }
    return await running
  }

  private async fetchOrFallBack (owner: WalletAddress): Promise<KeyBundle> {
    try {
      const bundle = await this.fetchPublished(owner)
      await this.remember(bundle)
      return bundle
    } catch (error) {
      if (isVerificationError(error)) throw error
      const fallback = this.known.get(owner)?.bundle ?? await this.persisted(owner)
      if (fallback !== undefined) return fallback
      if (error instanceof KeyBundleNotFoundError) this.rememberMissing(owner, error)
      throw error
    }
  }

  /** `owner` has no bundle in the mesh: not asked again for a while, longer each time. */
  private rememberMissing (owner: WalletAddress, error: KeyBundleNotFoundError): void {
    const earlier = this.missing.get(owner)
    const pauseMs = earlier === undefined ? DEFAULT_MISSING_BUNDLE_RETRY_MS : Math.min(earlier.pauseMs * 2, MAX_MISSING_BUNDLE_RETRY_MS)
    this.missing.delete(owner)
    this.missing.set(owner, { until: this.deps.now() + pauseMs, pauseMs, error })
    if (this.missing.size > MAX_MISSING_ENTRIES) this.missing.delete(this.missing.keys().next().value!)
  }

  /**
   * The newest valid bundle the mesh has for `owner`, with no cache or fallback (e.g. to check one's own
   * bundle is published). Errors as `lookup`, without the fallback.
   */
  async fetchPublished (owner: WalletAddress): Promise<KeyBundle> {
    const { objects, failed } = await this.deps.objects.fetchObjects(owner, { namespace: NS_KEY_BUNDLE_OBJECTS })
    let newest: KeyBundle | undefined
    const problems: Error[] = []
    for (const object of objects) {
      try {
        const bundle = verifyKeyBundle(object.bytes, owner)
        if (newest === undefined || bundle.createdAt > newest.createdAt) newest = bundle
      } catch (error) {
        const problem = error instanceof Error ? error : new Error(String(error))
        problems.push(problem)
        this.deps.onRejected?.(owner, problem)
      }
    }
    if (newest !== undefined) return newest
    if (problems.length > 0) throw problems[0]
    throw new KeyBundleNotFoundError(`no key bundle is published for ${owner}` +
      (failed.length > 0 ? ` (${failed.length} could not be rebuilt from the holders that answered)` : '') +
      '; they must open ZenTalk once before they can receive messages')
  }

  private async persisted (owner: WalletAddress): Promise<KeyBundle | undefined> {
    const bytes = await this.deps.cache.getKeyBundle(owner)
    if (bytes === undefined) return undefined
    try {
      return verifyKeyBundle(bytes, owner)
    } catch {
      return undefined
    }
  }
}

const UNKNOWN_LOOKUP_WINDOW_MS = 60_000
/** Addresses remembered as having no bundle. */
const MAX_MISSING_ENTRIES = 10_000

/** Errors that say "the bundle is bad", as opposed to "the mesh could not answer". */
function isVerificationError (error: unknown): boolean {
  return error instanceof InvalidSignatureError || error instanceof KeyBundleOwnerMismatchError ||
    error instanceof MalformedMessageError || error instanceof OversizeMessageError || error instanceof UnsupportedVersionError
}
