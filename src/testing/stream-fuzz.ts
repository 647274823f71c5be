/**
 * Hostile frames over real libp2p streams (imported by `fuzz.test.ts` and `npm run fuzz` only): a peer opens chunk
 * and delivery streams to a node and sends generated frames, correctly length-prefixed, without a prefix, cut short,
 * or with a huge declared length, several streams at once. Afterwards the node must still store, serve and accept
 * an honest peer's requests over the same kind of connection.
 */
import fc from 'fast-check'
import { lpStream } from '@libp2p/utils'
import { CHUNKS_PROTOCOL, fetchShards, startChunkService, storeShard } from '../protocols/index.ts'
import { MemoryChunkStore } from '../store/index.ts'
import { decodeChunkResponse, ChunkStatus, DeliverStatus } from '../wire/index.ts'
import { DELIVER_PROTOCOL, DeliveryHandler, decodeDeliverResponse, deliverEnvelope, signDeliveryReceipt } from '../chat/index.ts'
import { NotRecipientError, createKeyBundle, deriveChatKeyPair, inspectEnvelope, openMessage, sealMessage } from '../chat/index.ts'
import { WalletIdentity } from '../identity/index.ts'
import { connect, createTestNode, makeObject, varint, type TestNode } from './chunk-nodes.ts'
import { chunkRequestTarget, deliverRequestTarget, type FuzzTarget } from './fuzz.ts'
import type { Stream } from '@libp2p/interface'

export interface StreamFuzzResult {
  chunkFrames: number
  deliverFrames: number
  ms: number
  /** How the node answered: status names, or 'reset' for a stream it ended without an answer. */
  outcomes: Record<string, number>
}

type Framing = 'prefixed' | 'bare' | 'cut' | 'huge-length'

/** `frame` as written to the stream, framed as `framing` says. */
function framed (frame: Uint8Array, framing: Framing): Uint8Array[] {
  switch (framing) {
    case 'prefixed': return [varint(frame.length), frame]
    case 'bare': return [frame]
    case 'cut': return [varint(frame.length + 10), frame]
    case 'huge-length': return [varint(2 ** 40), frame]
  }
}

/** Writes the chunks, closes the writable end, reads one answer; 'reset' when the node ends the stream instead. */
async function send (stream: Stream, chunks: Uint8Array[], decodeStatus: (bytes: Uint8Array) => string): Promise<string> {
  const messages = lpStream(stream, { maxDataLength: 64 * 1024 * 1024 })
  try {
    for (const chunk of chunks) stream.send(chunk)
    await stream.close({ signal: AbortSignal.timeout(10_000) })
    const reply = await messages.read({ signal: AbortSignal.timeout(30_000) })
    return decodeStatus(reply.subarray())
  } catch {
    stream.abort(new Error('hostile sender done'))
    return 'reset'
  }
}

/**
 * `frames` hostile streams of each protocol, eight at a time, from one peer; then an honest peer stores and fetches
 * a shard and delivers a message. Throws if the node answers INTERNAL, or if an honest request fails afterwards.
 */
export async function streamFuzz (frames: number, seed?: number): Promise<StreamFuzzResult> {
  const nodes: TestNode[] = await Promise.all([createTestNode(), createTestNode(), createTestNode()])
  const [node, hostile, honest] = nodes
  try {
    const store = new MemoryChunkStore()
    await startChunkService(node.libp2p, node.privateKey, { store })
    const chunkFrames = await chunkRequestTarget()
    const deliverFrames = await deliverRequestTarget()
    const me = WalletIdentity.generate()
    // The node's user: deliveries addressed to anyone else are refused, as a tab refuses them.
    const handler = new DeliveryHandler(node.libp2p, async envelope => {
      const header = inspectEnvelope(envelope)
      if (header.recipient !== me.address) throw new NotRecipientError(`message ${header.messageId} is not for this node`)
      return signDeliveryReceipt(me, envelope)
    })
    await handler.start()
    await Promise.all([connect(hostile, node), connect(honest, node)])

    const outcomes: Record<string, number> = {}
    const started = performance.now()
    const framings = fc.constantFrom<Framing>('prefixed', 'prefixed', 'prefixed', 'bare', 'cut', 'huge-length')
    const plan = (target: FuzzTarget, offset: number): Array<[Uint8Array, Framing]> =>
      fc.sample(fc.tuple(target.frames, framings), { numRuns: frames, seed: seed === undefined ? undefined : seed + offset })
    const run = async (protocol: string, items: Array<[Uint8Array, Framing]>, decodeStatus: (bytes: Uint8Array) => string): Promise<void> => {
      for (let i = 0; i < items.length; i += 8) {
        await Promise.all(items.slice(i, i + 8).map(async ([frame, framing]) => {
          const stream = await hostile.libp2p.dialProtocol(node.libp2p.peerId, protocol)
          const outcome = await send(stream, framed(frame, framing), decodeStatus)
          if (outcome === 'INTERNAL') throw new Error(`${protocol}: the node answered INTERNAL to a ${framing} frame of ${frame.length} bytes`)
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
        }))
      }
    }
    await run(CHUNKS_PROTOCOL, plan(chunkFrames, 0), bytes => ChunkStatus[decodeChunkResponse(bytes).status] ?? 'unknown')
    await run(DELIVER_PROTOCOL, plan(deliverFrames, 1), bytes => DeliverStatus[decodeDeliverResponse(bytes).status] ?? 'unknown')
    const ms = performance.now() - started

    // The honest peer, on its own connection: store, fetch, deliver.
    const owner = WalletIdentity.generate()
    const object = await makeObject(owner, { length: 1800, seed: 3 })
    await storeShard(honest.libp2p, node.libp2p.peerId, { manifest: object.manifest, manifestBytes: object.manifestBytes, shardIndex: 2, shard: object.shards[2] })
    const fetched = await fetchShards(honest.libp2p, node.libp2p.peerId, { objectId: object.manifest.objectId })
    if (fetched.length !== 1 || fetched[0].shardIndex !== 2) throw new Error(`after the hostile streams, an honest FETCH returned ${fetched.length} shards`)
    const sender = WalletIdentity.generate()
    const envelope = await honestEnvelope(sender, me)
    await deliverEnvelope(honest.libp2p, node.libp2p.peerId, me.address, envelope)
    await handler.stop()
    return { chunkFrames: frames, deliverFrames: frames, ms, outcomes }
  } finally {
    await Promise.all(nodes.map(async n => await n.libp2p.stop()))
  }
}

async function honestEnvelope (sender: WalletIdentity, recipient: WalletIdentity): Promise<Uint8Array> {
  const senderKeys = deriveChatKeyPair(sender)
  const recipientKeys = deriveChatKeyPair(recipient)
  const bundle = createKeyBundle(recipient, { x25519PublicKey: recipientKeys.publicKey, createdAt: Date.now() })
  const sealed = await sealMessage({ sender, senderKeys, recipientBundle: bundle, content: { text: 'still here?' }, sentAt: Date.now() })
  // The recipient can open it: the handler above only checks the address, a tab opens it too.
  await openMessage(sealed.bytes, { me: recipient.address, myKeys: recipientKeys, lookupBundle: async () => createKeyBundle(sender, { x25519PublicKey: senderKeys.publicKey, createdAt: Date.now() }) })
  return sealed.bytes
}
