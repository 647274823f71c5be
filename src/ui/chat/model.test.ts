import { describe, expect, it } from 'vitest'
import { MIN_PASSPHRASE_CHARS, toChecksumAddress, type AttachmentRef, type ChatMessage, type MessageProgress, type WalletAddress } from '../../node/index.ts'
import {
  MIN_BACKUP_PASSPHRASE_CHARS, addContact, contactAddressProblem, conversationMessages, markConversationRead, mergeMessages, messageFromProgress,
  passphraseProblem, summarizeConversations, unreadCount, attachmentShown
} from './model.ts'

const address = (digit: string): WalletAddress => `0x${digit.repeat(40)}` as WalletAddress
const ME = address('a')
const BOB = address('b')
const CAROL = address('c')

function message (from: WalletAddress, to: WalletAddress, id: string, sentAt: number, text = `text ${id}`): ChatMessage {
  const direction = from === ME ? 'outgoing' : 'incoming'
  return { messageId: id.padStart(32, '0'), from, to, text, sentAt, direction, peer: direction === 'outgoing' ? to : from, kind: 0 }
}

describe('mergeMessages', () => {
  it('orders by sentAt, then message id, and keeps one copy per sender and id', () => {
    const a = message(BOB, ME, '2', 200)
    const b = message(ME, BOB, '1', 100)
    const c = message(BOB, ME, '1', 200)
    const merged = mergeMessages([a], [b, c, { ...a, text: 'another copy' }])
    expect(merged.map(m => m.messageId)).toEqual([b.messageId, c.messageId, a.messageId])
    expect(merged.find(m => m === a)?.text).toBe('text 2')
  })

  it('keeps messages with the same id from different senders apart', () => {
    const merged = mergeMessages([message(BOB, ME, '7', 1)], [message(CAROL, ME, '7', 1)])
    expect(merged).toHaveLength(2)
  })
})

describe('messageFromProgress', () => {
  it('turns the first progress event into an outgoing message of the conversation with the recipient', () => {
    const progress: MessageProgress = {
      messageId: 'f'.repeat(32), to: BOB, text: 'hi', sentAt: 5, state: 'encrypting', historyShards: 0, inboxShards: 0, totalShards: 15, delivered: false
    }
    expect(messageFromProgress(progress, ME)).toEqual({ messageId: 'f'.repeat(32), from: ME, to: BOB, text: 'hi', sentAt: 5, direction: 'outgoing', peer: BOB, kind: 0 })
  })
})

describe('unread and read marks', () => {
  const messages = [message(BOB, ME, '1', 10), message(ME, BOB, '2', 20), message(BOB, ME, '3', 30), message(CAROL, ME, '4', 40)]

  it('counts incoming messages after the mark only', () => {
    const bobs = conversationMessages(messages, BOB)
    expect(unreadCount(bobs, undefined)).toBe(2)
    expect(unreadCount(bobs, 10)).toBe(1)
    expect(unreadCount(bobs, 30)).toBe(0)
  })

  it('marks a conversation read up to its newest incoming message', () => {
    const marks = markConversationRead({ [CAROL]: 1 }, BOB, messages)
    expect(marks).toEqual({ [CAROL]: 1, [BOB]: 30 })
    expect(markConversationRead(marks, BOB, messages)).toBe(marks)
  })
})

describe('summarizeConversations', () => {
  it('lists contacts and every peer of the history, newest activity first, with unread counts', () => {
    const messages = [message(BOB, ME, '1', 10), message(ME, CAROL, '2', 50), message(BOB, ME, '3', 30)]
    const dave = address('d')
    const summaries = summarizeConversations(messages, [{ address: BOB, name: 'Bob', addedAt: 1 }, { address: dave, addedAt: 40 }], { [BOB]: 10 })
    expect(summaries.map(s => s.peer)).toEqual([CAROL, dave, BOB])
    expect(summaries[0]).toMatchObject({ last: { messageId: '2'.padStart(32, '0') }, unread: 0 })
    expect(summaries[1]).toMatchObject({ unread: 0, lastActivity: 40 })
    expect(summaries[1].last).toBeUndefined()
    expect(summaries[2]).toMatchObject({ name: 'Bob', unread: 1, last: { text: 'text 3' } })
  })
})

describe('contactAddressProblem', () => {
  it('accepts lowercase, uppercase and checksummed addresses of others', () => {
    expect(contactAddressProblem(BOB, ME)).toBeUndefined()
    expect(contactAddressProblem(`  0x${'B'.repeat(40)} `, ME)).toBeUndefined()
    const mixed = toChecksumAddress('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed')
    expect(contactAddressProblem(mixed, ME)).toBeUndefined()
  })

  it('explains what is wrong', () => {
    expect(contactAddressProblem('', ME)).toMatch(/Enter the address/)
    expect(contactAddressProblem('0x1234', ME)).toMatch(/40 hexadecimal digits/)
    expect(contactAddressProblem(`0x${'g'.repeat(40)}`, ME)).toMatch(/40 hexadecimal digits/)
    expect(contactAddressProblem('0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed'.replace('5a', '5A'), ME)).toMatch(/checksum/)
    expect(contactAddressProblem(ME.toUpperCase().replace('0X', '0x'), ME)).toMatch(/your own address/)
  })
})

describe('addContact', () => {
  it('adds a contact once and renames it when given a new name', () => {
    const one = addContact([], BOB, ' Bob ', 5)
    expect(one).toEqual([{ address: BOB, name: 'Bob', addedAt: 5 }])
    expect(addContact(one, BOB, '', 9)).toEqual(one)
    expect(addContact(one, BOB, 'Robert', 9)).toEqual([{ address: BOB, name: 'Robert', addedAt: 5 }])
    expect(addContact(one, CAROL, '', 9)).toEqual([...one, { address: CAROL, addedAt: 9 }])
  })
})

describe('passphraseProblem', () => {
  it('asks for 8 characters and the same passphrase twice', () => {
    expect(passphraseProblem('short', 'short')).toMatch(/at least 8/)
    expect(passphraseProblem('long enough', 'long enougH')).toMatch(/differ/)
    expect(passphraseProblem('long enough', 'long enough')).toBeUndefined()
    // Counted in characters, not UTF-16 units: four emoji are four characters.
    expect(passphraseProblem('😀😀😀😀', '😀😀😀😀')).toMatch(/at least 8/)
    expect(MIN_BACKUP_PASSPHRASE_CHARS).toBe(MIN_PASSPHRASE_CHARS)
  })
})

describe('attachmentShown', () => {
  const ref = { owner: ME, objectIds: ['ab'.repeat(32)], size: 10, chunkBytes: 65_536, type: 'image/png', name: 'p.png', sha256: '00'.repeat(32), key: '11'.repeat(32) } as unknown as AttachmentRef
  const sending: MessageProgress = {
    messageId: 'e'.repeat(32), to: BOB, text: '📎 p.png', sentAt: 9, state: 'encrypting', historyShards: 0, inboxShards: 0, totalShards: 15, delivered: false,
    attachment: { name: 'p.png', type: 'image/png', size: 10, storedBytes: 4 }
  }

  it('shows a file being uploaded from its progress, then the reference once stored; text messages show none', () => {
    const pending = messageFromProgress(sending, ME)
    expect(pending).toMatchObject({ kind: 1, text: '📎 p.png' })
    expect(attachmentShown(pending, sending)).toEqual({ name: 'p.png', type: 'image/png', size: 10, uploadedBytes: 4 })
    const stored = { ...sending, attachment: { ...sending.attachment!, storedBytes: 10, ref } }
    expect(messageFromProgress(stored, ME).attachment).toEqual(ref)
    expect(attachmentShown(pending, stored)).toEqual({ name: 'p.png', type: 'image/png', size: 10, ref })
    expect(attachmentShown({ ...pending, attachment: ref })).toEqual({ name: 'p.png', type: 'image/png', size: 10, ref })
    expect(attachmentShown(message(BOB, ME, '1', 1))).toBeUndefined()
    // A failed upload no longer shows progress.
    expect(attachmentShown(pending, { ...sending, state: 'failed' })).toEqual({ name: 'p.png', type: 'image/png', size: 10 })
  })
})
