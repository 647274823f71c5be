import { describe, expect, it } from 'vitest'
import { InvalidNamespaceError } from './errors.ts'
import { sha256 } from './hash.ts'
import { toHex } from './hex.ts'
import { NS_DELETE, NS_HISTORY, NS_INBOX, NS_MANIFEST, hashWithNamespace } from './namespaced-hash.ts'

const utf8 = new TextEncoder()
const abc = utf8.encode('abc')

describe('hashWithNamespace', () => {
  // Expected values were computed independently with node:crypto over the documented layout.
  it.each([
    ['namespace only', NS_HISTORY, [], '3680412c113a4387b15d47893a8dac778dce3cb32b3f9cb7e6332f996eef59e5'],
    ['one part', NS_MANIFEST, [abc], '71d159651475e35b5f84f24bb369412dd347a2686eaa56553e44b106e0bd25f1'],
    ['another namespace', NS_DELETE, [abc], '787f4f4b7cca67a601352f32a7c497196ed2ad36e13699a0ac2e522dcee81989'],
    ['two parts', NS_MANIFEST, [utf8.encode('ab'), utf8.encode('c')], 'ac2ac44688c47fb49490b13b3b855924d408e5a3cbd5aeae842829a3accc4826'],
    ['an empty part', NS_MANIFEST, [new Uint8Array()], '201df42cd5f7f9cf33df2170ea7dc136a426f67cffb0907212defefd26dba251']
  ])('matches the known answer for %s', (_, namespace, parts, expected) => {
    expect(toHex(hashWithNamespace(namespace, ...parts))).toBe(expected)
  })

  it('hashes exactly the documented layout: u32be length before the namespace and before each part', () => {
    const layout = Uint8Array.of(
      0, 0, 0, 19, ...utf8.encode('zentalk/manifest/v1'),
      0, 0, 0, 2, ...utf8.encode('ab'),
      0, 0, 0, 1, ...utf8.encode('c')
    )
    expect(hashWithNamespace(NS_MANIFEST, utf8.encode('ab'), utf8.encode('c'))).toEqual(sha256(layout))
  })

  it('separates namespaces: the same message never hashes alike in two contexts', () => {
    const digests = [NS_HISTORY, NS_INBOX, NS_MANIFEST, NS_DELETE].map(ns => toHex(hashWithNamespace(ns, abc)))
    expect(new Set(digests).size).toBe(4)
    expect(digests).not.toContain(toHex(sha256(abc)))
  })

  it('separates part boundaries: moving bytes between parts or across the namespace changes the hash', () => {
    const whole = toHex(hashWithNamespace(NS_MANIFEST, abc))
    expect(toHex(hashWithNamespace(NS_MANIFEST, utf8.encode('ab'), utf8.encode('c')))).not.toBe(whole)
    expect(toHex(hashWithNamespace(NS_MANIFEST, abc, new Uint8Array()))).not.toBe(whole)
    expect(toHex(hashWithNamespace(NS_MANIFEST + 'a', utf8.encode('bc')))).not.toBe(whole)
    expect(toHex(hashWithNamespace(NS_MANIFEST))).not.toBe(toHex(hashWithNamespace(NS_MANIFEST, new Uint8Array())))
  })

  it('rejects an empty namespace', () => {
    expect(() => hashWithNamespace('', abc)).toThrow(InvalidNamespaceError)
  })

  it('hashes subarray views by their contents only', () => {
    const padded = Uint8Array.of(0xff, ...abc, 0xff)
    expect(hashWithNamespace(NS_INBOX, padded.subarray(1, 4))).toEqual(hashWithNamespace(NS_INBOX, abc))
  })
})
