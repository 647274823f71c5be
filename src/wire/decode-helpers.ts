/** Decoding steps every versioned wire message shares. */
import { reader as createReader } from 'protons-runtime'
import { MalformedMessageError } from './errors.ts'

/** Protobuf tag of field 1 as a varint (`uint32 version`): (1 << 3) | wire type 0. */
const VERSION_FIELD_TAG = 0x08

/** Runs a protons decode and turns any failure into a MalformedMessageError naming what was decoded. */
export function decodeOrThrow<T> (what: string, decode: () => T): T {
  try {
    return decode()
  } catch (cause) {
    throw new MalformedMessageError(`${what} cannot be decoded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

/**
 * Reads field 1, `uint32 version`, which every versioned message starts with (encoders write fields in number
 * order and version 0 is never valid, so it is always present), before decoding the rest: a message of an
 * unknown version is refused for its version, not reported as garbage.
 */
export function readLeadingVersion (what: string, bytes: Uint8Array): number {
  return decodeOrThrow(`${what} version`, () => {
    const fieldReader = createReader(bytes)
    if (fieldReader.uint32() !== VERSION_FIELD_TAG) {
      throw new Error(`the ${what} does not start with its version field`)
    }
    return fieldReader.uint32()
  })
}
