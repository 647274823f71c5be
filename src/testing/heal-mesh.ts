/**
 * Test and bench support (Node only): the loopback mesh of src/mesh/object-test-mesh.ts plus what healing tests
 * need: nodes that know each other's addresses without holding connections to all, nodes that stop and come back,
 * and a verified picture of where every shard is.
 */
import { connectTo, createStorageNodes, isRunning, stopNodes, type MeshNode, type StorageNodeOptions } from './object-mesh.ts'
import type { ObjectId } from '../types/index.ts'
import { decodeSignedManifest, verifyShard, type SignedManifest } from '../wire/index.ts'
import { forEachLimit } from '../async/index.ts'
import type { Startable } from '@libp2p/interface'

/**
 * `count` storage nodes, each told every other's address. No connections are opened up front: healing traffic
 * dials what it needs, as it would in a mesh where a node is not connected to everyone.
 */
export async function createHealingMesh (count: number, options: StorageNodeOptions = {}): Promise<MeshNode[]> {
  const nodes = await createStorageNodes(count, options)
  await introduce(nodes, nodes)
  return nodes
}

/**
 * Opens a connection between every pair of `nodes`, as the peer keeper keeps storage nodes connected, a few dials
 * at a time and retrying: on a loaded two-core machine a handshake can miss the test nodes' 5 s dial timeout.
 */
export async function connectAll (nodes: readonly MeshNode[]): Promise<void> {
  const pairs = nodes.flatMap((from, i) => nodes.slice(i + 1).map(to => [from, to] as const))
  await forEachLimit(pairs, 4, async ([from, to]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await from.libp2p.dial(to.libp2p.peerId)
        return
      } catch (error) {
        if (attempt >= 4) throw error
      }
    }
  })
}

/** Adds the current addresses of `to` to the peer store of each of `nodes`. */
export async function introduce (nodes: readonly MeshNode[], to: readonly MeshNode[]): Promise<void> {
  await Promise.all(nodes.map(async node => {
    for (const other of to) {
      if (other !== node) await node.libp2p.peerStore.merge(other.libp2p.peerId, { multiaddrs: other.libp2p.getMultiaddrs() })
    }
  }))
}

/**
 * Starts a stopped node again with its store as it was (a tab reloaded, a storage node rebooted). It listens on a
 * new port, so `others` learn the new address and the node connects to them, as a returning node announces itself.
 */
export async function restartNode (node: MeshNode, others: readonly MeshNode[]): Promise<void> {
  await node.libp2p.start()
  await (node.libp2p.services.dht as unknown as Startable).stop()
  const live = others.filter(other => other !== node && isRunning(other))
  await introduce(live, [node])
  await connectTo(node, live)
}

export interface ShardLayout {
  /** Per object: shard index → live nodes holding a copy that verifies against the manifest. */
  holders: Map<ObjectId, Map<number, string[]>>
  /** Per object: live nodes holding a copy that does not verify. */
  corrupt: Map<ObjectId, string[]>
  /** Shard records (any object) per live node. */
  perNode: Map<string, number>
  records: number
}

/** Where the shards of `manifests`' objects are on the running nodes, each copy checked against its manifest. */
export async function shardLayout (nodes: readonly MeshNode[], manifests: ReadonlyMap<ObjectId, SignedManifest>): Promise<ShardLayout> {
  const layout: ShardLayout = { holders: new Map(), corrupt: new Map(), perNode: new Map(), records: 0 }
  for (const objectId of manifests.keys()) {
    layout.holders.set(objectId, new Map())
    layout.corrupt.set(objectId, [])
  }
  for (const node of nodes.filter(isRunning)) {
    for (const key of await node.store.listShardKeys()) {
      const manifest = manifests.get(key.objectId)
      if (manifest === undefined) continue
      const record = await node.store.get(key.objectId, key.shardIndex)
      if (record === undefined) continue
      layout.records++
      layout.perNode.set(node.peerId, (layout.perNode.get(node.peerId) ?? 0) + 1)
      if (!verifyShard(manifest, key.shardIndex, record.data, record.shardProof)) {
        layout.corrupt.get(key.objectId)!.push(node.peerId)
        continue
      }
      const byIndex = layout.holders.get(key.objectId)!
      byIndex.set(key.shardIndex, [...(byIndex.get(key.shardIndex) ?? []), node.peerId])
    }
  }
  return layout
}

/** The manifests of every object any node holds a shard of, read from the shard records. */
export async function manifestsOf (nodes: readonly MeshNode[], objectIds: Iterable<ObjectId>): Promise<Map<ObjectId, SignedManifest>> {
  const wanted = new Set(objectIds)
  const manifests = new Map<ObjectId, SignedManifest>()
  for (const node of nodes) {
    for (const objectId of wanted) {
      if (manifests.has(objectId)) continue
      const [record] = await node.store.listObjectShards(objectId)
      if (record !== undefined) manifests.set(objectId, decodeSignedManifest(record.manifest))
    }
  }
  return manifests
}

/** Ends a healing test: stops every repairer (their rounds cut short), then the nodes still running. */
export async function stopHealingMesh (repairers: Iterable<{ stop: () => Promise<void> }>, nodes: readonly MeshNode[]): Promise<void> {
  await Promise.all([...repairers].map(async repairer => { await repairer.stop() }))
  await stopNodes(nodes.filter(isRunning))
}

/** What `settleRepairs` reads of a round's report. */
interface RoundCounts { rebuilt: number, handedOff: number, dropped: number, corrupt: number, unanswered: number, failures: number, errors: number }

/**
 * Runs `round` (one repair round on every live node) until a round where nothing is done and every node heard from
 * every other, at most 8 times; returns every round's report. Throws, with the last of `logs`, when no round is
 * quiet or when any round had an error.
 */
export async function settleRepairs<R extends RoundCounts> (round: () => Promise<R[]>, logs: readonly string[]): Promise<R[]> {
  const all: R[] = []
  for (let i = 0; i < 8; i++) {
    const rounds = await round()
    all.push(...rounds)
    if (rounds.every(r => r.rebuilt + r.handedOff + r.dropped + r.corrupt + r.unanswered + r.failures === 0)) {
      const errors = all.reduce((sum, r) => sum + r.errors, 0)
      if (errors > 0) throw new Error(`${errors} repair errors while settling:\n${logs.slice(-10).join('\n')}`)
      return all
    }
  }
  throw new Error(`no quiet round after 8 rounds:\n${logs.slice(-20).join('\n')}`)
}

/** Stops `nodes` and declares them dead in `declared` and to every repairer (the health monitor's verdict). */
export async function takeDown (nodes: readonly MeshNode[], declared: Set<string>, repairers: Iterable<{ peerDied: (peerId: string) => void }>): Promise<void> {
  await stopNodes(nodes)
  const all = [...repairers]
  for (const node of nodes) {
    declared.add(node.peerId)
    for (const repairer of all) repairer.peerDied(node.peerId)
  }
}
