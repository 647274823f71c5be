import { describe, expect, it } from 'vitest'
import type { MessageProgress } from '../../node/index.ts'
import { MAX_ERROR_MESSAGE_CHARS, UNKNOWN_TIME, backupFileName, describeError, formatTime, isoTime, preview, progressLabel, rejectionText, sendFailureText, shortAddress, transferText, unavailableNotice } from './format.ts'

const ME = `0x${'a'.repeat(40)}`
const BOB = `0x${'b'.repeat(40)}`

function progress (change: Partial<MessageProgress>): MessageProgress {
  return {
    messageId: '1'.repeat(32), to: BOB as MessageProgress['to'], text: 'hi', sentAt: 1, state: 'sending',
    historyShards: 0, inboxShards: 0, totalShards: 15, delivered: false, ...change
  }
}

describe('progressLabel', () => {
  it('follows a message from encryption to delivery', () => {
    expect(progressLabel(progress({ state: 'queued', waitingFor: 'node' }), ME)).toBe('queued: sends when your node has joined the mesh')
    expect(progressLabel(progress({ state: 'queued', waitingFor: 'key-bundle' }), ME)).toMatch(/^queued: sends when their key is found/)
    expect(progressLabel(progress({ state: 'encrypting' }), ME)).toBe('encrypting…')
    expect(progressLabel(progress({ inboxShards: 9, historyShards: 15 }), ME)).toBe('storing… 9/15')
    expect(progressLabel(progress({ inboxShards: 9, delivered: true }), ME)).toBe('delivered, storing… 9/15')
    expect(progressLabel(progress({ state: 'sent', inboxShards: 15, historyShards: 15 }), ME)).toBe('stored on 15 of 15')
    expect(progressLabel(progress({ state: 'sent', inboxShards: 15, delivered: true }), ME)).toBe('delivered')
    // Read by the recipient: the line keeps what it said and adds it.
    expect(progressLabel(progress({ state: 'sent', inboxShards: 15, delivered: true, read: true }), ME)).toBe('delivered, read')
    expect(progressLabel(progress({ state: 'sent', inboxShards: 15, read: true }), ME)).toBe('stored on 15 of 15, read')
    expect(progressLabel(progress({ inboxShards: 9, delivered: true, read: true }), ME)).toBe('delivered, read, storing… 9/15')
    expect(progressLabel(progress({ state: 'failed', error: { name: 'SendFailedError', message: 'nobody answered' } }), ME)).toBe('failed: nobody answered')
  })

  it('counts the history copy of a note to self', () => {
    expect(progressLabel(progress({ to: ME as MessageProgress['to'], state: 'sent', historyShards: 14 }), ME)).toBe('stored on 14 of 15')
  })
})

describe('rejectionText', () => {
  it('names what was refused and the error class', () => {
    class EnvelopeSignatureError extends Error { override name = 'EnvelopeSignatureError' }
    expect(rejectionText({ source: 'live', error: new EnvelopeSignatureError('signed by someone else') }))
      .toBe('Refused a message (EnvelopeSignatureError): signed by someone else')
    expect(rejectionText({ source: 'key-bundle', address: BOB, error: Object.assign(new Error('bad'), { name: 'KeyBundleSignatureError' }) }))
      .toBe(`Refused a key bundle for ${BOB} (KeyBundleSignatureError): bad`)
    expect(rejectionText({ source: 'inbox', error: new Error('x') })).toBe('Refused a message from your inbox (Error): x')
  })
})

describe('texts', () => {
  it('shortens addresses and previews', () => {
    expect(shortAddress(BOB)).toBe('0xbbbb…bbbb')
    expect(preview('a\n\nb  c')).toBe('a b c')
    expect(preview('x'.repeat(300))).toHaveLength(200)
  })

  it('describes anything thrown', () => {
    expect(describeError('Could not send', new RangeError('too long'))).toBe('Could not send (RangeError): too long')
    expect(describeError('Could not send', 'plain')).toBe('Could not send (Error): plain')
    expect(describeError('Could not send', { name: 'SendFailedError', message: 'm' })).toBe('Could not send (SendFailedError): m')
  })

  it('names the backup file after the address', () => {
    expect(backupFileName('0x12345678abcdef0000000000000000000000ffff')).toBe('zentalk-backup-12345678.json')
  })

  it('shows the time for today and the date for older messages', () => {
    const now = new Date(2025, 5, 10, 15, 0).getTime()
    expect(formatTime(new Date(2025, 5, 10, 9, 5).getTime(), now, 'en-GB')).toBe('09:05')
    expect(formatTime(new Date(2025, 5, 9, 9, 5).getTime(), now, 'en-GB')).toBe('9 Jun 09:05')
    expect(formatTime(new Date(2024, 5, 9, 9, 5).getTime(), now, 'en-GB')).toBe('9 Jun 2024 09:05')
  })

  it('shows a sender time that is not a date as an unknown time instead of failing', () => {
    const now = new Date(2025, 5, 10, 15, 0).getTime()
    for (const sentAt of [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) {
      expect(formatTime(sentAt, now, 'en-GB')).toBe(UNKNOWN_TIME)
      expect(isoTime(sentAt)).toBeUndefined()
    }
    // The far end of the range dates cover is still a date.
    expect(formatTime(8.64e15, now, 'en-GB')).toMatch(/275760/)
    expect(isoTime(8.64e15)).toBe('+275760-09-13T00:00:00.000Z')
    expect(isoTime(Date.UTC(2025, 5, 10, 9, 5))).toBe('2025-06-10T09:05:00.000Z')
  })

  it('cuts a long refusal or error message short, so a peer cannot flood an alert', () => {
    const flood = 'x'.repeat(100_000)
    const refusal = rejectionText({ source: 'live', error: Object.assign(new Error(flood), { name: 'EnvelopeSignatureError' }) })
    expect(refusal.startsWith('Refused a message (EnvelopeSignatureError): xxx')).toBe(true)
    expect(refusal.endsWith('x…')).toBe(true)
    expect(refusal.length).toBe('Refused a message (EnvelopeSignatureError): '.length + MAX_ERROR_MESSAGE_CHARS)
    expect(sendFailureText('Bob', new Error(flood)).length).toBeLessThanOrEqual('Could not send a message to Bob (Error): '.length + MAX_ERROR_MESSAGE_CHARS)
    expect(describeError('Failed', { name: 'N'.repeat(10_000), message: 'm' }).length).toBeLessThan(100)
    expect(progressLabel(progress({ state: 'failed', error: { name: 'SendFailedError', message: flood } }), ME).length)
      .toBeLessThanOrEqual('failed: '.length + MAX_ERROR_MESSAGE_CHARS)
    // A message exactly at the limit is shown whole; a cut never leaves half of a surrogate pair.
    const atLimit = 'y'.repeat(MAX_ERROR_MESSAGE_CHARS)
    expect(describeError('Failed', new Error(atLimit))).toBe(`Failed (Error): ${atLimit}`)
    const emoji = describeError('Failed', new Error('😀'.repeat(MAX_ERROR_MESSAGE_CHARS)))
    expect(emoji.endsWith('😀…')).toBe(true)
  })

  it('sums up what could not be read', () => {
    expect(unavailableNotice([])).toBeUndefined()
    const error = { name: 'NoHoldersReachableError', message: 'offline' }
    expect(unavailableNotice([{ source: 'history', error }, { source: 'history', error }, { source: 'inbox', error }]))
      .toMatch(/^Part of your history could not be read .*\(history: NoHoldersReachableError; inbox: NoHoldersReachableError\)/)
  })
})

describe('attachment progress texts', () => {
  const attachment = { name: 'a.bin', type: '', size: 3_000_000, storedBytes: 1_000_000 }
  it('say how far an upload is while its chunks are stored, then what the message does', () => {
    expect(progressLabel(progress({ state: 'encrypting', attachment }), ME)).toBe('uploading… 33 % of 3.0 MB')
    const ref = { owner: ME, objectIds: [], size: 3_000_000, chunkBytes: 1, type: '', name: 'a.bin', sha256: '', key: '' }
    expect(progressLabel(progress({ state: 'encrypting', attachment: { ...attachment, storedBytes: 3_000_000, ref } }), ME)).toBe('encrypting…')
    expect(transferText(0, 0)).toBe('100 % of 0 B')
    expect(transferText(5, 10)).toBe('50 % of 10 B')
  })
})
