import type { ChunkDialer } from '../protocols/index.ts'
import type { PlacementRules } from '../placement/index.ts'
import type { PeerRequestLimiter } from '../protocols/index.ts'
import type { SelfHolder } from '../protocols/index.ts'
import type { ChunkStore } from '../store/index.ts'
import type { SignedManifest } from '../wire/index.ts'

/** What the repair steps share within one node: its libp2p, its own store and the limits on its requests. */
export interface RepairContext {
  libp2p: ChunkDialer
  /** This node's peer ID. */
  selfId: string
  store: ChunkStore
  /** This node as a holder (reads and writes of its own store, verified like a remote holder's). */
  self: SelfHolder
  /** Caps this node's requests per holder, below the holder's own per-peer cap. */
  limiter: PeerRequestLimiter
  requestTimeoutMs: number
  placementRules: PlacementRules
  isDead: (peerId: string) => boolean
  /** Manifests received and checked this round (see `FetchShardsOptions.checkedManifests`). */
  checkedManifests: Map<string, SignedManifest | Error>
  log: (message: string) => void
  signal: AbortSignal
}
