/**
 * Verified manifests of the objects this node holds, by object ID. An object ID is the hash of the signed manifest
 * body, so once a manifest has verified for an ID, the same bytes verify again: only bytes that differ from the
 * remembered ones (a corrupt record) are decoded and checked again.
 */
import { bytesEqual } from '../crypto/index.ts'
import type { ObjectId } from '../types/index.ts'
import { decodeSignedManifest, type SignedManifest } from '../wire/index.ts'
import { InvalidChunkResponseError } from '../protocols/index.ts'

export interface KnownManifest { manifest: SignedManifest, manifestBytes: Uint8Array }

export class ManifestCache {
  private readonly known = new Map<ObjectId, KnownManifest>()

  /** The manifest `bytes` encode, verified and filed under `objectId`, or why not. */
  verified (objectId: ObjectId, bytes: Uint8Array): SignedManifest | Error {
    const cached = this.known.get(objectId)
    if (cached !== undefined && bytesEqual(cached.manifestBytes, bytes)) return cached.manifest
    let manifest: SignedManifest
    try {
      manifest = decodeSignedManifest(bytes)
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error))
    }
    if (manifest.objectId !== objectId) {
      return new InvalidChunkResponseError(`a shard filed under object ${objectId} carries the manifest of ${manifest.objectId}`)
    }
    this.known.set(objectId, { manifest, manifestBytes: Uint8Array.from(bytes) })
    return manifest
  }

  get (objectId: ObjectId): KnownManifest | undefined {
    return this.known.get(objectId)
  }

  /** Forgets every object not in `held`. */
  retain (held: ReadonlySet<string>): void {
    for (const objectId of this.known.keys()) if (!held.has(objectId)) this.known.delete(objectId)
  }
}
