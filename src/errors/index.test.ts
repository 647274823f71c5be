import { describe, expect, it } from 'vitest'
import { NotEnoughShardsError } from '../erasure/index.ts'
import { ZenTalkError, errorReviver, errorText, positive, toErrorRecord, toErrorShape } from './index.ts'

class HolderGoneError extends ZenTalkError { override name = 'HolderGoneError' }

describe('errors across a boundary', () => {
  const revive = errorReviver({ NotEnoughShardsError, HolderGoneError })

  it('come back as their own class with message and fields, after a structured clone', () => {
    const original = new NotEnoughShardsError(9, 10, 15)
    original.message = 'retrieved 9 of the 10 shards needed; 6 holders offline'
    const record = structuredClone(toErrorRecord(original))
    expect(record).toEqual({ name: 'NotEnoughShardsError', message: original.message, fields: { present: 9, needed: 10, total: 15 } })
    const revived = revive(record)
    expect(revived).toBeInstanceOf(NotEnoughShardsError)
    expect(revived).toBeInstanceOf(ZenTalkError)
    expect(revived).toMatchObject({ name: 'NotEnoughShardsError', message: original.message, present: 9, needed: 10, total: 15 })
    expect(revive(toErrorShape(new HolderGoneError('peer x went away')))).toBeInstanceOf(HolderGoneError)
  })

  it('keep an unknown name on a plain Error, or use the fallback', () => {
    const unknown = revive({ name: 'SomethingElseError', message: 'odd' })
    expect(unknown).not.toBeInstanceOf(NotEnoughShardsError)
    expect(unknown).toMatchObject({ name: 'SomethingElseError', message: 'odd' })
    const withFallback = errorReviver({}, shape => new HolderGoneError(`remote: ${shape.message}`))
    expect(withFallback({ name: 'X', message: 'y' })).toBeInstanceOf(HolderGoneError)
  })

  it('turn anything thrown into a name and a message', () => {
    expect(toErrorShape('plain text')).toEqual({ name: 'Error', message: 'plain text' })
    expect(toErrorShape({ error: new HolderGoneError('inside an event') })).toEqual({ name: 'HolderGoneError', message: 'inside an event' })
    expect(toErrorShape({ message: 'socket closed' })).toEqual({ name: 'Error', message: 'socket closed' })
    expect(errorText(new HolderGoneError('gone'))).toBe('HolderGoneError: gone')
    expect(toErrorRecord(Object.assign(new Error('with a nested object'), { holder: { id: 1 }, tried: [1, 2] })).fields).toEqual({ tried: [1, 2] })
  })

  it('refuse settings that are not positive numbers', () => {
    expect(positive('intervalMs', 5)).toBe(5)
    expect(() => positive('intervalMs', 0)).toThrow(/intervalMs must be a positive number, got 0/)
    expect(() => positive('intervalMs', Number.NaN)).toThrow(/got NaN/)
  })
})
