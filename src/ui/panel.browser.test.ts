// Runs in real Chromium (Vitest browser mode). The panel renders a status as a tab's node reports it; no mesh.
import { afterEach, describe, expect, it } from 'vitest'
import type { ChunkStoreStats, NodeStatus } from '../node/index.ts'
import { renderPanel } from './panel.ts'

const STORAGE: ChunkStoreStats = { shards: 3, bytes: 3 * 1024, quotaBytes: 1024 * 1024, ownerQuotaBytes: 64 * 1024, owners: 1 }

function status (persistentStorage: NodeStatus['persistentStorage']): NodeStatus {
  return {
    peerId: '12D3KooWTestPeer',
    role: 'storage',
    kadId: '00'.repeat(32),
    nodeIdWork: { own: 8, required: 8 },
    relay: { connected: true, reservation: true, addrs: [] },
    addresses: [],
    connections: [],
    connectionBudget: { budget: 8, open: 0, peak: 0, openedInLifetime: 0, closedForRoom: 0, refused: 0 },
    buckets: [],
    pending: [],
    dead: [],
    repair: {
      pending: [],
      finished: [],
      counters: {
        rounds: 0, objectsChecked: 0, rebuildTasks: 0, shardsRebuilt: 0, shardsHandedOff: 0, duplicatesDropped: 0, corruptShardsFound: 0,
        rejectedShards: 0, rebuildBytesFetched: 0, rebuildBytesRead: 0, bytesWritten: 0, failedTasks: 0, surveyFailures: 0, spotChecks: 0,
        peersDistrusted: 0
      },
      bytesReadPerRebuiltShard: 0,
      bytesFetchedPerRebuiltShard: 0
    },
    persistentStorage,
    rememberedNeighbours: 0
  }
}

let root: HTMLElement | undefined
afterEach(() => { root?.remove() })

/** The panel's "Browser storage" value for `persistent`, with the store's stats or without them. */
function shown (persistent: NodeStatus['persistentStorage'], storage: ChunkStoreStats | 'not available' = STORAGE): string {
  root?.remove()
  root = document.createElement('div')
  document.body.append(root)
  renderPanel(root, status(persistent), storage === 'not available' ? undefined : storage, `0x${'1'.repeat(40)}`)
  const value = root.querySelectorAll<HTMLElement>('[data-testid="node-storage-persistent"]')
  expect(value).toHaveLength(1)
  expect(value[0].closest('dd')?.previousElementSibling?.textContent).toBe('Browser storage')
  return value[0].textContent ?? ''
}

describe('the node panel shows whether this tab\'s storage is persistent', () => {
  it('says persistent, best-effort (which the browser may evict), or not browser storage', () => {
    expect(shown(true)).toMatch(/^persistent: /)
    expect(shown(false)).toMatch(/^best-effort: the browser may evict these shards/)
    expect(shown(null)).toBe('not browser storage')
  })

  it('says it while the store\'s stats are not available too', () => {
    expect(shown(false, 'not available')).toMatch(/^best-effort: /)
    expect(root!.textContent).toContain('not available')
  })
})
