/**
 * The list side of the chats view: start a chat by address, and every conversation with its last message, time
 * and unread count, newest first.
 */
import type { WalletAddress } from '../../node/index.ts'
import { button, field, formError, h, reconcileList, uniqueId } from './dom.ts'
import { formatTime, isoTime, peerLabel, preview } from './format.ts'
import { contactAddressProblem, summarizeConversations, type ConversationSummary } from './model.ts'
import type { ChatState } from './store.ts'

export interface ChatListActions {
  open: (peer: WalletAddress) => void
  addContact: (address: WalletAddress, name: string) => void
}

export interface ChatListView {
  readonly element: HTMLElement
  update(state: ChatState, summaries: readonly ConversationSummary[]): void
  /** Moves keyboard focus to a conversation's entry (after coming back from it). */
  focusPeer(peer: WalletAddress): void
}

export function createChatList (self: WalletAddress, actions: ChatListActions): ChatListView {
  const titleId = uniqueId('chats-title')
  const list = h('ul', { className: 'chat-list', testid: 'chat-list', attrs: { 'aria-labelledby': titleId } })
  const notice = h('p', { className: 'notice', attrs: { role: 'status', 'aria-live': 'polite' } })
  const element = h('div', { className: 'chat-sidebar' }, [
    notice,
    h('h2', { text: 'Chats', attrs: { id: titleId } }),
    list,
    createAddContactForm(self, actions.addContact)
  ])

  return {
    element,
    update (state, summaries) {
      notice.textContent = state.notice ?? ''
      notice.hidden = state.notice === undefined
      const now = Date.now()
      reconcileList(list, summaries, summary => summary.peer, summary => createItem(summary, actions.open), (item, summary) => {
        updateItem(item, summary, summary.peer === state.openPeer, now)
      })
    },
    focusPeer (peer) {
      list.querySelector<HTMLElement>(`[data-testid="chat-item"][data-peer="${peer}"]`)?.focus()
    }
  }
}

/** Every conversation (contacts and peers of the history), for the list and the navigation badge. */
export function conversationSummaries (state: ChatState): ConversationSummary[] {
  return summarizeConversations(state.messages, state.contacts, state.readMarks)
}

function createItem (summary: ConversationSummary, open: (peer: WalletAddress) => void): HTMLLIElement {
  const openButton = h('button', { className: 'chat-item', testid: 'chat-item' }, [
    h('span', { className: 'chat-name' }),
    h('time', { className: 'chat-time' }),
    h('span', { className: 'chat-preview' }, [
      h('span', { className: 'chat-who' }),
      h('span', { className: 'chat-last', testid: 'chat-last' })
    ]),
    h('span', { className: 'unread', testid: 'unread' }),
    h('span', { className: 'visually-hidden unread-words' })
  ])
  openButton.type = 'button'
  openButton.dataset.peer = summary.peer
  openButton.addEventListener('click', () => { open(summary.peer) })
  return h('li', {}, [openButton])
}

function updateItem (item: HTMLLIElement, summary: ConversationSummary, isOpen: boolean, now: number): void {
  const part = (name: string): HTMLElement => item.querySelector<HTMLElement>(`.${name}`)!
  const openButton = part('chat-item')
  if (isOpen) openButton.setAttribute('aria-current', 'true')
  else openButton.removeAttribute('aria-current')
  openButton.title = summary.peer
  part('chat-name').textContent = peerLabel(summary.peer, summary.name)
  const time = part('chat-time')
  time.textContent = summary.last === undefined ? '' : formatTime(summary.last.sentAt, now)
  const datetime = summary.last === undefined ? undefined : isoTime(summary.last.sentAt)
  if (datetime === undefined) time.removeAttribute('datetime')
  else time.setAttribute('datetime', datetime)
  part('chat-who').textContent = summary.last?.direction === 'outgoing' ? 'You: ' : ''
  part('chat-last').textContent = summary.last === undefined ? '' : preview(summary.last.text)
  const unread = part('unread')
  unread.textContent = summary.unread > 0 ? String(summary.unread) : ''
  unread.hidden = summary.unread === 0
  part('unread-words').textContent = summary.unread > 0 ? ` unread message${summary.unread === 1 ? '' : 's'}` : ''
}

function createAddContactForm (self: WalletAddress, addContact: ChatListActions['addContact']): HTMLFormElement {
  const address = h('input', {
    testid: 'contact-address',
    attrs: { type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: '0x…', inputmode: 'text' }
  })
  const name = h('input', { testid: 'contact-name', attrs: { type: 'text', autocomplete: 'off', maxlength: '64' } })
  const error = formError()
  const form = h('form', { className: 'add-contact' }, [
    h('h2', { text: 'New chat' }),
    field('Their address', address),
    field('Name (optional, only you see it)', name),
    h('div', { className: 'actions' }, [button('Add contact', { testid: 'contact-add', type: 'submit' })]),
    error
  ])
  form.addEventListener('submit', event => {
    event.preventDefault()
    const problem = contactAddressProblem(address.value, self)
    error.textContent = problem ?? ''
    if (problem !== undefined) {
      address.setAttribute('aria-invalid', 'true')
      address.focus()
      return
    }
    address.removeAttribute('aria-invalid')
    addContact(address.value.trim().toLowerCase() as WalletAddress, name.value)
    form.reset()
  })
  return form
}
