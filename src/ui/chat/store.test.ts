import { describe, expect, it } from 'vitest'
import type { ChatMessage, MessageProgress, WalletAddress } from '../../node/index.ts'
import { ChatPrefs, type KeyValueStorage } from './prefs.ts'
import { ChatStore, MAX_ALERTS } from './store.ts'

const ME = `0x${'a'.repeat(40)}` as WalletAddress
const BOB = `0x${'b'.repeat(40)}` as WalletAddress

function newStore (): { store: ChatStore, data: Map<string, string> } {
  const data = new Map<string, string>()
  const storage: KeyValueStorage = { getItem: key => data.get(key) ?? null, setItem: (key, value) => { data.set(key, value) } }
  return { store: new ChatStore(new ChatPrefs(storage, ME)), data }
}

const incoming = (id: string, sentAt: number): ChatMessage =>
  ({ messageId: id.padStart(32, '0'), from: BOB, to: ME, text: id, sentAt, direction: 'incoming', peer: BOB, kind: 0 })

describe('ChatStore', () => {
  it('shows a message being sent from its first progress event and keeps its latest state', () => {
    const { store } = newStore()
    const first: MessageProgress = {
      messageId: 'e'.repeat(32), to: BOB, text: 'hello', sentAt: 9, state: 'encrypting', historyShards: 0, inboxShards: 0, totalShards: 15, delivered: false
    }
    store.applyProgress(first)
    store.applyProgress({ ...first, state: 'sent', inboxShards: 15 })
    expect(store.state.messages).toHaveLength(1)
    expect(store.state.messages[0]).toMatchObject({ text: 'hello', direction: 'outgoing', peer: BOB })
    expect(store.state.progress.get(first.messageId)?.state).toBe('sent')
    // The same message read back from the history is not shown twice.
    store.addMessages([{ ...store.state.messages[0] }])
    expect(store.state.messages).toHaveLength(1)
  })

  it('marks what arrives in the open conversation as read, but not while another section shows', () => {
    const { store, data } = newStore()
    store.completeOnboarding()
    store.openConversation(BOB)
    store.addMessages([incoming('1', 10)])
    expect(store.state.readMarks[BOB]).toBe(10)
    expect(JSON.parse(data.get(`zentalk-read:${ME}`)!)).toEqual({ [BOB]: 10 })
    store.setView('identity')
    store.addMessages([incoming('2', 20)])
    expect(store.state.readMarks[BOB]).toBe(10)
    store.setView('chats')
    expect(store.state.readMarks[BOB]).toBe(20)
  })

  it('keeps contacts across restarts and opens a new contact', () => {
    const { store, data } = newStore()
    store.addContact(BOB, 'Bob', 7)
    expect(store.state.openPeer).toBe(BOB)
    const storage: KeyValueStorage = { getItem: key => data.get(key) ?? null, setItem: () => {} }
    expect(new ChatStore(new ChatPrefs(storage, ME)).state.contacts).toEqual([{ address: BOB, name: 'Bob', addedAt: 7 }])
  })

  it('shows each alert text once and at most MAX_ALERTS, dropping the oldest', () => {
    const { store } = newStore()
    store.addAlert('same')
    store.addAlert('same')
    expect(store.state.alerts).toHaveLength(1)
    for (let i = 0; i < MAX_ALERTS + 5; i++) store.addAlert(`alert ${i}`)
    expect(store.state.alerts).toHaveLength(MAX_ALERTS)
    expect(store.state.alerts.at(-1)?.text).toBe(`alert ${MAX_ALERTS + 4}`)
    store.dismissAlert(store.state.alerts[0].id)
    expect(store.state.alerts).toHaveLength(MAX_ALERTS - 1)
  })
})

describe('ChatStore downloads', () => {
  it('tracks downloads this page started, from their progress events to done or failed; others are ignored', () => {
    const { store } = newStore()
    store.applyAttachmentProgress({ attachmentId: 'x', direction: 'download', doneBytes: 1, totalBytes: 2 })
    expect(store.state.downloads.size).toBe(0)
    store.applyDownload('a', { state: 'downloading', doneBytes: 0, totalBytes: 10 })
    store.applyAttachmentProgress({ attachmentId: 'a', direction: 'upload', doneBytes: 9, totalBytes: 10 })
    store.applyAttachmentProgress({ attachmentId: 'a', direction: 'download', doneBytes: 4, totalBytes: 10 })
    expect(store.state.downloads.get('a')).toEqual({ state: 'downloading', doneBytes: 4, totalBytes: 10 })
    store.applyDownload('a', { state: 'done', doneBytes: 10 })
    store.applyAttachmentProgress({ attachmentId: 'a', direction: 'download', doneBytes: 5, totalBytes: 10 })
    expect(store.state.downloads.get('a')).toMatchObject({ state: 'done', doneBytes: 10 })
  })
})
