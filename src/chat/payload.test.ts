import { describe, expect, it } from 'vitest'
import { MalformedMessageError, OversizeMessageError } from '../wire/index.ts'
import { MAX_PAYLOAD_BYTES, MessageKind, decodePayload, encodePayload } from './payload.ts'
import { MessagePayload } from '../wire/index.ts'

describe('message payload', () => {
  it('round-trips text, reply reference, kind and data', () => {
    const content = { kind: MessageKind.TEXT, text: 'hello', replyTo: '0f'.repeat(16), data: Uint8Array.of(9) }
    expect(decodePayload(encodePayload(content))).toEqual(content)
  })

  it('decodes content written by a newer release that added fields (forward compatible)', () => {
    const newer = new Uint8Array([...encodePayload({ text: 'hi' }), 0x2a, 0x03, 0x61, 0x62, 0x63])
    expect(decodePayload(newer)).toEqual({ kind: MessageKind.TEXT, text: 'hi', data: new Uint8Array() })
  })

  it('rejects a reply reference that is not a message id', () => {
    expect(() => decodePayload(MessagePayload.encode({ kind: 0, text: '', replyTo: new Uint8Array(3), data: new Uint8Array() }))).toThrow(MalformedMessageError)
    expect(() => encodePayload({ replyTo: 'AB'.repeat(16) })).toThrow(MalformedMessageError)
  })

  it('rejects garbage and oversize payloads with typed errors', () => {
    expect(() => decodePayload(Uint8Array.of(0x0a, 0xff))).toThrow(MalformedMessageError)
    expect(() => decodePayload(new Uint8Array(MAX_PAYLOAD_BYTES + 1))).toThrow(OversizeMessageError)
    expect(() => encodePayload({ data: new Uint8Array(MAX_PAYLOAD_BYTES) })).toThrow(OversizeMessageError)
  })
})
