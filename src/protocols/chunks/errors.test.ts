import { describe, expect, it } from 'vitest'
import { PeerUnreachableError } from '../../errors/index.ts'
import { ChunkStatus } from '../../wire/index.ts'
import {
  ChunkPeerUnreachableError,
  RemoteBusyError,
  RemoteInternalError,
  RemoteQuotaExceededError,
  RemoteRejectedError,
  remoteErrorFor
} from './errors.ts'

describe('remote refusal errors', () => {
  it('maps every refusal status to its own class with an explicit name and the status', () => {
    const refusals = Object.values(ChunkStatus).filter((status): status is ChunkStatus =>
      typeof status === 'string' && status !== ChunkStatus.OK && status !== ChunkStatus.STATUS_UNSPECIFIED)
    const names = new Set<string>()
    for (const status of refusals) {
      const error = remoteErrorFor(status, 'peer-x', 'why')
      expect(error).toBeInstanceOf(RemoteRejectedError)
      expect(error.status).toBe(status)
      expect(error.peer).toBe('peer-x')
      expect(error.message).toContain(status)
      expect(error.name).not.toBe('RemoteRejectedError')
      names.add(error.name)
    }
    expect(names.size).toBe(refusals.length)
    expect(remoteErrorFor(ChunkStatus.QUOTA_EXCEEDED, 'p', '')).toBeInstanceOf(RemoteQuotaExceededError)
    expect(remoteErrorFor(ChunkStatus.BUSY, 'p', '')).toBeInstanceOf(RemoteBusyError)
    expect(remoteErrorFor(ChunkStatus.INTERNAL, 'p', '').name).toBe('RemoteInternalError')
    expect(new RemoteInternalError(ChunkStatus.INTERNAL, 'p', '')).toBeInstanceOf(Error)
  })

  it('makes an unreachable chunk peer a PeerUnreachableError with its own name', () => {
    const error = new ChunkPeerUnreachableError('gone')
    expect(error).toBeInstanceOf(PeerUnreachableError)
    expect(error.name).toBe('ChunkPeerUnreachableError')
  })
})
