/**
 * The state of the chat screen and the changes the user and the chat service make to it. No DOM: views read
 * `state` and re-render when a listener is told something changed.
 */
import type { AttachmentProgress, ChatMessage, MessageProgress, ReadReceipt, WalletAddress } from '../../node/index.ts'
import { addContact, markConversationRead, mergeMessages, messageFromProgress, messageKey, type Contact, type ReadMarks } from './model.ts'
import type { ChatPrefs } from './prefs.ts'

export type View = 'chats' | 'identity' | 'node'

export interface Alert {
  readonly id: number
  readonly text: string
}

export interface ChatState {
  readonly self: WalletAddress
  readonly view: View
  readonly onboarded: boolean
  /** The conversation shown, if any. */
  readonly openPeer?: WalletAddress
  /** Every known message, in conversation order, one per (from, messageId). */
  readonly messages: readonly ChatMessage[]
  /** The latest progress of each message sent from this tab, by message id. */
  readonly progress: ReadonlyMap<string, MessageProgress>
  /** Ids of this identity's messages that their recipient said they read (read notices). */
  readonly readByRecipient: ReadonlySet<string>
  readonly contacts: readonly Contact[]
  readonly readMarks: ReadMarks
  /** Newest last. */
  readonly alerts: readonly Alert[]
  /** A quiet note, e.g. that part of the history could not be read right now. */
  readonly notice?: string
  /** Attachment downloads of this page, by attachment id (the first chunk's object ID). */
  readonly downloads: ReadonlyMap<string, AttachmentDownload>
}

/** A download the user started: its progress, then done or failed (the error's text). */
export interface AttachmentDownload {
  readonly doneBytes: number
  readonly totalBytes: number
  readonly state: 'downloading' | 'done' | 'failed'
  readonly error?: string
}

/** Alerts beyond this many drop the oldest: a flood of refusals must not bury the page. */
export const MAX_ALERTS = 20

export class ChatStore {
  private current: ChatState
  private readonly listeners = new Set<() => void>()
  private nextAlertId = 1
  private readonly knownKeys = new Set<string>()

  constructor (private readonly prefs: ChatPrefs) {
    this.current = {
      self: prefs.address,
      view: 'chats',
      onboarded: prefs.isOnboarded(),
      messages: [],
      progress: new Map(),
      readByRecipient: new Set(),
      contacts: prefs.loadContacts(),
      readMarks: prefs.loadReadMarks(),
      alerts: [],
      downloads: new Map()
    }
  }

  get state (): ChatState {
    return this.current
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Merges messages from the cache, the mesh or a live delivery; those already known are ignored. */
  addMessages (messages: readonly ChatMessage[]): void {
    const fresh = messages.filter(message => !this.knownKeys.has(messageKey(message)))
    if (fresh.length === 0) return
    for (const message of fresh) this.knownKeys.add(messageKey(message))
    this.update({ messages: mergeMessages(this.current.messages, fresh) })
    this.markOpenConversationRead()
  }

  /** Records a send's progress; its first event makes the message appear. */
  applyProgress (progress: MessageProgress): void {
    const all = new Map(this.current.progress)
    all.set(progress.messageId, progress)
    this.update({ progress: all })
    this.addMessages([messageFromProgress(progress, this.current.self)])
  }

  /** The recipient `receipt.peer` read these messages of this identity's; ids of other messages are ignored. */
  applyRead (receipt: ReadReceipt): void {
    const ours = new Set(this.current.messages
      .filter(message => message.direction === 'outgoing' && message.from === this.current.self && message.peer === receipt.peer)
      .map(message => message.messageId))
    const fresh = receipt.messageIds.filter(id => ours.has(id) && !this.current.readByRecipient.has(id))
    if (fresh.length === 0) return
    this.update({ readByRecipient: new Set([...this.current.readByRecipient, ...fresh]) })
  }

  /** A download starts, moves on (its 'attachment-progress' events), ends or fails; uploads show through `applyProgress`. */
  applyDownload (attachmentId: string, change: Partial<AttachmentDownload>): void {
    const previous = this.current.downloads.get(attachmentId) ?? { doneBytes: 0, totalBytes: 0, state: 'downloading' as const }
    const downloads = new Map(this.current.downloads)
    downloads.set(attachmentId, { ...previous, ...change })
    this.update({ downloads })
  }

  /** An 'attachment-progress' event: only downloads this page started are tracked. */
  applyAttachmentProgress (progress: AttachmentProgress): void {
    const known = this.current.downloads.get(progress.attachmentId)
    if (progress.direction !== 'download' || known?.state !== 'downloading') return
    this.applyDownload(progress.attachmentId, { doneBytes: progress.doneBytes, totalBytes: progress.totalBytes })
  }

  setView (view: View): void {
    if (view === this.current.view) return
    this.update({ view })
    this.markOpenConversationRead()
  }

  openConversation (peer: WalletAddress | undefined): void {
    this.update({ openPeer: peer, view: 'chats' })
    this.markOpenConversationRead()
  }

  /** Adds a contact (or renames one) and opens its conversation. */
  addContact (address: WalletAddress, name: string, now = Date.now()): void {
    const contacts = addContact(this.current.contacts, address, name, now)
    this.prefs.saveContacts(contacts)
    this.update({ contacts })
    this.openConversation(address)
  }

  completeOnboarding (): void {
    this.prefs.setOnboarded()
    this.update({ onboarded: true, view: 'chats' })
  }

  /** Adds an alert unless the same text is already shown; the oldest go beyond MAX_ALERTS. */
  addAlert (text: string): void {
    if (this.current.alerts.some(alert => alert.text === text)) return
    const alerts = [...this.current.alerts, { id: this.nextAlertId++, text }].slice(-MAX_ALERTS)
    this.update({ alerts })
  }

  dismissAlert (id: number): void {
    this.update({ alerts: this.current.alerts.filter(alert => alert.id !== id) })
  }

  setNotice (notice: string | undefined): void {
    if (notice !== this.current.notice) this.update({ notice })
  }

  /** Reads the settings again, after another tab of this profile changed them. */
  reloadPrefs (): void {
    this.update({
      contacts: this.prefs.loadContacts(),
      readMarks: this.prefs.loadReadMarks(),
      onboarded: this.current.onboarded || this.prefs.isOnboarded()
    })
  }

  /** What is on screen counts as read: the open conversation, while the chats view shows. */
  private markOpenConversationRead (): void {
    const { openPeer, view, onboarded, readMarks, messages } = this.current
    if (openPeer === undefined || view !== 'chats' || !onboarded) return
    const marks = markConversationRead(readMarks, openPeer, messages)
    if (marks === readMarks) return
    this.prefs.saveReadMarks(marks)
    this.update({ readMarks: marks })
  }

  private update (change: Partial<ChatState>): void {
    this.current = { ...this.current, ...change }
    for (const listener of this.listeners) listener()
  }
}
