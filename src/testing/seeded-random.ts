/**
 * mulberry32: a tiny deterministic PRNG for tests and benchmarks, so a failing random case reproduces
 * from its seed. Not for anything secret.
 */
export function mulberry32 (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `length` pseudo-random bytes from `random`. */
export function randomBytes (random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let index = 0; index < length; index++) bytes[index] = Math.floor(random() * 256)
  return bytes
}

/** A pseudo-random integer in [0, bound). */
export function randomInt (random: () => number, bound: number): number {
  return Math.floor(random() * bound)
}
