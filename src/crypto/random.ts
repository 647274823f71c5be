import { randomBytes } from '@noble/hashes/utils.js'

/**
 * Where nonces, salts and message ids come from. Production uses the platform CSPRNG; tests inject a fixed
 * source to pin known-answer vectors. Never inject a fixed source outside tests: a repeated nonce and message
 * id under one key breaks AES-GCM.
 */
export type RandomSource = (length: number) => Uint8Array

export const systemRandom: RandomSource = (length) => randomBytes(length)

/** Draws `length` bytes and checks the source kept its contract (a short read would silently weaken a nonce). */
export function drawRandom (random: RandomSource, length: number): Uint8Array<ArrayBuffer> {
  const bytes = random(length)
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RangeError(`random source returned ${bytes?.length ?? typeof bytes} bytes; ${length} were requested`)
  }
  return Uint8Array.from(bytes)
}
