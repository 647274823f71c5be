import { fromHex, toHex } from '../crypto/index.ts'
import { MalformedMessageError } from '../wire/index.ts'

/**
 * A message id is 16 bytes chosen at random by the sender, written as 32 lowercase hex digits. Random rather
 * than derived from the content: the sender knows the id before encrypting (it salts the key), and equal texts
 * sent twice do not get equal ids that would reveal they are equal. 128 random bits make collisions negligible;
 * ids are unique per sender, so stores should key messages by (sender, id).
 */
export const MESSAGE_ID_BYTES = 16
const MESSAGE_ID_PATTERN = /^[0-9a-f]{32}$/

/** @throws {MalformedMessageError} unless 32 lowercase hex digits */
export function messageIdToBytes (messageId: string): Uint8Array<ArrayBuffer> {
  if (typeof messageId !== 'string' || !MESSAGE_ID_PATTERN.test(messageId)) {
    throw new MalformedMessageError(`a message id is ${MESSAGE_ID_BYTES * 2} lowercase hex digits, got "${String(messageId).slice(0, 64)}"`)
  }
  return fromHex(messageId, MESSAGE_ID_BYTES)
}

/** @throws {MalformedMessageError} unless exactly 16 bytes */
export function messageIdFromBytes (bytes: Uint8Array, field = 'message id'): string {
  if (bytes.length !== MESSAGE_ID_BYTES) {
    throw new MalformedMessageError(`${field} must be ${MESSAGE_ID_BYTES} bytes, got ${bytes.length}`)
  }
  return toHex(bytes)
}
