import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'

/** Length of a SHA-256 digest in bytes. */
export const SHA256_BYTES = 32

/** Plain SHA-256. Use `hashWithNamespace` for anything that could be confused with a hash from another context. */
export function sha256 (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(nobleSha256(bytes))
}
