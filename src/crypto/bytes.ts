/**
 * Byte-wise equality whose running time depends only on the lengths, not on where the inputs differ,
 * so comparing a secret-derived value (a MAC, a hash an attacker is guessing) leaks nothing but its length.
 * Lengths are treated as public.
 */
export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false
  }
  let difference = 0
  for (let i = 0; i < a.length; i++) {
    difference |= a[i] ^ b[i]
  }
  return difference === 0
}
