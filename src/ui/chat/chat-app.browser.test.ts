// Runs in real Chromium (Vitest browser mode). The chat service is a stand-in that emits the service's events,
// so these tests cover what the screen does with them, not the mesh.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TypedEvents, type ChatMessage, type ChatServiceEvents, type HistoryReport, type MessageProgress, type SendResult, type WalletAddress } from '../../node/index.ts'
import { mountChatApp, type ChatApp, type ChatIdentity } from './index.ts'
import '../style.css'

const ME = `0x${'1'.repeat(40)}` as WalletAddress
const BOB = `0x${'b'.repeat(40)}` as WalletAddress
const CAROL = `0x${'c'.repeat(40)}` as WalletAddress

let root: HTMLElement
let nodePanel: HTMLElement
let events: TypedEvents<ChatServiceEvents>
let history: HistoryReport
let app: ChatApp | undefined
let sent: Array<{ to: string, text: string }>
let sendImpl: (to: string, text: string) => Promise<SendResult>
let identity: ChatIdentity

const $ = <E extends Element = HTMLElement>(selector: string): E | null => root.querySelector<E>(selector)
const $$ = (selector: string): HTMLElement[] => [...root.querySelectorAll<HTMLElement>(selector)]
const settle = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 0)) }

function incoming (id: string, sentAt: number, text: string, from: WalletAddress = BOB): ChatMessage {
  return { messageId: id.padStart(32, '0'), from, to: ME, text, sentAt, direction: 'incoming', peer: from, kind: 0 }
}

function progress (change: Partial<MessageProgress> & Pick<MessageProgress, 'messageId' | 'text'>): MessageProgress {
  return { to: BOB, sentAt: Date.now(), state: 'encrypting', historyShards: 0, inboxShards: 0, totalShards: 15, delivered: false, ...change }
}

async function mount (options: { onboarded?: boolean, markRead?: (peer: string, ids: string[]) => Promise<void> } = {}): Promise<ChatApp> {
  if (options.onboarded ?? true) localStorage.setItem(`zentalk-onboarded:${ME}`, '1')
  app = mountChatApp({ root, nodePanel, chat: { events, readHistory: async () => history, markRead: options.markRead }, identity, send: async (to, text) => await sendImpl(to, text) })
  await settle()
  return app
}

beforeEach(() => {
  for (const key of ['onboarded', 'contacts', 'read']) localStorage.removeItem(`zentalk-${key}:${ME}`)
  root = document.body.appendChild(document.createElement('main'))
  nodePanel = document.body.appendChild(document.createElement('section'))
  nodePanel.hidden = true
  events = new TypedEvents<ChatServiceEvents>()
  history = { messages: [], rejected: [], unavailable: [] }
  sent = []
  sendImpl = async (to, text) => {
    sent.push({ to, text })
    return { messageId: '9'.repeat(32), sentAt: 1, to: to as WalletAddress, delivered: false, storedInHistory: true, storedInInbox: true, problems: [] }
  }
  identity = {
    address: ME,
    displayName: undefined,
    setDisplayName: vi.fn(async () => {}),
    locked: false,
    lock: vi.fn(async () => {}),
    removeLock: vi.fn(async () => {}),
    exportBackup: vi.fn(async () => '{"format":"zentalk-identity-backup"}'),
    importBackup: vi.fn(async () => {
      throw Object.assign(new Error('the passphrase does not open this backup'), { name: 'WrongPassphraseError' })
    })
  }
})

afterEach(() => {
  app?.destroy()
  app = undefined
  root.remove()
  nodePanel.remove()
})

describe('mountChatApp', () => {
  it('onboards a new identity once, showing its address', async () => {
    await mount({ onboarded: false })
    expect($('[data-testid="onboarding"] [data-testid="your-address"]')?.textContent).toBe(ME)
    expect($('[data-testid="chat-list"]')).toBeNull()
    $<HTMLInputElement>('[data-testid="display-name"]')!.value = 'Alice'
    $<HTMLButtonElement>('[data-testid="onboarding-start"]')!.click()
    await settle()
    expect(identity.setDisplayName).toHaveBeenCalledWith('Alice')
    expect($('[data-testid="onboarding"]')).toBeNull()
    // Visible even while empty: it says how to start a chat.
    expect($('[data-testid="chat-list"]')!.getBoundingClientRect().height).toBeGreaterThan(0)
    expect(localStorage.getItem(`zentalk-onboarded:${ME}`)).not.toBeNull()
  })

  it('shows an import error readably inside the import form', async () => {
    await mount({ onboarded: false })
    const files = new DataTransfer()
    files.items.add(new File(['{}'], 'zentalk-backup-11111111.json'))
    $<HTMLInputElement>('[data-testid="import-file"]')!.files = files.files
    $<HTMLInputElement>('[data-testid="import-passphrase"]')!.value = 'not the one'
    $<HTMLButtonElement>('[data-testid="import-submit"]')!.click()
    await vi.waitFor(() => {
      expect($('[data-testid="import-submit"]')!.closest('form')!.querySelector('[role="alert"]')?.textContent)
        .toBe('Could not import the backup (WrongPassphraseError): the passphrase does not open this backup')
    })
    expect(identity.importBackup).toHaveBeenCalledWith('{}', 'not the one')
  })

  it('lists conversations from the history with unread counts, and reading one clears them', async () => {
    history = { messages: [incoming('1', 1000, 'old from carol', CAROL), incoming('2', 2000, 'hello'), incoming('3', 3000, 'are you there?')], rejected: [], unavailable: [] }
    await mount()
    const items = $$('[data-testid="chat-item"]')
    expect(items.map(item => item.dataset.peer)).toEqual([BOB, CAROL])
    expect(items[0].querySelector('[data-testid="chat-last"]')?.textContent).toBe('are you there?')
    expect(items[0].querySelector('[data-testid="unread"]')?.textContent).toBe('2')
    items[0].click()
    await settle()
    const conversation = $(`[data-testid="conversation"][data-peer="${BOB}"]`)!
    expect([...conversation.querySelectorAll('[data-testid="message-text"]')].map(el => el.textContent)).toEqual(['hello', 'are you there?'])
    expect(conversation.querySelector('[data-testid="message"]')?.getAttribute('data-direction')).toBe('incoming')
    expect($(`[data-peer="${BOB}"] [data-testid="unread"]`)?.textContent).toBe('')
    expect(JSON.parse(localStorage.getItem(`zentalk-read:${ME}`)!)).toEqual({ [BOB]: 3000 })
    // A live message in the open conversation shows at once and is read; one elsewhere bumps that unread count.
    events.emit('message', incoming('4', 4000, 'live one'))
    events.emit('message', incoming('5', 5000, 'carol again', CAROL))
    await settle()
    expect(conversation.querySelectorAll('[data-testid="message"]')).toHaveLength(3)
    expect($(`[data-peer="${CAROL}"] [data-testid="unread"]`)?.textContent).toBe('2')
    expect($$('[data-testid="chat-item"]')[0].dataset.peer).toBe(CAROL)
  })

  it('shows a message whose sender time is not a date, with an unknown time, and keeps the conversation working', async () => {
    history = { messages: [incoming('1', 2000, 'hello'), incoming('2', Number.MAX_SAFE_INTEGER, 'from the far future')], rejected: [], unavailable: [] }
    await mount()
    const item = $(`[data-testid="chat-item"][data-peer="${BOB}"]`)!
    expect(item.querySelector('[data-testid="chat-last"]')?.textContent).toBe('from the far future')
    expect(item.querySelector('time')?.textContent).toBe('unknown time')
    expect(item.querySelector('time')?.hasAttribute('datetime')).toBe(false)
    item.click()
    await settle()
    const conversation = $(`[data-testid="conversation"][data-peer="${BOB}"]`)!
    expect([...conversation.querySelectorAll('[data-testid="message-text"]')].map(el => el.textContent)).toEqual(['hello', 'from the far future'])
    expect([...conversation.querySelectorAll('time')].map(el => el.textContent)).toContain('unknown time')
    events.emit('message', incoming('3', 3000, 'still here'))
    await settle()
    expect(conversation.querySelectorAll('[data-testid="message"]')).toHaveLength(3)
  })

  it('sends with Enter (not Shift+Enter, not empty) and shows the progress of the message', async () => {
    await mount()
    const address = $<HTMLInputElement>('[data-testid="contact-address"]')!
    address.value = 'not an address'
    $<HTMLButtonElement>('[data-testid="contact-add"]')!.click()
    expect(address.closest('form')!.querySelector('[role="alert"]')?.textContent).toMatch(/40 hexadecimal digits/)
    const composer = $<HTMLTextAreaElement>('[data-testid="composer"]')!
    expect(composer.disabled).toBe(true)
    address.value = BOB
    $<HTMLInputElement>('[data-testid="contact-name"]')!.value = 'Bob'
    $<HTMLButtonElement>('[data-testid="contact-add"]')!.click()
    await settle()
    expect($(`[data-testid="chat-item"][data-peer="${BOB}"]`)?.textContent).toContain('Bob')
    expect(composer.disabled).toBe(false)
    const press = (shiftKey: boolean): void => { composer.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey, bubbles: true, cancelable: true })) }
    composer.value = '   '
    press(false)
    composer.value = 'line one'
    press(true)
    expect(sent).toEqual([])
    composer.value = 'line one\nline two'
    press(false)
    expect(sent).toEqual([{ to: BOB, text: 'line one\nline two' }])
    expect(composer.value).toBe('')

    const id = 'a'.repeat(32)
    events.emit('message-state', progress({ messageId: id, text: 'line one\nline two' }))
    await settle()
    const message = $(`[data-testid="message"][data-message-id="${id}"]`)!
    expect(message.dataset.direction).toBe('outgoing')
    const state = (): string | null | undefined => message.querySelector('[data-testid="message-state"]')?.textContent
    expect(state()).toBe('encrypting…')
    events.emit('message-state', progress({ messageId: id, text: 'line one\nline two', state: 'sending', inboxShards: 9, historyShards: 4 }))
    await settle()
    expect(state()).toBe('storing… 9/15')
    events.emit('message-state', progress({ messageId: id, text: 'line one\nline two', state: 'sent', inboxShards: 15, historyShards: 15 }))
    await settle()
    expect(state()).toBe('stored on 15 of 15')
    events.emit('message-state', progress({ messageId: id, text: 'line one\nline two', state: 'sent', inboxShards: 15, delivered: true }))
    await settle()
    expect(state()).toBe('delivered')
    expect($$('[data-testid="message"]')).toHaveLength(1)
  })

  it('tells a sender once which of their messages the open conversation showed, and shows "read" from their notice', async () => {
    history = { messages: [incoming('1', 1000, 'from carol', CAROL), incoming('2', 2000, 'hello'), incoming('3', 3000, 'there?')], rejected: [], unavailable: [] }
    const notices: Array<{ peer: string, ids: string[] }> = []
    await mount({ markRead: async (peer, ids) => { notices.push({ peer, ids }) } })
    expect(notices).toEqual([]) // nothing is open yet
    $$('[data-testid="chat-item"]').find(item => item.dataset.peer === BOB)!.click()
    await settle()
    expect(notices).toEqual([{ peer: BOB, ids: [incoming('2', 0, '').messageId, incoming('3', 0, '').messageId] }])
    events.emit('message', incoming('4', 4000, 'still there?'))
    events.emit('message', incoming('5', 5000, 'not open', CAROL))
    await settle()
    expect(notices).toEqual([
      { peer: BOB, ids: [incoming('2', 0, '').messageId, incoming('3', 0, '').messageId] },
      { peer: BOB, ids: [incoming('4', 0, '').messageId] }
    ])

    const id = 'b'.repeat(32)
    events.emit('message-state', progress({ messageId: id, text: 'yes', state: 'sent', inboxShards: 15, delivered: true }))
    await settle()
    const state = (): string | null | undefined => $(`[data-testid="message"][data-message-id="${id}"] [data-testid="message-state"]`)?.textContent
    expect(state()).toBe('delivered')
    events.emit('read', { peer: CAROL, messageIds: [id], readAt: 1 }) // Carol is not who it went to
    await settle()
    expect(state()).toBe('delivered')
    events.emit('read', { peer: BOB, messageIds: [id], readAt: 1 })
    await settle()
    expect(state()).toBe('delivered, read')
  })

  it('reports failures, refusals and errors as dismissable alerts, and unreadable history as a quiet notice', async () => {
    history = { messages: [], rejected: [], unavailable: [{ source: 'inbox', error: Object.assign(new Error('nobody answered'), { name: 'NoHoldersReachableError' }) }] }
    sendImpl = async () => { throw Object.assign(new Error('no key bundle published'), { name: 'KeyBundleNotFoundError' }) }
    await mount()
    expect(root.textContent).toContain('inbox: NoHoldersReachableError')
    expect($$('[data-testid="alert"]')).toHaveLength(0)
    localStorage.setItem(`zentalk-contacts:${ME}`, JSON.stringify([{ address: BOB, addedAt: 1 }]))
    window.dispatchEvent(new StorageEvent('storage', { key: `zentalk-contacts:${ME}` }))
    await settle()
    $<HTMLButtonElement>(`[data-peer="${BOB}"]`)!.click()
    await settle()
    const composer = $<HTMLTextAreaElement>('[data-testid="composer"]')!
    composer.value = 'hi'
    $<HTMLButtonElement>('[data-testid="send"]')!.click()
    events.emit('rejected', { source: 'live', error: Object.assign(new Error('signed by another key'), { name: 'EnvelopeSignatureError' }) })
    events.emit('rejected', { source: 'key-bundle', address: CAROL, error: Object.assign(new Error('bad signature'), { name: 'KeyBundleSignatureError' }) })
    events.emit('error', new RangeError('presence refresh failed'))
    await vi.waitFor(() => { expect($$('[data-testid="alert"]')).toHaveLength(4) })
    const texts = $$('[data-testid="alert"]').map(alert => alert.querySelector('.alert-text')?.textContent)
    expect(texts).toEqual([
      'Refused a message (EnvelopeSignatureError): signed by another key',
      `Refused a key bundle for ${CAROL} (KeyBundleSignatureError): bad signature`,
      'A background task failed (RangeError): presence refresh failed',
      'Could not send a message to 0xbbbb…bbbb (KeyBundleNotFoundError): no key bundle published'
    ])
    expect($('[data-testid="alerts"]')?.getAttribute('role')).toBe('alert')
    $$('[data-testid="alert"]')[0].querySelector('button')!.click()
    await settle()
    expect($$('[data-testid="alert"]')).toHaveLength(3)
  })

  it('switches between chats, identity and the node panel, with one set of controls at a time', async () => {
    await mount()
    expect(nodePanel.hidden).toBe(true)
    $<HTMLButtonElement>('[data-testid="nav-node"]')!.click()
    await settle()
    expect(nodePanel.hidden).toBe(false)
    expect($('[data-testid="chat-list"]')).toBeNull()
    expect($('[data-testid="nav-node"]')?.getAttribute('aria-current')).toBe('page')
    $<HTMLButtonElement>('[data-testid="nav-identity"]')!.click()
    await settle()
    expect(nodePanel.hidden).toBe(true)
    expect($('[data-testid="your-address"]')?.textContent).toBe(ME)
    expect($$('[data-testid="import-file"]')).toHaveLength(1)

    $<HTMLInputElement>('[data-testid="export-passphrase"]')!.value = 'short'
    $<HTMLInputElement>('[data-testid="export-confirm"]')!.value = 'short'
    $<HTMLButtonElement>('[data-testid="export-submit"]')!.click()
    expect(identity.exportBackup).not.toHaveBeenCalled()
    // Catches the download link's click (and keeps the browser from saving a file).
    const download = vi.fn((event: MouseEvent) => { if ((event.target as HTMLElement).tagName === 'A') event.preventDefault() })
    root.addEventListener('click', download)
    $<HTMLInputElement>('[data-testid="export-passphrase"]')!.value = 'long passphrase'
    $<HTMLInputElement>('[data-testid="export-confirm"]')!.value = 'long passphrase'
    $<HTMLButtonElement>('[data-testid="export-submit"]')!.click()
    await vi.waitFor(() => { expect(download.mock.calls.some(([event]) => (event.target as HTMLElement).tagName === 'A')).toBe(true) })
    const link = download.mock.calls.map(([event]) => event.target as HTMLAnchorElement).find(target => target.tagName === 'A')!
    expect(link.download).toBe('zentalk-backup-11111111.json')
    expect(identity.exportBackup).toHaveBeenCalledWith('long passphrase')

    $<HTMLButtonElement>('[data-testid="nav-chats"]')!.click()
    await settle()
    expect($('[data-testid="chat-list"]')).not.toBeNull()
    expect($('[data-testid="your-address"]')).toBeNull()
  })
})
