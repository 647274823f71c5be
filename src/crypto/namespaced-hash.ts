import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { InvalidNamespaceError } from './errors.ts'

/** Content namespace of a user's own chat history objects. */
export const NS_HISTORY = 'zentalk/history/v1'
/** Content namespace of messages waiting in a recipient's mesh inbox. */
export const NS_INBOX = 'zentalk/inbox/v1'
/** Object IDs and owner signatures of shard manifests. */
export const NS_MANIFEST = 'zentalk/manifest/v1'
/** Owner signatures authorising the deletion of an object. */
export const NS_DELETE = 'zentalk/delete/v1'

/**
 * Byte layout hashed by `hashWithNamespace`:
 *
 *   u32be(len(ns)) ‖ ns (UTF-8) ‖ u32be(len(part₀)) ‖ part₀ ‖ … ‖ u32be(len(partₙ₋₁)) ‖ partₙ₋₁
 *
 * Every field carries its length, so the input decodes to exactly one (namespace, parts) list: two different
 * namespaces, or the same bytes split into parts differently, never produce the same hashed input.
 */
export const LENGTH_PREFIX_BYTES = 4
/** Largest namespace or part a 4-byte length prefix can describe. */
export const MAX_HASHED_PART_BYTES = 0xffff_ffff

const utf8 = new TextEncoder()

/** SHA-256 over the layout above. Throws `InvalidNamespaceError` for an empty namespace. */
export function hashWithNamespace (namespace: string, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new InvalidNamespaceError('a hash namespace must be a non-empty string')
  }
  const hasher = nobleSha256.create()
  const namespaceBytes = utf8.encode(namespace)
  hasher.update(lengthPrefix(namespaceBytes.length))
  hasher.update(namespaceBytes)
  for (const part of parts) {
    hasher.update(lengthPrefix(part.length))
    hasher.update(part)
  }
  return new Uint8Array(hasher.digest())
}

function lengthPrefix (length: number): Uint8Array {
  if (length > MAX_HASHED_PART_BYTES) {
    throw new RangeError(`cannot hash a part of ${length} bytes; the length prefix holds at most ${MAX_HASHED_PART_BYTES}`)
  }
  const prefix = new Uint8Array(LENGTH_PREFIX_BYTES)
  new DataView(prefix.buffer).setUint32(0, length, false)
  return prefix
}
