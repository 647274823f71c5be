import { describe, expect, it } from 'vitest'
import { fromHex } from '../../crypto/index.ts'
import type { WalletAddress } from '../../identity/index.ts'
import { EnvelopeSignatureError } from '../errors.ts'
import type { ChatMessage } from './chat-message.ts'
import { assembleHistory, type EnvelopeCopy } from './history.ts'
import { MemoryMessageCache } from './message-cache.ts'

const alice = `0x${'aa'.repeat(20)}` as WalletAddress
const bob = `0x${'bb'.repeat(20)}` as WalletAddress

/** Test envelopes are JSON of the message they open to; 'bad' ones fail like a forged signature. */
function copy (source: EnvelopeCopy['source'], message: Partial<ChatMessage> | 'bad'): EnvelopeCopy {
  return { source, bytes: new TextEncoder().encode(JSON.stringify(message)) }
}

async function open (bytes: Uint8Array): Promise<ChatMessage> {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<ChatMessage> | 'bad'
  if (parsed === 'bad') throw new EnvelopeSignatureError('envelope names alice but was signed by mallory')
  return { messageId: '', from: alice, text: '', sentAt: 0, to: bob, direction: 'incoming', peer: alice, kind: 0, ...parsed }
}

function message (messageId: string, sentAt: number, text = messageId, from = alice): Partial<ChatMessage> {
  return { messageId: messageId.repeat(32).slice(0, 32), sentAt, text, from }
}

describe('assembleHistory', () => {
  it('orders by sentAt then id, keeps one copy per (sender, id), and reports bad copies without stopping', async () => {
    let opened = 0
    const counting = async (bytes: Uint8Array): Promise<ChatMessage> => { opened++; return await open(bytes) }
    const result = await assembleHistory([
      copy('cache', message('b', 20)),
      copy('history', message('a', 30)),
      copy('inbox', message('b', 20)), // the same bytes again: opened once
      copy('inbox', message('b', 20, 'other bytes, same sender and id')),
      copy('inbox', 'bad'),
      copy('inbox', message('c', 20)),
      copy('inbox', message('a', 30, 'same id from bob', bob))
    ], counting)
    expect(opened).toBe(6)
    expect(result.messages.map(({ message, source }) => [message.text, source]))
      .toEqual([['b', 'cache'], ['c', 'inbox'], ['a', 'history'], ['same id from bob', 'inbox']])
    expect(result.rejected).toHaveLength(1)
    expect(result.rejected[0].source).toBe('inbox')
    expect(result.rejected[0].error).toBeInstanceOf(EnvelopeSignatureError)
  })
})

describe('MemoryMessageCache', () => {
  it('keeps the first envelope per (sender, id), lists by conversation, and hands out copies', async () => {
    const cache = new MemoryMessageCache()
    const entry = { sender: alice, recipient: bob, messageId: 'ab'.repeat(16), sentAt: 1, peer: alice, bytes: fromHex('0102') }
    expect(await cache.addEnvelope(entry)).toBe(true)
    expect(await cache.addEnvelope({ ...entry, bytes: fromHex('0304') })).toBe(false)
    expect(await cache.addEnvelope({ ...entry, sender: bob, recipient: alice, peer: alice })).toBe(true)
    expect(await cache.listEnvelopes(alice)).toHaveLength(2)
    expect(await cache.listEnvelopes(bob)).toHaveLength(0)
    const [listed] = await cache.listEnvelopes()
    listed.bytes[0] = 9
    expect((await cache.listEnvelopes())[0].bytes).toEqual(fromHex('0102'))
    await cache.putKeyBundle(alice, fromHex('05'))
    expect(await cache.getKeyBundle(alice)).toEqual(fromHex('05'))
    expect(await cache.getKeyBundle(bob)).toBeUndefined()
  })
})
