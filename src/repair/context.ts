import type { PlacementRules } from '../placement/index.ts'
import type { ChunkExchange } from '../protocols/index.ts'
import type { ChunkStore } from '../store/index.ts'
import type { ObjectId } from '../types/index.ts'
import type { SignedManifest } from '../wire/index.ts'

/** What the repair steps share within one node: its chunk requests, its own store and the round's state. */
export interface RepairContext {
  /**
   * Chunk requests to holders under this node's per-holder cap (below a holder's own), with the repair request
   * deadline; requests to this node itself are served from its own store with a remote holder's checks.
   */
  exchange: ChunkExchange
  /** This node's peer ID. */
  selfId: string
  store: ChunkStore
  placementRules: PlacementRules
  isDead: (peerId: string) => boolean
  /** Manifests received and checked this round (see `ExchangeFetchOptions.checkedManifests`). */
  checkedManifests: Map<string, SignedManifest | Error>
  /** Codeword bytes rebuilt this round per owner (checked against `maxRebuildBytesPerOwner`). */
  rebuiltBytesByOwner: Map<string, number>
  log: (message: string) => void
  signal: AbortSignal
  /**
   * Called when `peer` failed a challenge: it claimed or acknowledged a shard and sent no valid copy when asked.
   * The repairer then leaves it out of its rings for a while (DEFAULT_DISTRUST_MS).
   */
  distrust?: (peer: string, why: string) => void
  /** Told of a peer that could not be reached for a LIST (see RepairerInit.suspect). */
  suspect?: (peer: string) => void
  /** Called when `peer` acknowledged a STORE of shard `shardIndex` of `objectId` (under `placementKey`) from this node's repair. */
  acknowledged?: (peer: string, placementKey: Uint8Array, objectId: ObjectId, shardIndex: number) => void
}
