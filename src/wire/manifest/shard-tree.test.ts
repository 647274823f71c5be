import { describe, expect, it } from 'vitest'
import { fromHex, sha256, toHex } from '../../crypto/index.ts'
import { SHARD_PROOF_HASH_BYTES, shardProofLength, shardTreeLeafHash, shardTreeProofs, shardTreeRoot, verifyShardTreeProof } from './shard-tree.ts'

// Certificate Transparency's reference leaves and tree heads (RFC 6962 hashing, as in certificate-transparency-go
// and Trillian): the shard tree is this tree with shard hashes as its leaf inputs.
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex => fromHex(hex))
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'
]
const CT_INCLUSION = [
  { index: 0, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { index: 5, proof: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] }
]

const leafInputs = (count: number): Uint8Array[] => Array.from({ length: count }, (_, i) => sha256(Uint8Array.of(i, count)))

describe('shard tree (RFC 6962)', () => {
  it('hashes a leaf as SHA-256(0x00 ‖ input)', () => {
    expect(toHex(shardTreeLeafHash(new Uint8Array()))).toBe(CT_ROOTS[0])
  })

  it('matches the reference tree heads of 1 to 8 leaves', () => {
    for (let size = 1; size <= CT_LEAVES.length; size++) {
      expect(toHex(shardTreeRoot(CT_LEAVES.slice(0, size))), `size ${size}`).toBe(CT_ROOTS[size - 1])
    }
  })

  it('produces the reference inclusion proofs and verifies them', () => {
    const proofs = shardTreeProofs(CT_LEAVES)
    for (const { index, proof } of CT_INCLUSION) {
      expect(toHex(proofs[index])).toBe(proof.join(''))
      expect(verifyShardTreeProof(fromHex(CT_ROOTS[7]), index, 8, CT_LEAVES[index], fromHex(proof.join('')))).toBe(true)
    }
  })

  it('for every tree size up to 40: every proof verifies its own leaf at its index, has the predicted length, and fails elsewhere', () => {
    for (let size = 1; size <= 40; size++) {
      const leaves = leafInputs(size)
      const root = shardTreeRoot(leaves)
      const proofs = shardTreeProofs(leaves)
      proofs.forEach((proof, index) => {
        expect(proof.length).toBe(shardProofLength(index, size) * SHARD_PROOF_HASH_BYTES)
        expect(verifyShardTreeProof(root, index, size, leaves[index], proof), `leaf ${index} of ${size}`).toBe(true)
        for (let other = 0; other < size; other++) {
          if (other !== index) expect(verifyShardTreeProof(root, other, size, leaves[index], proof), `leaf ${index} at ${other} of ${size}`).toBe(false)
        }
        if (size > 1) expect(verifyShardTreeProof(root, index, size, leaves[(index + 1) % size], proof)).toBe(false)
      })
    }
  })

  it('gives 15 shards proofs of 4 hashes (3 for the last), 128 bytes at most', () => {
    expect(Array.from({ length: 15 }, (_, index) => shardProofLength(index, 15))).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3])
    expect(Math.max(...shardTreeProofs(leafInputs(15)).map(proof => proof.length))).toBe(128)
  })

  it('rejects a changed leaf, root or sibling, an index outside the tree and a proof of the wrong length', () => {
    const leaves = leafInputs(15)
    const root = shardTreeRoot(leaves)
    const proof = shardTreeProofs(leaves)[6]
    const flip = (bytes: Uint8Array, at: number): Uint8Array => { const copy = Uint8Array.from(bytes); copy[at] ^= 1; return copy }
    expect(verifyShardTreeProof(root, 6, 15, leaves[6], proof)).toBe(true)
    expect(verifyShardTreeProof(root, 6, 15, flip(leaves[6], 0), proof)).toBe(false)
    expect(verifyShardTreeProof(flip(root, 31), 6, 15, leaves[6], proof)).toBe(false)
    for (let at = 0; at < proof.length; at += 13) expect(verifyShardTreeProof(root, 6, 15, leaves[6], flip(proof, at))).toBe(false)
    for (const index of [-1, 15, 1.5, Number.NaN]) expect(verifyShardTreeProof(root, index, 15, leaves[6], proof)).toBe(false)
    expect(verifyShardTreeProof(root, 6, 15, leaves[6], proof.subarray(0, 96))).toBe(false)
    expect(verifyShardTreeProof(root, 6, 15, leaves[6], Uint8Array.of(...proof, ...new Uint8Array(32)))).toBe(false)
    expect(verifyShardTreeProof(root, 6, 15, leaves[6], proof.subarray(1))).toBe(false)
  })

  it('refuses an empty tree', () => {
    expect(() => shardTreeRoot([])).toThrow(RangeError)
  })
})
