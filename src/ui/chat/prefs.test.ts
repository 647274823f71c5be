import { describe, expect, it, vi } from 'vitest'
import type { WalletAddress } from '../../node/index.ts'
import { ChatPrefs, contactsKey, parseContacts, parseReadMarks, readMarksKey, type KeyValueStorage } from './prefs.ts'

const ME = `0x${'a'.repeat(40)}` as WalletAddress
const BOB = `0x${'b'.repeat(40)}` as WalletAddress

function memoryStorage (): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: key => data.get(key) ?? null, setItem: (key, value) => { data.set(key, value) } }
}

describe('ChatPrefs', () => {
  it('keeps onboarding, contacts and read marks per identity', () => {
    const storage = memoryStorage()
    const prefs = new ChatPrefs(storage, ME)
    expect(prefs.isOnboarded()).toBe(false)
    prefs.setOnboarded()
    prefs.saveContacts([{ address: BOB, name: 'Bob', addedAt: 3 }])
    prefs.saveReadMarks({ [BOB]: 42 })
    expect(storage.data.has(`zentalk-onboarded:${ME}`)).toBe(true)
    expect(JSON.parse(storage.data.get(contactsKey(ME))!)).toEqual([{ address: BOB, name: 'Bob', addedAt: 3 }])
    const again = new ChatPrefs(storage, ME)
    expect(again.isOnboarded()).toBe(true)
    expect(again.loadContacts()).toEqual([{ address: BOB, name: 'Bob', addedAt: 3 }])
    expect(again.loadReadMarks()).toEqual({ [BOB]: 42 })
    const other = new ChatPrefs(storage, BOB)
    expect(other.isOnboarded()).toBe(false)
    expect(other.loadContacts()).toEqual([])
    expect(prefs.concerns(readMarksKey(ME))).toBe(true)
    expect(prefs.concerns(readMarksKey(BOB))).toBe(false)
  })

  it('survives a storage that refuses reads and writes', () => {
    const broken: KeyValueStorage = { getItem: () => { throw new Error('denied') }, setItem: () => { throw new Error('full') } }
    const prefs = new ChatPrefs(broken, ME)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(prefs.isOnboarded()).toBe(false)
    expect(() => { prefs.saveContacts([]) }).not.toThrow()
    expect(warn).toHaveBeenCalledOnce()
    warn.mockRestore()
    expect(new ChatPrefs(undefined, ME).loadContacts()).toEqual([])
  })
})

describe('parsing stored settings', () => {
  it('skips what is not a contact and lowercases addresses', () => {
    const json = JSON.stringify([
      { address: BOB.toUpperCase().replace('0X', '0x'), name: ' Bob ', addedAt: 1 },
      { address: BOB, name: 'duplicate' },
      { address: 'nope' }, null, 7, { address: `0x${'c'.repeat(40)}`, name: 5 }
    ])
    expect(parseContacts(json)).toEqual([{ address: BOB, name: 'Bob', addedAt: 1 }, { address: `0x${'c'.repeat(40)}`, addedAt: 0 }])
    expect(parseContacts('{not json')).toEqual([])
    expect(parseContacts(null)).toEqual([])
  })

  it('keeps only address → time read marks', () => {
    expect(parseReadMarks(JSON.stringify({ [BOB]: 5, nope: 6, [ME]: 'x' }))).toEqual({ [BOB]: 5 })
    expect(parseReadMarks('[1]')).toEqual({})
  })
})
