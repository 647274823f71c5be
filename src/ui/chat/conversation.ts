/**
 * One conversation: its messages in order (outgoing ones with where they are: encrypting, storing, stored,
 * delivered, failed) and the composer. Enter sends, Shift+Enter starts a new line.
 */
import { formatBytes, MAX_ATTACHMENT_BYTES, type ChatMessage, type WalletAddress } from '../../node/index.ts'
import { createAttachmentBlock, type AttachmentBlock } from './attachment-view.ts'
import { button, h, reconcileList, uniqueId } from './dom.ts'
import { STORED_LABEL, formatTime, isoTime, peerLabel, progressLabel, readSuffix } from './format.ts'
import { attachmentShown, conversationMessages, messageKey, type AttachmentShown } from './model.ts'
import type { ChatState } from './store.ts'

export interface ConversationActions {
  send: (to: WalletAddress, text: string) => void
  back: () => void
  /** Sends a file the user picked; without it the composer offers no attachments. */
  sendAttachment?: (to: WalletAddress, file: File) => void
  /** Downloads the file a message shares (`shown.ref` is set). */
  downloadAttachment?: (shown: AttachmentShown) => void
}

export interface ConversationView {
  readonly element: HTMLElement
  update(state: ChatState): void
  focusComposer(): void
  scrollToEnd(): void
}

/** How close to the end (px) the user must be for new messages to scroll into view. */
const STICK_TO_BOTTOM_PX = 80

export function createConversation (actions: ConversationActions): ConversationView {
  const titleId = uniqueId('conversation-title')
  const hintId = uniqueId('composer-hint')
  const back = button('‹ Chats', { className: 'back-button secondary', attrs: { 'aria-label': 'Back to the chats' } })
  back.addEventListener('click', () => { actions.back() })
  const title = h('h2', { attrs: { id: titleId } })
  const fullAddress = h('code', { className: 'address conversation-address' })
  const placeholder = h('p', { className: 'muted placeholder', text: 'Choose a chat, or add someone by their address, to start writing.' })
  const list = h('ol', { className: 'messages', attrs: { 'aria-labelledby': titleId } })
  const scroller = h('div', { className: 'message-scroller', attrs: { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0', 'aria-labelledby': titleId } }, [placeholder, list])

  const composer = h('textarea', {
    testid: 'composer',
    attrs: { rows: '2', 'aria-describedby': hintId, placeholder: 'Write a message' }
  })
  const send = button('Send', { testid: 'send', type: 'submit' })
  const hint = h('small', { className: 'field-hint', attrs: { id: hintId } })
  const composerLabel = h('label', { className: 'visually-hidden', text: 'Message', attrs: { for: uniqueId('composer') } })
  composer.id = composerLabel.htmlFor
  const attachInput = h('input', { className: 'visually-hidden', testid: 'attach-input', attrs: { type: 'file', tabindex: '-1', 'aria-hidden': 'true' } })
  const attach = button('Attach', { className: 'secondary attach-button', testid: 'attach', attrs: { 'aria-label': `Attach a photo or a file (up to ${formatBytes(MAX_ATTACHMENT_BYTES)})` } })
  attach.addEventListener('click', () => { attachInput.click() })
  attachInput.addEventListener('change', () => {
    const file = attachInput.files?.[0]
    attachInput.value = ''
    if (file !== undefined && peer !== undefined) actions.sendAttachment?.(peer, file)
  })
  const attachControls = actions.sendAttachment === undefined ? [] : [attach, attachInput]
  const form = h('form', { className: 'composer' }, [composerLabel, composer, ...attachControls, send, hint])
  form.classList.toggle('with-attach', attachControls.length > 0)
  /** Each message's attachment block, made when it first has something to show. */
  const attachmentBlocks = new WeakMap<HTMLLIElement, { block: AttachmentBlock, shown: AttachmentShown }>()
  const updateAttachment = (item: HTMLLIElement, message: ChatMessage, state: ChatState): void => {
    const progress = message.from === state.self ? state.progress.get(message.messageId) : undefined
    const shown = attachmentShown(message, progress)
    if (shown === undefined) return
    let entry = attachmentBlocks.get(item)
    if (entry === undefined) {
      const block = createAttachmentBlock(() => { actions.downloadAttachment?.(attachmentBlocks.get(item)!.shown) })
      entry = { block, shown }
      attachmentBlocks.set(item, entry)
      item.querySelector('.message-text')!.after(block.element)
    }
    entry.shown = shown
    entry.block.update(shown, shown.ref === undefined ? undefined : state.downloads.get(shown.ref.objectIds[0]))
  }

  const element = h('section', { className: 'conversation', testid: 'conversation', attrs: { 'aria-labelledby': titleId } }, [
    h('header', { className: 'conversation-header' }, [back, h('div', { className: 'conversation-title' }, [title, fullAddress])]),
    scroller,
    form
  ])

  let peer: WalletAddress | undefined
  const submit = (): void => {
    const text = composer.value.trim()
    if (peer === undefined || text === '') return
    composer.value = ''
    actions.send(peer, text)
  }
  form.addEventListener('submit', event => {
    event.preventDefault()
    submit()
  })
  composer.addEventListener('keydown', event => {
    // Enter while composing (IME) picks a candidate; it must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return
    event.preventDefault()
    submit()
  })

  return {
    element,
    update (state) {
      const changedPeer = peer !== state.openPeer
      peer = state.openPeer
      if (peer === undefined) element.removeAttribute('data-peer')
      else element.dataset.peer = peer
      const name = peer === undefined ? undefined : state.contacts.find(contact => contact.address === peer)?.name
      title.textContent = peer === undefined ? 'No chat open' : peerLabel(peer, name)
      fullAddress.textContent = peer ?? ''
      fullAddress.hidden = peer === undefined || name === undefined
      back.hidden = peer === undefined
      placeholder.hidden = peer !== undefined
      composer.disabled = peer === undefined
      send.disabled = peer === undefined
      attach.disabled = peer === undefined
      hint.textContent = peer === undefined ? 'Open a chat to write a message.' : 'Enter sends; Shift+Enter starts a new line.'

      const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_TO_BOTTOM_PX
      const messages = peer === undefined ? [] : conversationMessages(state.messages, peer)
      const now = Date.now()
      reconcileList(list, messages, messageKey, createMessage, (item, message) => {
        updateMessage(item, message, state, now)
        updateAttachment(item, message, state)
      })
      if (changedPeer || atBottom) scroller.scrollTop = scroller.scrollHeight
    },
    focusComposer () {
      if (!composer.disabled) composer.focus()
    },
    scrollToEnd () {
      scroller.scrollTop = scroller.scrollHeight
    }
  }
}

function createMessage (message: ChatMessage): HTMLLIElement {
  const item = h('li', { className: `message ${message.direction}`, testid: 'message' }, [
    h('p', { className: 'message-text', testid: 'message-text', text: message.text }),
    h('p', { className: 'message-meta' }, [
      timeElement(message.sentAt),
      ...(message.direction === 'outgoing' ? [' · ', h('span', { className: 'message-state', testid: 'message-state' })] : [])
    ])
  ])
  item.dataset.messageId = message.messageId
  item.dataset.direction = message.direction
  return item
}

/** A `<time>` whose `datetime` is set only when the sender's time is a date. */
function timeElement (sentAt: number): HTMLTimeElement {
  const datetime = isoTime(sentAt)
  return h('time', datetime === undefined ? {} : { attrs: { datetime } })
}

function updateMessage (item: HTMLLIElement, message: ChatMessage, state: ChatState, now: number): void {
  const time = item.querySelector('time')!
  const shown = formatTime(message.sentAt, now)
  if (time.textContent !== shown) time.textContent = shown
  if (message.direction !== 'outgoing') return
  const progress = message.from === state.self ? state.progress.get(message.messageId) : undefined
  const read = state.readByRecipient.has(message.messageId)
  const label = progress === undefined ? STORED_LABEL + readSuffix(read) : progressLabel(read ? { ...progress, read } : progress, state.self)
  const stateEl = item.querySelector<HTMLElement>('.message-state')!
  if (stateEl.textContent !== label) stateEl.textContent = label
  item.classList.toggle('failed', progress?.state === 'failed')
  item.classList.toggle('pending', progress !== undefined && (progress.state === 'queued' || progress.state === 'encrypting' || progress.state === 'sending'))
}
