export { bytesEqual } from './bytes.ts'
export { InvalidHexError, InvalidNamespaceError } from './errors.ts'
export { SHA256_BYTES, sha256 } from './hash.ts'
export { fromHex, toHex } from './hex.ts'
export {
  LENGTH_PREFIX_BYTES,
  MAX_HASHED_PART_BYTES,
  NS_DELETE,
  NS_HISTORY,
  NS_INBOX,
  NS_MANIFEST,
  hashWithNamespace
} from './namespaced-hash.ts'
export { AES_256_GCM_KEY_BYTES, AES_GCM_NONCE_BYTES, AES_GCM_TAG_BYTES, AeadAuthenticationError, aesGcmDecrypt, aesGcmEncrypt } from './aead.ts'
export { drawRandom, systemRandom } from './random.ts'
export type { RandomSource } from './random.ts'
