import { describe, expect, it } from 'vitest'
import { MalformedMessageError, UnsupportedVersionError } from '../errors.ts'
import { ClosestRequest, ClosestResponse } from '../index.ts'
import {
  MAX_CLOSEST_ADDRS, MAX_CLOSEST_COUNT, MAX_CLOSEST_KEY_BYTES, decodeClosestRequest, decodeClosestResponse, encodeClosestRequest,
  encodeClosestResponse
} from './codec.ts'

describe('closest-peers frames', () => {
  it('round-trip a request and an answer', () => {
    const key = new Uint8Array(32).fill(9)
    expect(decodeClosestRequest(encodeClosestRequest({ key, count: 15 }))).toEqual({ key, count: 15 })
    const peers = [{ id: '12D3KooWGRUVh9ZYnvsQ2L4hA6yz8Tv3vMuC4d5h6PRuanz4qKJx', addrs: [new Uint8Array([4, 127, 0, 0, 1])] }, { id: '12D3KooWGRUVh7ULyBYtNu7RV8zJuVQsDFUYGyHp1QG6qPMbV5ph', addrs: [] }]
    expect(decodeClosestResponse(encodeClosestResponse(peers))).toEqual(peers)
  })

  it('refuse requests whose key or count is out of range, and other versions, with typed errors', () => {
    const frame = (key: Uint8Array<ArrayBuffer>, count: number, version = 1): Uint8Array => ClosestRequest.encode({ version, key, count })
    expect(() => decodeClosestRequest(frame(new Uint8Array(0), 15))).toThrow(MalformedMessageError)
    expect(() => decodeClosestRequest(frame(new Uint8Array(MAX_CLOSEST_KEY_BYTES + 1), 15))).toThrow(MalformedMessageError)
    expect(() => decodeClosestRequest(frame(new Uint8Array(32), 0))).toThrow(MalformedMessageError)
    expect(() => decodeClosestRequest(frame(new Uint8Array(32), MAX_CLOSEST_COUNT + 1))).toThrow(MalformedMessageError)
    expect(() => decodeClosestRequest(frame(new Uint8Array(32), 15, 2))).toThrow(UnsupportedVersionError)
    expect(() => decodeClosestRequest(Uint8Array.of(0xff, 0xff))).toThrow(MalformedMessageError)
  })

  it('refuse answers with too many peers or addresses, or an empty peer ID', () => {
    const id = '12D3KooWGRUVh9ZYnvsQ2L4hA6yz8Tv3vMuC4d5h6PRuanz4qKJx'
    const tooMany = ClosestResponse.encode({ version: 1, peers: Array.from({ length: MAX_CLOSEST_COUNT + 1 }, () => ({ id, addrs: [] })) })
    expect(() => decodeClosestResponse(tooMany)).toThrow(MalformedMessageError)
    const manyAddrs = ClosestResponse.encode({ version: 1, peers: [{ id, addrs: Array.from({ length: MAX_CLOSEST_ADDRS + 1 }, () => new Uint8Array(8)) }] })
    expect(() => decodeClosestResponse(manyAddrs)).toThrow(MalformedMessageError)
    expect(() => decodeClosestResponse(ClosestResponse.encode({ version: 1, peers: [{ id: '', addrs: [] }] }))).toThrow(MalformedMessageError)
  })
})
