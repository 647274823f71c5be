/**
 * AES-256-GCM through WebCrypto (present in browsers and Node 22), with a 96-bit nonce and a 128-bit tag
 * appended to the ciphertext, the layout WebCrypto produces. Both the envelope and the backup use it.
 */
export const AES_256_GCM_KEY_BYTES = 32
export const AES_GCM_NONCE_BYTES = 12
export const AES_GCM_TAG_BYTES = 16
const AES_GCM_TAG_BITS = AES_GCM_TAG_BYTES * 8

/** Thrown by `aesGcmDecrypt` when the tag does not verify; callers turn it into their own typed error. */
export class AeadAuthenticationError extends Error {
  override readonly name = 'AeadAuthenticationError'
}

export async function aesGcmEncrypt (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  checkNonce(nonce)
  const cryptoKey = await importKey(key, 'encrypt')
  const params = { name: 'AES-GCM', iv: Uint8Array.from(nonce), additionalData: Uint8Array.from(associatedData), tagLength: AES_GCM_TAG_BITS }
  return new Uint8Array(await globalThis.crypto.subtle.encrypt(params, cryptoKey, Uint8Array.from(plaintext)))
}

/** @throws {AeadAuthenticationError} if the ciphertext, nonce, associated data or key do not match */
export async function aesGcmDecrypt (key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  checkNonce(nonce)
  const cryptoKey = await importKey(key, 'decrypt')
  const params = { name: 'AES-GCM', iv: Uint8Array.from(nonce), additionalData: Uint8Array.from(associatedData), tagLength: AES_GCM_TAG_BITS }
  try {
    return new Uint8Array(await globalThis.crypto.subtle.decrypt(params, cryptoKey, Uint8Array.from(ciphertext)))
  } catch (cause) {
    throw new AeadAuthenticationError('AES-GCM authentication failed', { cause })
  }
}

async function importKey (key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  if (key.length !== AES_256_GCM_KEY_BYTES) {
    throw new RangeError(`an AES-256 key is ${AES_256_GCM_KEY_BYTES} bytes, got ${key.length}`)
  }
  return await globalThis.crypto.subtle.importKey('raw', Uint8Array.from(key), { name: 'AES-GCM' }, false, [usage])
}

function checkNonce (nonce: Uint8Array): void {
  // WebCrypto accepts other IV lengths, which GCM then hashes; the formats here fix it at 96 bits.
  if (nonce.length !== AES_GCM_NONCE_BYTES) {
    throw new RangeError(`an AES-GCM nonce is ${AES_GCM_NONCE_BYTES} bytes here, got ${nonce.length}`)
  }
}
