/**
 * The chat screen: onboarding, the chats list and conversations, the identity (name, backup) and the way to the
 * node panel. It shows what the chat service reports (messages, send progress, refusals, errors) and never lets
 * a failure escape into the page: every error becomes a readable alert.
 */
import { parseAddress, type AttachmentProgress, type MessageProgress, type ReadReceipt, type Rejection, type WalletAddress } from '../../node/index.ts'
import { createAlerts } from './alerts.ts'
import { conversationSummaries, createChatList } from './chat-list.ts'
import { createConversation } from './conversation.ts'
import { downloadBytes, h } from './dom.ts'
import { describeError, peerLabel, rejectionText, sendFailureText, unavailableNotice } from './format.ts'
import { createIdentityView } from './identity-view.ts'
import { createNav } from './nav.ts'
import { createOnboarding } from './onboarding.ts'
import { ChatPrefs, type KeyValueStorage } from './prefs.ts'
import { messageKey } from './model.ts'
import { ChatStore } from './store.ts'
import type { ChatApp, ChatAppDeps } from './types.ts'

export type { ChatApp, ChatAppDeps, ChatIdentity, ChatServiceView } from './types.ts'

/**
 * How often the history is read again from the mesh, for inbox messages from senders who could not deliver live
 * (messages delivered live show at once). Each read asks the 15 holders of the history and of the inbox, so every
 * open tab polling often would load the whole mesh.
 */
export const HISTORY_REFRESH_MS = 60_000
/**
 * How soon a read that could not reach part of the mesh (e.g. while the node is still joining) is tried again.
 * Not sooner: while a tab is still opening its direct connections, reads would dial the same holders it is
 * dialling anyway; the app reads again as soon as the node has joined.
 */
export const HISTORY_RETRY_MS = 30_000

export function mountChatApp (deps: ChatAppDeps): ChatApp {
  const self = parseAddress(deps.identity.address)
  const prefs = new ChatPrefs(browserStorage(), self)
  const store = new ChatStore(prefs)
  const afterRender: Array<() => void> = []
  let destroyed = false

  const nameOf = (peer: string): string => peerLabel(peer, store.state.contacts.find(contact => contact.address === peer)?.name)
  const openConversation = (peer: WalletAddress | undefined): void => {
    store.openConversation(peer)
    if (peer !== undefined) {
      try { deps.prepare?.(peer) } catch {}
      afterRender.push(() => { conversation.focusComposer() })
      void refresh()
    }
  }

  const nav = createNav(view => { store.setView(view) })
  const alerts = createAlerts(id => { store.dismissAlert(id) })
  const chatList = createChatList(self, {
    open: openConversation,
    addContact: (address, name) => {
      store.addContact(address, name)
      openConversation(address)
    }
  })
  const conversation = createConversation({
    send: (to, text) => {
      void (async () => {
        try {
          await deps.send(to, text)
        } catch (error) {
          store.addAlert(sendFailureText(nameOf(to), error))
        }
      })()
    },
    ...(deps.sendAttachment === undefined ? {} : {
      sendAttachment: (to: WalletAddress, file: File) => {
        void (async () => {
          try {
            await deps.sendAttachment!(to, file)
          } catch (error) {
            store.addAlert(describeError(`Could not send "${file.name}" to ${nameOf(to)}`, error))
          }
        })()
      }
    }),
    ...(deps.fetchAttachment === undefined ? {} : {
      downloadAttachment: shown => {
        const ref = shown.ref
        if (ref === undefined) return
        const id = ref.objectIds[0]
        if (store.state.downloads.get(id)?.state === 'downloading') return
        store.applyDownload(id, { state: 'downloading', doneBytes: 0, totalBytes: ref.size, error: undefined })
        void (async () => {
          try {
            const bytes = await deps.fetchAttachment!(ref)
            store.applyDownload(id, { state: 'done', doneBytes: bytes.length })
            downloadBytes(bytes, ref.name, ref.type, deps.root)
          } catch (error) {
            store.applyDownload(id, { state: 'failed', error: describeError('could not get the file', error) })
            store.addAlert(describeError(`Could not download "${ref.name}"`, error))
          }
        })()
      }
    }),
    back: () => {
      const peer = store.state.openPeer
      store.openConversation(undefined)
      if (peer !== undefined) afterRender.push(() => { chatList.focusPeer(peer) })
    }
  })
  const chatsView = h('div', { className: 'chats-view' }, [chatList.element, conversation.element])
  const identityView = createIdentityView(deps.identity)
  let onboarding: HTMLElement | undefined
  const onboardingView = (): HTMLElement => {
    onboarding ??= createOnboarding(deps.identity, {
      onStarted: () => { store.completeOnboarding() },
      onAlert: text => { store.addAlert(text) }
    })
    return onboarding
  }
  const views = h('div', { className: 'chat-views' })
  deps.root.replaceChildren(h('div', { className: 'chat-app' }, [nav.element, alerts.element, views]))

  const render = (): void => {
    const state = store.state
    const summaries = conversationSummaries(state)
    nav.update(state.view, summaries.reduce((total, summary) => total + summary.unread, 0))
    alerts.update(state.alerts)
    deps.nodePanel.hidden = state.view !== 'node'
    // Only the active view is in the document, so its controls (and test hooks) are the only ones there.
    const active = state.view === 'node' ? undefined : state.view === 'identity' ? identityView : state.onboarded ? chatsView : onboardingView()
    const shown = views.firstElementChild === active
    if (active === undefined) views.replaceChildren()
    else if (!shown) views.replaceChildren(active)
    views.hidden = active === undefined
    if (active === chatsView) {
      chatsView.classList.toggle('has-open', state.openPeer !== undefined)
      chatList.update(state, summaries)
      conversation.update(state)
      // Back from another section: the browser forgot the scroll position of the detached conversation.
      if (!shown) conversation.scrollToEnd()
    }
    for (const task of afterRender.splice(0)) task()
  }
  let scheduled = false
  const scheduleRender = (): void => {
    if (scheduled || destroyed) return
    scheduled = true
    queueMicrotask(() => {
      scheduled = false
      if (!destroyed) guard('showing the chats', render)
    })
  }
  const unsubscribe = store.subscribe(scheduleRender)

  // Read notices: what the open conversation shows on a visible page counts as read, and its sender is told once
  // (best effort: a sender who is offline is not told later). Messages already read before this page loaded (by
  // the read marks it found) are not announced again.
  const readBefore = store.state.readMarks
  const announced = new Set<string>()
  // The store replaces its message list on every change to it: a change that left both the list and the open
  // conversation as they were (a send's progress, an alert) has nothing new to announce.
  let lookedAt: { messages: readonly unknown[], peer: string } | undefined
  const announceRead = (): void => {
    const { openPeer, view, onboarded, messages } = store.state
    if (deps.chat.markRead === undefined || openPeer === undefined || view !== 'chats' || !onboarded || destroyed) return
    if (document.visibilityState !== 'visible') return
    if (lookedAt?.messages === messages && lookedAt.peer === openPeer) return
    lookedAt = { messages, peer: openPeer }
    const since = readBefore[openPeer] ?? -Infinity
    const ids = messages.filter(message => message.peer === openPeer && message.direction === 'incoming' && message.sentAt > since &&
      !announced.has(messageKey(message))).map(message => { announced.add(messageKey(message)); return message.messageId })
    if (ids.length > 0) deps.chat.markRead(openPeer, ids).catch(() => {})
  }
  // Runs inside the store's change loop: it must not throw there (a read notice is best effort anyway).
  const announceQuietly = (): void => { try { announceRead() } catch (error) { console.error(error) } }
  const unsubscribeRead = store.subscribe(announceQuietly)
  const onVisibility = announceQuietly
  document.addEventListener('visibilitychange', onVisibility)

  // A listener must never throw into the chat service; a failure shows as an alert instead.
  function guard (what: string, task: () => void): void {
    try {
      task()
    } catch (error) {
      console.error(error)
      try { store.addAlert(describeError(`Something went wrong ${what}`, error)) } catch {}
    }
  }
  const offEvents = [
    deps.chat.events.on('message', message => { guard('showing a message', () => { store.addMessages([message]) }) }),
    deps.chat.events.on('message-state', (progress: MessageProgress) => {
      guard('showing a message being sent', () => {
        store.applyProgress(progress)
        if (progress.state === 'failed') store.addAlert(sendFailureText(nameOf(progress.to), progress.error ?? new Error('unknown error')))
      })
    }),
    deps.chat.events.on('attachment-progress', (progress: AttachmentProgress) => { guard('showing a download', () => { store.applyAttachmentProgress(progress) }) }),
    deps.chat.events.on('read', (receipt: ReadReceipt) => { guard('showing a read message', () => { store.applyRead(receipt) }) }),
    deps.chat.events.on('rejected', (rejection: Rejection) => { guard('reporting a refusal', () => { store.addAlert(rejectionText(rejection)) }) }),
    deps.chat.events.on('error', error => { guard('reporting an error', () => { store.addAlert(describeError('A background task failed', error)) }) })
  ]

  let reading: Promise<void> | undefined
  const readHistory = async (): Promise<void> => {
    try {
      const report = await deps.chat.readHistory()
      if (destroyed) return
      // Refused envelopes come as 'rejected' events (once each), like live ones.
      store.addMessages(report.messages)
      store.setNotice(unavailableNotice(report.unavailable))
      if (report.unavailable.length > 0) retrySoon()
    } catch (error) {
      if (destroyed) return
      store.setNotice(`${describeError('Could not read your history right now', error)}. Trying again shortly.`)
      retrySoon()
    }
  }
  let retry: ReturnType<typeof setTimeout> | undefined
  const retrySoon = (): void => {
    retry ??= setTimeout(() => {
      retry = undefined
      void refresh()
    }, HISTORY_RETRY_MS)
  }
  const refresh = async (): Promise<void> => {
    if (destroyed) return
    reading ??= readHistory().finally(() => { reading = undefined })
    await reading
  }
  const timer = setInterval(() => { void refresh() }, HISTORY_REFRESH_MS)

  // Another tab of this profile changed the contacts, read marks or onboarding.
  const onStorage = (event: StorageEvent): void => {
    if (prefs.concerns(event.key)) guard('reading settings', () => { store.reloadPrefs() })
  }
  window.addEventListener('storage', onStorage)

  render()
  // What this device has cached shows at once; the mesh's answer (which may take seconds, or wait for the node to
  // join) merges in when it comes.
  const showCached = async (): Promise<void> => {
    try {
      const messages = await deps.chat.readCachedHistory?.()
      if (messages !== undefined && !destroyed) store.addMessages(messages)
    } catch {
      // The mesh read below reports what is unreadable.
    }
  }
  void showCached()
  void refresh()

  return {
    refresh,
    destroy () {
      if (destroyed) return
      destroyed = true
      clearInterval(timer)
      clearTimeout(retry)
      window.removeEventListener('storage', onStorage)
      for (const off of offEvents) off()
      unsubscribe()
      unsubscribeRead()
      document.removeEventListener('visibilitychange', onVisibility)
      deps.root.replaceChildren()
      deps.nodePanel.hidden = false
    }
  }
}

function browserStorage (): KeyValueStorage | undefined {
  try {
    return window.localStorage
  } catch {
    // Storage disabled for this site: settings last as long as the page.
    return undefined
  }
}
