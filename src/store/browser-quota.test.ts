/**
 * Whether a tab's storage is persistent, as the browser answers it: a fake StorageManager per answer (the browser's
 * own answer is checked in real Chromium by indexeddb.browser.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { browserStorageGrant, requestPersistentStorage, type BrowserStorage } from './browser-quota.ts'

const QUOTA = 1_000_000

/** A StorageManager whose `persisted()` and `persist()` answer as given ('throws': rejects), counting persist() calls. */
function fakeStorage (answers: { persisted?: boolean | 'throws' | 'absent', persist: boolean | 'throws' }): BrowserStorage & { persistCalls: number } {
  const answer = async (value: boolean | 'throws'): Promise<boolean> => {
    if (value === 'throws') throw new DOMException('not allowed here', 'InvalidStateError')
    return value
  }
  const storage = {
    persistCalls: 0,
    estimate: async () => ({ quota: QUOTA, usage: 0 }),
    persist: async () => { storage.persistCalls++; return await answer(answers.persist) },
    ...(answers.persisted === 'absent' ? {} : { persisted: async () => await answer(answers.persisted as boolean | 'throws' ?? false) })
  }
  return storage
}

describe('persistent storage for a tab node', () => {
  it('is persistent when the browser grants persist(), and best-effort when it refuses or throws', async () => {
    expect(await requestPersistentStorage(fakeStorage({ persisted: false, persist: true }))).toBe(true)
    expect(await requestPersistentStorage(fakeStorage({ persisted: false, persist: false }))).toBe(false)
    expect(await requestPersistentStorage(fakeStorage({ persisted: false, persist: 'throws' }))).toBe(false)
    expect(await requestPersistentStorage(fakeStorage({ persisted: 'throws', persist: 'throws' }))).toBe(false)
    // A browser without persisted() answers through persist() alone.
    expect(await requestPersistentStorage(fakeStorage({ persisted: 'absent', persist: true }))).toBe(true)
    // persisted() throwing does not keep persist() from being asked.
    expect(await requestPersistentStorage(fakeStorage({ persisted: 'throws', persist: true }))).toBe(true)
  })

  it('is best-effort on a browser whose storage manager has neither call', async () => {
    const bare = { estimate: async () => ({ quota: QUOTA, usage: 0 }) } as unknown as BrowserStorage
    expect(await requestPersistentStorage(bare)).toBe(false)
    expect(await browserStorageGrant(0.5, bare)).toEqual({ quotaBytes: QUOTA / 2, persisted: false })
  })

  it('is persistent when persisted() already says so, whatever persist() would answer, without asking again', async () => {
    const storage = fakeStorage({ persisted: true, persist: false })
    expect(await requestPersistentStorage(storage)).toBe(true)
    expect(storage.persistCalls).toBe(0)
  })

  it('returns the quota share with the answer, and nothing persistent without a storage API', async () => {
    expect(await browserStorageGrant(0.5, fakeStorage({ persisted: false, persist: true }))).toEqual({ quotaBytes: QUOTA / 2, persisted: true })
    expect(await browserStorageGrant(0.1, fakeStorage({ persisted: false, persist: false }))).toEqual({ quotaBytes: QUOTA / 10, persisted: false })
    expect(await browserStorageGrant(0.5, undefined)).toEqual({ quotaBytes: 0, persisted: false })
    expect(await requestPersistentStorage(undefined)).toBe(false)
    await expect(browserStorageGrant(0, fakeStorage({ persist: true }))).rejects.toThrow('fraction')
  })
})
