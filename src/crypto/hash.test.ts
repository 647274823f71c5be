import { describe, expect, it } from 'vitest'
import { SHA256_BYTES, sha256 } from './hash.ts'
import { toHex } from './hex.ts'

const utf8 = new TextEncoder()

// FIPS 180-2 / NIST CAVP vectors.
describe('sha256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1']
  ])('hashes %j to the known answer', (input, expected) => {
    const digest = sha256(utf8.encode(input))
    expect(digest).toHaveLength(SHA256_BYTES)
    expect(toHex(digest)).toBe(expected)
  })
})
