/**
 * The pure logic of the chat screen: which messages there are (merged from the device cache, the mesh, live
 * deliveries and messages being sent), which conversations exist, what is unread, and whether a typed address
 * can be a contact. No DOM, no storage: the views and the store call these.
 */
import { compareMessages, isAddress, MessageKind, type AttachmentRef, type ChatMessage, type MessageProgress, type WalletAddress } from '../../node/index.ts'

export interface Contact {
  readonly address: WalletAddress
  /** The name the user gave this contact (local only, never published). */
  readonly name?: string
  readonly addedAt: number
}

/** peer → sentAt of the newest incoming message the user has seen in that conversation. */
export type ReadMarks = Readonly<Record<string, number>>

export interface ConversationSummary {
  readonly peer: WalletAddress
  /** The contact's name, if the user gave one. */
  readonly name?: string
  readonly last?: ChatMessage
  /** For sorting: the newest message's sentAt, or when the contact was added. */
  readonly lastActivity: number
  readonly unread: number
}

/** A message is identified by its sender and its id (ids are unique per sender only). */
export function messageKey (message: Pick<ChatMessage, 'from' | 'messageId'>): string {
  return `${message.from}/${message.messageId}`
}

/**
 * `current` plus the messages of `incoming` it does not have yet, in conversation order. A message already
 * there is kept as it is: every copy of a message says the same thing.
 */
export function mergeMessages (current: readonly ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
  const byKey = new Map<string, ChatMessage>()
  for (const message of [...current, ...incoming]) {
    const key = messageKey(message)
    if (!byKey.has(key)) byKey.set(key, message)
  }
  return [...byKey.values()].sort(compareMessages)
}

/** The message a send in progress stands for, so it shows from its first progress event on. */
export function messageFromProgress (progress: MessageProgress, self: WalletAddress): ChatMessage {
  return {
    messageId: progress.messageId,
    from: self,
    to: progress.to,
    text: progress.text,
    sentAt: progress.sentAt,
    direction: 'outgoing',
    peer: progress.to,
    kind: progress.attachment === undefined ? MessageKind.TEXT : MessageKind.ATTACHMENT,
    ...(progress.attachment?.ref === undefined ? {} : { attachment: progress.attachment.ref })
  }
}

/** The file a message shows: from the message itself, or, while this tab still sends it, from its progress. */
export interface AttachmentShown {
  readonly name: string
  readonly type: string
  readonly size: number
  /** What a download needs; absent until the sender's chunks are all stored. */
  readonly ref?: AttachmentRef
  /** While uploading: plaintext bytes stored so far. */
  readonly uploadedBytes?: number
}

/** The attachment `message` shows, or undefined for a message without one. */
export function attachmentShown (message: ChatMessage, progress?: MessageProgress): AttachmentShown | undefined {
  const sending = progress?.attachment
  const ref = message.attachment ?? sending?.ref
  const uploading = sending !== undefined && sending.ref === undefined && progress?.state !== 'failed' ? { uploadedBytes: sending.storedBytes } : {}
  if (ref !== undefined) return { name: ref.name, type: ref.type, size: ref.size, ref, ...uploading }
  if (sending !== undefined) return { name: sending.name, type: sending.type, size: sending.size, ...uploading }
  return undefined
}

/** The messages of one conversation, in order. */
export function conversationMessages (messages: readonly ChatMessage[], peer: WalletAddress): ChatMessage[] {
  return messages.filter(message => message.peer === peer).sort(compareMessages)
}

/** Incoming messages of a conversation sent after its read mark. */
export function unreadCount (messages: readonly ChatMessage[], mark: number | undefined): number {
  const seen = mark ?? -Infinity
  return messages.filter(message => message.direction === 'incoming' && message.sentAt > seen).length
}

/** The read marks once every message of `peer`'s conversation has been seen (unchanged marks if nothing new). */
export function markConversationRead (marks: ReadMarks, peer: WalletAddress, messages: readonly ChatMessage[]): ReadMarks {
  let newest = marks[peer]
  for (const message of messages) {
    if (message.peer !== peer || message.direction !== 'incoming') continue
    if (newest === undefined || message.sentAt > newest) newest = message.sentAt
  }
  return newest === undefined || newest === marks[peer] ? marks : { ...marks, [peer]: newest }
}

/**
 * Every conversation: each contact and each peer any message is with (so conversations restored from the mesh
 * show up without contacts), newest activity first.
 */
export function summarizeConversations (messages: readonly ChatMessage[], contacts: readonly Contact[], marks: ReadMarks): ConversationSummary[] {
  const byPeer = new Map<WalletAddress, ChatMessage[]>()
  for (const message of messages) {
    const list = byPeer.get(message.peer) ?? []
    list.push(message)
    byPeer.set(message.peer, list)
  }
  const contactOf = new Map(contacts.map(contact => [contact.address, contact]))
  const peers = new Set<WalletAddress>([...contactOf.keys(), ...byPeer.keys()])
  const summaries = [...peers].map(peer => {
    const list = (byPeer.get(peer) ?? []).sort(compareMessages)
    const contact = contactOf.get(peer)
    const last = list.at(-1)
    return {
      peer,
      ...(contact?.name === undefined ? {} : { name: contact.name }),
      ...(last === undefined ? {} : { last }),
      lastActivity: last?.sentAt ?? contact?.addedAt ?? 0,
      unread: unreadCount(list, marks[peer])
    }
  })
  return summaries.sort((a, b) => b.lastActivity - a.lastActivity || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0))
}

/** Why `input` cannot be added as a contact, or undefined when it can. */
export function contactAddressProblem (input: string, self: WalletAddress): string | undefined {
  const value = input.trim()
  if (value === '') return 'Enter the address of the person you want to chat with.'
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) return 'An address is 0x followed by 40 hexadecimal digits (0-9, a-f).'
  if (!isAddress(value)) return 'This address has a wrong checksum (mixed upper and lower case); check it for typos.'
  if (value.toLowerCase() === self) return 'That is your own address; enter the address of someone else.'
  return undefined
}

/** The contacts with `address` added (or its name updated if it is already one). */
export function addContact (contacts: readonly Contact[], address: WalletAddress, name: string, now: number): Contact[] {
  const trimmed = name.trim()
  const existing = contacts.find(contact => contact.address === address)
  if (existing === undefined) return [...contacts, { address, ...(trimmed === '' ? {} : { name: trimmed }), addedAt: now }]
  if (trimmed === '') return [...contacts]
  return contacts.map(contact => contact.address === address ? { ...contact, name: trimmed } : contact)
}

/**
 * The shortest backup passphrase, in characters: the backup's own MIN_PASSPHRASE_CHARS (a unit test keeps them
 * equal), checked here so a short one is refused before the slow key derivation starts.
 */
export const MIN_BACKUP_PASSPHRASE_CHARS = 8

/**
 * Why a backup passphrase (typed twice) cannot be used, or undefined when it can. Length counts characters the
 * way the backup does (code points after NFKC normalisation).
 */
export function passphraseProblem (passphrase: string, confirmation: string): string | undefined {
  const length = [...passphrase.normalize('NFKC')].length
  if (length < MIN_BACKUP_PASSPHRASE_CHARS) return `Use a passphrase of at least ${MIN_BACKUP_PASSPHRASE_CHARS} characters; longer is safer.`
  if (passphrase !== confirmation) return 'The two passphrases differ; type the same passphrase twice.'
  return undefined
}
