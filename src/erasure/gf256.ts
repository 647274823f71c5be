/**
 * GF(2^8) with the reducing polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d) and generator 2: the field of
 * klauspost/reedsolomon, Backblaze JavaReedSolomon and reed-solomon-erasure. Tables are built once at load.
 */
const POLYNOMIAL = 0x11d

/** EXP[i] = 2^i, doubled in length so EXP[LOG[a] + LOG[b]] needs no modulo. */
const EXP = new Uint8Array(510)
const LOG = new Uint8Array(256)
{
  let value = 1
  for (let power = 0; power < 255; power++) {
    EXP[power] = EXP[power + 255] = value
    LOG[value] = power
    value <<= 1
    if (value & 0x100) value ^= POLYNOMIAL
  }
}

export function gfMul (a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]
}

export function gfInverse (a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(2^8)')
  return EXP[255 - LOG[a]]
}

/** target[i] ^= factor * source[i] for `length` cells: the row operation of matrix products and inversion. */
export function gfAddScaledRow (target: Uint8Array, targetAt: number, source: Uint8Array, sourceAt: number,
  length: number, factor: number): void {
  if (factor === 0) return
  const logFactor = LOG[factor]
  for (let i = 0; i < length; i++) {
    const value = source[sourceAt + i]
    if (value !== 0) target[targetAt + i] ^= EXP[logFactor + LOG[value]]
  }
}

/** target[i] = factor * target[i] for `length` cells. */
export function gfScaleRow (target: Uint8Array, targetAt: number, length: number, factor: number): void {
  for (let i = 0; i < length; i++) target[targetAt + i] = gfMul(factor, target[targetAt + i])
}

/** a^n, with 0^0 = 1 (as klauspost's galExp, which the Vandermonde matrix relies on). */
export function gfPow (a: number, n: number): number {
  if (n === 0) return 1
  if (a === 0) return 0
  return EXP[(LOG[a] * n) % 255]
}

/**
 * The multiplication tables the SIMD kernel shuffles with, 32 bytes per coefficient c: c * x for x < 16
 * (low nibble), then c * (x << 4) (high nibble). c * b = low[b & 15] ^ high[b >> 4], since multiplication by c
 * is linear over XOR.
 */
export function nibbleTables (): Uint8Array {
  const tables = new Uint8Array(256 * 32)
  for (let c = 0; c < 256; c++) {
    for (let x = 0; x < 16; x++) {
      tables[c * 32 + x] = gfMul(c, x)
      tables[c * 32 + 16 + x] = gfMul(c, x << 4)
    }
  }
  return tables
}
