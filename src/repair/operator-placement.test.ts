/**
 * Placement by class (`operatorHolders`): a 10 + 20 object goes to the 6 operator nodes closest to its key and the
 * 24 closest tabs, the class read from each peer ID. The writer, the readers and every repairer compute the same
 * holders, so repair leaves the layout alone; a lost operator holder's shard is rebuilt on the next operator node; and
 * with 20 tab holders gone the object still reads from its operators and the tabs left. Real libp2p nodes on loopback.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NS_HISTORY } from '../crypto/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import type { HolderSelector } from '../net/index.ts'
import { ObjectStore } from '../objects/index.ts'
import { nodeClassOf, nodeClassOfMultihash, placementKeyFor, placementOrder, rankPeers, type NodeClass } from '../placement/index.ts'
import { isRunning, objectStoreDeps, type MeshNode } from '../testing/object-mesh.ts'
import { connectAll, createHealingMesh, manifestsOf, settleRepairs, shardLayout, stopHealingMesh, takeDown } from '../testing/heal-mesh.ts'
import { mulberry32, randomBytes } from '../testing/seeded-random.ts'
import type { ObjectId } from '../types/index.ts'
import type { SignedManifest } from '../wire/index.ts'
import { DEFAULT_HANDOFF_GRACE_MS, type RepairRound } from './repair-settings.ts'
import { Repairer } from './repair.ts'

const OPERATORS = 10
const TABS = 30
const WIDE = { k: 10, m: 20 }
const STRIPES = [{ k: 10, m: 5 }, WIDE]
const NAMESPACE_STRIPES = [{ namespace: NS_HISTORY, stripe: WIDE }]
const OPERATOR_HOLDERS = [{ k: 10, m: 20, operators: 6 }]
const OBJECTS = 2
const SLOW = 240_000

/** `count` Ed25519 keys whose peer IDs carry `nodeClass`. */
async function keysOf (nodeClass: NodeClass, count: number): Promise<PrivateKey[]> {
  const keys: PrivateKey[] = []
  while (keys.length < count) {
    const key = await generateKeyPair('Ed25519')
    if (nodeClassOfMultihash(peerIdFromPrivateKey(key).toMultihash().bytes) === nodeClass) keys.push(key)
  }
  return keys
}

describe('placement by class: 6 operator holders and 24 tab holders of a 10 + 20 object', () => {
  let nodes: MeshNode[] = []
  let manifests: Map<ObjectId, SignedManifest>
  let wallet: WalletIdentity
  let key: Uint8Array
  const originals = new Map<ObjectId, Uint8Array>()
  const stored: Array<{ objectId: ObjectId, holders: string[] }> = []
  const declared = new Set<string>()
  let repairers = new Map<string, Repairer>()
  const logs: string[] = []
  const clock = { ms: Date.now() }
  const byId = (peerId: string): MeshNode => nodes.find(node => node.peerId === peerId)!
  const live = (): MeshNode[] => nodes.filter(isRunning)
  /**
   * A node's selector as the mesh's is: every storage node known but those declared dead (unless it has not heard of
   * the deaths), nearest first, of one class when asked for one.
   */
  const selector = (liveOnly: boolean, knowsDeaths = true): HolderSelector => ({
    select: async (target, count, options) => rankPeers(target, nodes
      .filter(node => !(knowsDeaths && declared.has(node.peerId)) && (!liveOnly || isRunning(node)))
      .map(node => node.peerId)
      .filter(peer => options?.nodeClass === undefined || nodeClassOf(peer) === options.nodeClass)).slice(0, count)
  })
  const storeOn = (node: MeshNode, liveOnly = true): ObjectStore => new ObjectStore({
    ...objectStoreDeps(node, wallet, async () => [], { fetchTimeoutMs: 10_000, namespaceStripes: NAMESPACE_STRIPES, operatorHolders: OPERATOR_HOLDERS }),
    holders: selector(liveOnly)
  })
  /** The expected holders now: placement order over the live nodes not declared dead. */
  const expected = (): string[] => placementOrder(key, live().filter(node => !declared.has(node.peerId)).map(node => node.peerId), 30, 6).slice(0, 30)

  const round = async (): Promise<RepairRound[]> =>
    await Promise.all(live().map(async node => await repairers.get(node.peerId)!.runOnce()))
  const settle = async (): Promise<RepairRound[]> => await settleRepairs(round, logs)
  const takeDownPeers = async (peerIds: readonly string[]): Promise<void> => { await takeDown(peerIds.map(byId), declared, repairers.values()) }
  /** Per shard index, the live node holding it (each index on exactly one, every copy verified). */
  const layoutOf = async (objectId: ObjectId): Promise<string[]> => {
    const layout = await shardLayout(nodes, manifests)
    expect(layout.corrupt.get(objectId)).toEqual([])
    const byIndex = layout.holders.get(objectId)!
    expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    return Array.from({ length: 30 }, (_, index) => {
      expect(byIndex.get(index)).toHaveLength(1)
      return byIndex.get(index)![0]
    })
  }

  beforeAll(async () => {
    const keys = [...await keysOf('operator', OPERATORS), ...await keysOf('tab', TABS)]
    nodes = await createHealingMesh(keys.length, { allowedStripes: STRIPES, privateKeys: keys })
    // One connection per pair, as the peer keeper keeps: every holder surveys 30-odd others, and pairs dialling each
    // other at once would hold two connections, past the test nodes' connection limit (LISTs then end unanswered).
    await connectAll(nodes)
    // An owner whose key the class decides: about one key in seven has exactly the 6 closest operator nodes among its
    // 30 closest nodes, where placement by class and by distance alone agree and the test would show nothing.
    const all = nodes.map(node => node.peerId)
    do {
      wallet = WalletIdentity.generate()
      key = placementKeyFor(NS_HISTORY, wallet.address)
    } while (rankPeers(key, all).slice(0, 30).join() === placementOrder(key, all, 30, 6).slice(0, 30).join())
    const writer = storeOn(nodes[OPERATORS])
    const random = mulberry32(0x0e7a)
    for (let i = 0; i < OBJECTS; i++) {
      const bytes = randomBytes(random, 2_500 + 1_500 * i)
      const result = await writer.storeObject(bytes)
      originals.set(result.objectId, bytes)
      stored.push({ objectId: result.objectId, holders: result.holders })
    }
    manifests = await manifestsOf(nodes, originals.keys())
    repairers = new Map(nodes.map(node => [node.peerId, new Repairer({
      libp2p: node.libp2p,
      store: node.store,
      holders: selector(false),
      isDead: peer => declared.has(peer),
      nodeKey: node.privateKey,
      allowedStripes: STRIPES,
      operatorHolders: OPERATOR_HOLDERS,
      requestTimeoutMs: 10_000,
      resurveyAfterMs: 0,
      newObjectGraceMs: 0,
      now: () => clock.ms,
      log: message => logs.push(`${node.peerId.slice(-6)} ${message}`)
    })]))
  }, SLOW)

  afterAll(async () => { await stopHealingMesh(repairers.values(), nodes) }, 30_000)

  it('stores shard i on the i-th holder: the 6 closest operator nodes and the 24 closest tabs, nearest first', async () => {
    const all = nodes.map(node => node.peerId)
    const operators = rankPeers(key, all.filter(peer => nodeClassOf(peer) === 'operator'))
    const tabs = rankPeers(key, all.filter(peer => nodeClassOf(peer) === 'tab'))
    const holders = rankPeers(key, [...operators.slice(0, 6), ...tabs.slice(0, 24)])
    expect(expected()).toEqual(holders)
    for (const { objectId, holders: placed } of stored) {
      expect(manifests.get(objectId)).toMatchObject(WIDE)
      expect(placed).toEqual(holders)
      expect(await layoutOf(objectId)).toEqual(holders)
    }
    // The closest-nodes placement would have put shards on other nodes (the owner was chosen so): the class decides.
    expect(rankPeers(key, all).slice(0, 30)).not.toEqual(holders)
  }, SLOW)

  it('repair agrees with the writer: nothing is moved, rebuilt or dropped', async () => {
    const rounds = await settle()
    // Past the hand-off grace too, when a repairer that ranked holders by distance alone would move shards to the
    // nearer nodes it expects.
    clock.ms += DEFAULT_HANDOFF_GRACE_MS + 1
    rounds.push(...await settle())
    expect(rounds.reduce((sum, r) => sum + r.rebuilt + r.handedOff + r.dropped, 0)).toBe(0)
    for (const { objectId, holders } of stored) expect(await layoutOf(objectId)).toEqual(holders)
  }, SLOW)

  it('rebuilds a lost operator holder\'s shard on the next operator node, not on a tab', async () => {
    const before = expected()
    const lost = before.find(peer => nodeClassOf(peer) === 'operator')!
    const next = rankPeers(key, nodes.map(node => node.peerId).filter(peer => nodeClassOf(peer) === 'operator')).filter(peer => !before.includes(peer))[0]
    await takeDownPeers([lost])
    await settle()
    for (const { objectId, holders } of stored) {
      const now = await layoutOf(objectId)
      const index = holders.indexOf(lost)
      expect(now[index]).toBe(next)
      expect(now.filter((_, i) => i !== index)).toEqual(holders.filter((_, i) => i !== index))
    }
    expect(new Set(expected())).toEqual(new Set([...before.filter(peer => peer !== lost), next]))
  }, SLOW)

  it('reads back from the operator holders and 4 tabs with 20 tab holders gone', async () => {
    const tabHolders = expected().filter(peer => nodeClassOf(peer) === 'tab')
    await takeDownPeers(tabHolders.slice(0, 20))
    // A reader that has heard of no death: it asks the 30 holders it computes, 21 of them gone, and a spare for each.
    const survivor = live().find(node => nodeClassOf(node.peerId) === 'tab')!
    const reader = new ObjectStore({
      ...objectStoreDeps(survivor, wallet, async () => [], { fetchTimeoutMs: 10_000, namespaceStripes: NAMESPACE_STRIPES, operatorHolders: OPERATOR_HOLDERS }),
      holders: selector(false, false)
    })
    const fetched = await reader.fetchObjects(wallet.address)
    expect(fetched.failed).toEqual([])
    expect(fetched.objects).toHaveLength(OBJECTS)
    for (const object of fetched.objects) expect(object.bytes).toEqual(originals.get(object.objectId))
  }, SLOW)
})
