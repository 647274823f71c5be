/**
 * Display names are self-asserted labels shown next to an address. The rules keep them to one line of
 * ordinary text with exactly one encoding: no control characters, no bidirectional overrides (which can make
 * a name render as someone else's), no surrounding whitespace, NFC-normalised, at most 64 UTF-8 bytes.
 */
export const MAX_DISPLAY_NAME_BYTES = 64

const FORBIDDEN = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u
const utf8 = new TextEncoder()

/** Why `name` is not an acceptable display name, or undefined if it is. The empty string means "not set". */
export function displayNameProblem (name: string): string | undefined {
  if (typeof name !== 'string') {
    return 'a display name must be a string'
  }
  if (name === '') {
    return undefined
  }
  const length = utf8.encode(name).length
  if (length > MAX_DISPLAY_NAME_BYTES) {
    return `display name is ${length} UTF-8 bytes; at most ${MAX_DISPLAY_NAME_BYTES} are allowed`
  }
  if (FORBIDDEN.test(name)) {
    return 'display name contains a control, line-break or text-direction character'
  }
  if (name.trim() !== name) {
    return 'display name starts or ends with whitespace'
  }
  if (name.normalize('NFC') !== name) {
    return 'display name is not in Unicode NFC form'
  }
  return undefined
}
