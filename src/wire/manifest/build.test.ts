import { describe, expect, it } from 'vitest'
import { NS_INBOX, NS_MANIFEST, fromHex, sha256, toHex } from '../../crypto/index.ts'
import { InvalidSignatureError, generateWallet, walletFromPrivateKey, type Signer } from '../../identity/index.ts'
import { MalformedMessageError } from '../errors.ts'
import { buildManifest, type BuildManifestInput } from './build.ts'
import { decodeSignedManifest, encodeSignedManifest, manifestObjectId } from './codec.ts'

const owner = walletFromPrivateKey(fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'))
const shards = Array.from({ length: 15 }, (_, index) => new Uint8Array(64).fill(index))

function input (overrides: Partial<BuildManifestInput> = {}): BuildManifestInput {
  return { namespace: NS_INBOX, placementKey: new Uint8Array(32).fill(0xaa), k: 10, m: 5, originalLength: 600, shards, createdAt: 1_767_225_600_000, ...overrides }
}

describe('buildManifest', () => {
  it('builds a default 10 + 5 manifest that any holder can decode and verify', () => {
    const { manifest, objectId } = buildManifest(owner, { ...input(), version: 1 })
    expect(manifest.owner).toBe(owner.address)
    expect(manifest.shardSize).toBe(64)
    expect(manifest.shardHashes.map(toHex)).toEqual(shards.map(shard => toHex(sha256(shard))))
    expect(objectId).toBe(manifest.objectId)
    expect(objectId).toBe(manifestObjectId(manifest.bodyBytes))
    expect(objectId).toMatch(/^[0-9a-f]{64}$/)
    const received = decodeSignedManifest(encodeSignedManifest(manifest))
    expect(received).toEqual(manifest)
  })

  it('gives different objects different IDs: the ID commits to every field', () => {
    const base = buildManifest(owner, input()).objectId
    const variants = [
      input({ createdAt: 1_767_225_600_001 }),
      input({ namespace: 'zentalk/history/v1' }),
      input({ placementKey: new Uint8Array(32).fill(0xab) }),
      input({ originalLength: 599 }),
      input({ k: 11, m: 4 }),
      input({ shards: [...shards.slice(0, 14), new Uint8Array(64).fill(99)] })
    ].map(variant => buildManifest(owner, variant).objectId)
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1)
    expect(buildManifest(generateWallet(), input()).objectId).not.toBe(base)
  })

  it('is deterministic for the same key and inputs', () => {
    const first = buildManifest(owner, input()).manifest
    const second = buildManifest(owner, input()).manifest
    expect(second.bodyBytes).toEqual(first.bodyBytes)
    expect(second.signature).toEqual(first.signature)
  })

  it.each([
    ['fewer shards than k + m', input({ shards: shards.slice(0, 14) }), /got 14 shards but k \+ m = 15/],
    ['shards of different sizes', input({ shards: [...shards.slice(0, 14), new Uint8Array(63)] }), /shard 14 is 63 bytes/],
    ['no shards', input({ k: 0, m: 0, shards: [] }), /k must be at least 1/],
    ['empty shards', input({ shards: shards.map(() => new Uint8Array()), originalLength: 0 }), /shardSize must be at least 1/],
    ['more data than the data shards hold', input({ originalLength: 641 }), /does not fit/],
    ['a fractional length', input({ originalLength: 1.5 }), /originalLength must be an integer/],
    ['a negative createdAt', input({ createdAt: -1 }), /createdAt must be an integer/],
    ['an unsafe createdAt', input({ createdAt: 2 ** 53 }), /createdAt must be an integer/],
    ['a fractional k', input({ k: 9.5, m: 5.5 }), /k must be an integer/],
    ['a short placement key', input({ placementKey: new Uint8Array(16) }), /placementKey must be 32 bytes/],
    ['an empty namespace', input({ namespace: '' }), /namespace/]
  ])('refuses %s', (_, bad, message) => {
    expect(() => buildManifest(owner, bad)).toThrow(MalformedMessageError)
    expect(() => buildManifest(owner, bad)).toThrow(message)
  })

  it('catches a signer that does not sign as its address', () => {
    const impostor: Signer = { address: owner.address, sign: (namespace, message) => generateWallet().sign(namespace, message) }
    expect(() => buildManifest(impostor, input())).toThrow(InvalidSignatureError)
  })

  it('signs the body in the manifest namespace', () => {
    const seen: string[] = []
    const recording: Signer = { address: owner.address, sign: (namespace, message) => { seen.push(namespace); return owner.sign(namespace, message) } }
    buildManifest(recording, input())
    expect(seen).toEqual([NS_MANIFEST])
  })
})
