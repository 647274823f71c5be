/**
 * Fuzz targets (imported by `fuzz.test.ts` and `npm run fuzz` only): every decoder and handler that takes bytes from
 * another peer, each with the frames fast-check generates for it and the rule its answer must follow.
 *
 * Frames are of three kinds, mixed: random bytes; messages of the protocol's schema with arbitrary field values
 * (encoded with the real protons codecs); and valid frames (a signed STORE, a real envelope) with a few bytes
 * flipped, set, cut, inserted, deleted or copied. The rule for every target: the call returns, or throws a typed
 * `ZenTalkError`, never anything else (a TypeError or RangeError is a bug the input reached); holders answer
 * every request with a status that decodes, never INTERNAL (which only a storage failure or a bug produces).
 */
import fc from 'fast-check'
import { NS_DELETE, NS_HISTORY, NS_MANIFEST, sha256, toHex } from '../crypto/index.ts'
import { ZenTalkError } from '../errors/index.ts'
import { WalletIdentity, addressToBytes, type WalletAddress } from '../identity/index.ts'
import { ChunkService } from '../protocols/index.ts'
import { MemoryChunkStore, type ChunkStore } from '../store/index.ts'
import {
  ChunkRequest,
  ChunkStatus,
  DeliverResponse,
  EnvelopeHeader,
  KeyBundleBody,
  ManifestBodyMessage,
  PresenceBody,
  SignedKeyBundle,
  SignedPresence,
  DeliverStatus,
  SignedManifestMessage,
  decodeChunkResponse,
  decodeSignedManifest,
  encodeChunkRequest,
  encodeChunkResponse,
  assertShardMatches,
  deleteAuthorization,
  objectIdToBytes,
  shardTreeProofs,
  shardTreeRoot,
  type ChunkCommand
} from '../wire/index.ts'
import { assertPlacementAllowed, inboxNamespace, placementKeyFor } from '../placement/index.ts'
import { NS_ENVELOPE, NS_KEY_BUNDLE, NS_PRESENCE, createKeyBundle, createPresence, deriveChatKeyPair, encodeKeyBundle, encodeSignedEnvelope, envelopeSigningMessage, encodePresence, inspectEnvelope, openMessage, sealMessage, verifyKeyBundle, verifyPresence } from '../chat/index.ts'
import { NotRecipientError, createReadNotice, decodeDeliverRequestParts, type DeliverRequestParts, decodeDeliverResponse, encodeDeliverRequest, encodeDeliverResponse, encodeReadNoticeRequest, isDeliveryReceiptOf, openReadNotice, signDeliveryReceipt, statusFor } from '../chat/index.ts'
import { ClosestRequest, ClosestResponse, decodeClosestRequest, decodeClosestResponse, encodeClosestRequest, encodeClosestResponse } from '../wire/index.ts'
import { makeObject, shardInput, type TestObject } from './chunk-nodes.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'

/** A rule broken by one frame: what the target did with it. */
export class FuzzFindingError extends Error {
  constructor (readonly target: string, message: string, readonly frame: Uint8Array, options?: ErrorOptions) {
    super(`${target}: ${message} (frame ${frame.length} bytes: ${toHex(frame.subarray(0, 64))}${frame.length > 64 ? '…' : ''})`, options)
    this.name = 'FuzzFindingError'
  }
}

export interface FuzzTarget {
  readonly name: string
  /** The frames to try. */
  readonly frames: fc.Arbitrary<Uint8Array>
  /** Runs one frame; returns how it ended (a status or an error name, for the tally); throws FuzzFindingError. */
  run (frame: Uint8Array): Promise<string>
  /** After the run: an honest request still gets its honest answer (throws if not). */
  stillServes (): Promise<void>
}

// ---- Frame generators ----------------------------------------------------------------------------------------

type Mutation =
  | { kind: 'flip', at: number, bit: number }
  | { kind: 'set', at: number, value: number }
  | { kind: 'cut', at: number }
  | { kind: 'insert', at: number, bytes: Uint8Array }
  | { kind: 'delete', at: number, length: number }
  | { kind: 'copy', from: number, length: number, to: number }
  | { kind: 'huge-varint', at: number }

const position = fc.nat({ max: 1 << 20 })
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x08) }),
  fc.record({ kind: fc.constant('cut' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('copy' as const), from: position, length: fc.integer({ min: 1, max: 256 }), to: position }),
  fc.record({ kind: fc.constant('huge-varint' as const), at: position })
)

/** `frame` with `mutations` applied in order; positions wrap around the current length. */
export function mutate (frame: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = own(frame)
  for (const m of mutations) {
    const length = bytes.length
    if (length === 0) {
      if (m.kind === 'insert') bytes = own(m.bytes)
      continue
    }
    const at = ('at' in m ? m.at : 0) % length
    switch (m.kind) {
      case 'flip': bytes[at] ^= 1 << m.bit; break
      case 'set': bytes[at] = m.value; break
      case 'cut': bytes = bytes.slice(0, at); break
      case 'insert': bytes = concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at)); break
      case 'delete': bytes = concat(bytes.subarray(0, at), bytes.subarray(at + m.length)); break
      case 'copy': {
        const from = m.from % length
        const to = m.to % length
        bytes = concat(bytes.subarray(0, to), bytes.subarray(from, from + m.length), bytes.subarray(to))
        break
      }
      case 'huge-varint': bytes = concat(bytes.subarray(0, at), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), bytes.subarray(at + 1)); break
    }
  }
  return bytes
}

/** A copy in its own ArrayBuffer, the type the protons codecs take. */
function own (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(bytes)
}

function concat (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) { out.set(part, offset); offset += part.length }
  return out
}

/** Random bytes, mutated seeds and schema-shaped frames, in equal parts. */
export function framesOf (seeds: readonly Uint8Array[], shaped: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([seed, ms]) => mutate(seed, ms)),
    shaped
  )
}

/** Encodes with a protons codec; a value the codec refuses becomes random bytes rather than an error. */
function encodeOr (encode: () => Uint8Array, fallback: Uint8Array): Uint8Array<ArrayBuffer> {
  try {
    return own(encode())
  } catch {
    return own(fallback)
  }
}

const smallBytes = (max: number): fc.Arbitrary<Uint8Array<ArrayBuffer>> => fc.uint8Array({ maxLength: max }).map(own)
const keyLike = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(own), smallBytes(40))
const u32 = fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 300 }), fc.constant(0xffff_ffff))
const time = fc.oneof(fc.constant(Date.now()), fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.integer({ min: Date.now() - 600_000, max: Date.now() + 600_000 }))

/** Checks the rule for code that may only throw typed errors; returns the error's name or 'ok'. */
async function typedOnly (target: string, frame: Uint8Array, call: () => unknown): Promise<string> {
  try {
    await call()
    return 'ok'
  } catch (error) {
    if (error instanceof ZenTalkError) return error.name
    throw new FuzzFindingError(target, `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not a typed error`, frame, { cause: error })
  }
}

// ---- Fixtures ----------------------------------------------------------------------------------------------------

const owner = WalletIdentity.generate()
const stranger = WalletIdentity.generate()

interface ChunkFixtures { history: TestObject, inbox: TestObject, seeds: Uint8Array[] }

async function chunkFixtures (): Promise<ChunkFixtures> {
  // One object in each manifest format: history in version 2 (shards carry proofs), the inbox one in version 1.
  const history = await makeObject(owner, { length: 2000, seed: 7, version: 2 })
  const inboxNs = inboxNamespace(stranger.address)
  const inbox = await makeObject(owner, { length: 700, seed: 8, namespace: inboxNs, placementKey: placementKeyFor(inboxNs, stranger.address) })
  const timestamp = Date.now()
  const commands: ChunkCommand[] = [
    { type: 'store', manifest: history.manifestBytes, shardIndex: 3, shard: history.shards[3], shardProof: history.shardProofs[3] },
    { type: 'store', manifest: inbox.manifestBytes, shardIndex: 14, shard: inbox.shards[14], sole: true },
    { type: 'fetch', target: { placementKey: history.manifest.placementKey } },
    { type: 'fetch', target: { objectId: history.manifest.objectId }, after: { objectId: history.manifest.objectId, shardIndex: 2 } },
    { type: 'list', placementKey: history.manifest.placementKey },
    { type: 'list', after: { objectId: inbox.manifest.objectId, shardIndex: 0 } },
    {
      type: 'delete',
      objectId: history.manifest.objectId,
      owner: owner.address,
      timestamp,
      signature: owner.sign(NS_DELETE, deleteAuthorization(history.manifest.objectId, undefined, timestamp))
    }
  ]
  return { history, inbox, seeds: commands.map(encodeChunkRequest) }
}

/** ChunkRequest frames with arbitrary field values. */
function shapedChunkRequests (fixtures: ChunkFixtures): fc.Arbitrary<Uint8Array> {
  const manifests = fc.oneof(
    fc.constant(fixtures.history.manifestBytes),
    fc.constant(fixtures.inbox.manifestBytes),
    fc.record({ body: smallBytes(300), signature: smallBytes(70) }).map(m => SignedManifestMessage.encode(m)),
    smallBytes(200)
  )
  const cursor = fc.option(fc.record({ objectId: keyLike, shardIndex: u32 }), { nil: undefined })
  const version = fc.oneof(fc.constant(1), fc.nat({ max: 3 }), fc.constant(0xffff_ffff))
  const request = fc.oneof(
    fc.record({ version, store: fc.record({ manifest: manifests, shardIndex: u32, shard: fc.oneof(smallBytes(400), fc.constantFrom(...fixtures.history.shards)), sole: fc.option(fc.boolean(), { nil: undefined }), shardProof: fc.option(fc.oneof(smallBytes(300), fc.constantFrom(...fixtures.history.shardProofs as Uint8Array[])), { nil: undefined }) }) }),
    fc.record({ version, fetch: fc.record({ placementKey: fc.option(keyLike, { nil: undefined }), objectId: fc.option(keyLike, { nil: undefined }), after: cursor }) }),
    fc.record({ version, list: fc.record({ placementKey: fc.option(keyLike, { nil: undefined }), after: cursor }) }),
    fc.record({ version, delete: fc.record({ objectId: keyLike, shardIndex: fc.option(u32, { nil: undefined }), owner: fc.oneof(fc.constant(addressToBytes(owner.address)), smallBytes(24)), timestamp: time, signature: smallBytes(70) }) }),
    fc.record({ version, store: fc.record({ manifest: manifests, shardIndex: u32, shard: smallBytes(50) }), list: fc.record({ placementKey: fc.option(keyLike, { nil: undefined }) }) })
  )
  return fc.tuple(request, smallBytes(32)).map(([r, fallback]) => encodeOr(() => ChunkRequest.encode(r as ChunkRequest), fallback))
}

/**
 * STORE requests whose manifest has arbitrary fields but a valid owner signature (a hostile owner signs whatever it
 * likes), so the frames get past the signature check to the holder's field, placement and shard checks. The shard
 * hashes to its manifest entry whenever the index lands inside the list; under version 2 the body signs the root of
 * that list instead and the STORE carries the shard's proof, or junk.
 */
function signedStores (fixtures: ChunkFixtures): fc.Arbitrary<Uint8Array> {
  const count = fc.oneof(fc.nat({ max: 20 }), fc.constantFrom(0, 1, 15, 255, 256, 257, 0xffff_ffff))
  const namespaces = fc.oneof(fc.constantFrom(NS_HISTORY, inboxNamespace(stranger.address), 'zentalk/unknown/v1', ''), fc.string({ maxLength: 80 }))
  const length = fc.oneof(fc.nat({ max: 5000 }), fc.constantFrom(0, Number.MAX_SAFE_INTEGER, 2 ** 32))
  return fc.record({
    version: fc.oneof(fc.constant(1), fc.nat({ max: 3 })),
    namespace: namespaces,
    rightKey: fc.boolean(),
    placementKey: keyLike,
    k: count,
    m: count,
    originalLength: length,
    shard: smallBytes(300),
    sizeMatches: fc.boolean(),
    shardSize: fc.oneof(fc.nat({ max: 5000 }), fc.constant(0xffff_ffff)),
    hashes: fc.nat({ max: 20 }),
    shardIndex: fc.oneof(fc.nat({ max: 20 }), u32),
    createdAt: time,
    sole: fc.option(fc.boolean(), { nil: undefined }),
    realProof: fc.boolean(),
    junkProof: fc.option(smallBytes(300), { nil: undefined })
  }).map(f => {
    const listed = Array.from({ length: f.hashes }, (_, i) => i === f.shardIndex ? sha256(f.shard) : sha256(Uint8Array.of(i)))
    const v2 = f.version === 2 && listed.length > 0
    const shardHashes = v2 ? [] : listed
    const shardRoot = v2 ? new Uint8Array(shardTreeRoot(listed)) : undefined
    const shardProof = v2 && f.realProof && f.shardIndex < listed.length ? new Uint8Array(shardTreeProofs(listed)[f.shardIndex]) : f.junkProof
    const placementKey = f.rightKey ? encodeOr(() => placementKeyFor(f.namespace, f.namespace.startsWith('zentalk/inbox') ? stranger.address : owner.address), f.placementKey) : f.placementKey
    const body = encodeOr(() => ManifestBodyMessage.encode({
      version: f.version, namespace: f.namespace, owner: addressToBytes(owner.address), placementKey: own(placementKey), k: f.k, m: f.m,
      originalLength: f.originalLength, shardSize: f.sizeMatches ? f.shard.length : f.shardSize, shardHashes, createdAt: f.createdAt, shardRoot
    }), new Uint8Array())
    const manifest = SignedManifestMessage.encode({ body, signature: own(owner.sign(NS_MANIFEST, body)) })
    return encodeOr(() => ChunkRequest.encode({ version: 1, store: { manifest, shardIndex: f.shardIndex, shard: own(f.shard), sole: f.sole, shardProof } }), fixtures.seeds[0])
  })
}

// ---- Targets -----------------------------------------------------------------------------------------------------

/** The holder: `ChunkService.answer` over a real store (in memory by default). */
export async function chunkRequestTarget (store: ChunkStore = new MemoryChunkStore()): Promise<FuzzTarget> {
  const fixtures = await chunkFixtures()
  const service = new ChunkService({
    registrar: { handle: async () => {}, unhandle: async () => {} },
    privateKey: await generateKeyPair('Ed25519'),
    logger: defaultLogger()
  }, { store })
  const name = 'chunks-request'
  return {
    name,
    frames: framesOf(fixtures.seeds, fc.oneof(shapedChunkRequests(fixtures), signedStores(fixtures))),
    run: async frame => {
      let answer: Uint8Array
      try {
        answer = await service.answer(frame, 'fuzzer')
      } catch (error) {
        throw new FuzzFindingError(name, `the holder threw ${String(error)}`, frame, { cause: error })
      }
      let status: ChunkStatus
      try {
        status = decodeChunkResponse(answer).status
      } catch (error) {
        throw new FuzzFindingError(name, `the holder's answer does not decode: ${String(error)}`, frame, { cause: error })
      }
      if (status === ChunkStatus.INTERNAL) throw new FuzzFindingError(name, 'the holder answered INTERNAL (a handler threw)', frame)
      return ChunkStatus[status] ?? String(status)
    },
    stillServes: async () => {
      const fresh = await makeObject(owner, { length: 1500, seed: Math.floor(Math.random() * 1e9), version: 2 })
      const stored = decodeChunkResponse(await service.answer(encodeChunkRequest({ type: 'store', ...shardInput(fresh, 0), manifest: fresh.manifestBytes }), 'honest'))
      if (stored.status !== ChunkStatus.OK) throw new Error(`after fuzzing, an honest STORE got ${ChunkStatus[stored.status]}: ${stored.message}`)
      const fetched = decodeChunkResponse(await service.answer(encodeChunkRequest({ type: 'fetch', target: { objectId: fresh.manifest.objectId } }), 'honest'))
      if (fetched.status !== ChunkStatus.OK || fetched.shards.length !== 1) throw new Error(`after fuzzing, an honest FETCH got ${ChunkStatus[fetched.status]} with ${fetched.shards.length} shards`)
    }
  }
}

/** The reader: a holder's answer decoded, each entry's manifest checked, each shard checked against it. */
export async function chunkResponseTarget (): Promise<FuzzTarget> {
  const fixtures = await chunkFixtures()
  const { history } = fixtures
  const entries = history.shards.slice(0, 3).map((shard, shardIndex) =>
    ({ manifest: own(history.manifestBytes), shardIndex, shard: own(shard), shardProof: own(history.shardProofs[shardIndex] as Uint8Array) }))
  const seeds = [
    encodeChunkResponse({ status: ChunkStatus.OK, shards: entries, more: true }),
    encodeChunkResponse({ status: ChunkStatus.OK, summaries: [{ objectId: own(objectIdToBytes(history.manifest.objectId)), shardIndex: 1, shardHash: sha256(history.shards[1]), size: history.shards[1].length, placementKey: own(history.manifest.placementKey), owner: addressToBytes(owner.address), storedAt: Date.now() }] }),
    encodeChunkResponse({ status: ChunkStatus.QUOTA_EXCEEDED, message: 'full' }),
    encodeChunkResponse({ status: ChunkStatus.OK, ack: { objectId: own(objectIdToBytes(history.manifest.objectId)), shardIndex: 1, shardHash: sha256(history.shards[1]), storedAt: Date.now(), signature: new Uint8Array(64) } })
  ]
  // Answers of the schema with arbitrary fields: any status and message, real or junk shard entries, summaries.
  const shaped = fc.record({
    status: fc.nat({ max: 20 }),
    message: fc.string({ maxLength: 100 }),
    shards: fc.array(fc.oneof(fc.constantFrom(...entries), fc.record({ manifest: smallBytes(200), shardIndex: u32, shard: smallBytes(100), shardProof: fc.option(smallBytes(140), { nil: undefined }) })), { maxLength: 5 }),
    summaries: fc.array(fc.record({ objectId: keyLike, shardIndex: u32, shardHash: keyLike, size: u32, placementKey: keyLike, owner: smallBytes(24), storedAt: time }), { maxLength: 3 }),
    more: fc.boolean(),
    deleted: u32
  }).map(r => encodeOr(() => encodeChunkResponse(r as unknown as Parameters<typeof encodeChunkResponse>[0]), seeds[2]))
  const name = 'chunks-response'
  return {
    name,
    frames: framesOf(seeds, shaped),
    run: async frame => await typedOnly(name, frame, () => {
      const response = decodeChunkResponse(frame)
      for (const entry of response.shards) {
        const manifest = decodeSignedManifest(entry.manifest)
        assertPlacementAllowed(manifest)
        assertShardMatches(manifest, entry.shardIndex, entry.shard, entry.shardProof)
      }
    }),
    stillServes: async () => {
      const response = decodeChunkResponse(seeds[0])
      if (response.shards.length !== 3) throw new Error('a valid FETCH answer no longer decodes')
    }
  }
}

/** Signed manifests as holders and readers decode them (signature recovered, fields checked). */
export async function manifestTarget (): Promise<FuzzTarget> {
  const fixtures = await chunkFixtures()
  const name = 'manifest'
  const seeds = [fixtures.history.manifestBytes, fixtures.inbox.manifestBytes]
  return {
    name,
    frames: framesOf(seeds, fc.record({ body: smallBytes(400), signature: smallBytes(70) }).map(m => SignedManifestMessage.encode(m))),
    run: async frame => await typedOnly(name, frame, () => decodeSignedManifest(frame)),
    stillServes: async () => { decodeSignedManifest(seeds[0]) }
  }
}

interface ChatFixtures {
  alice: { wallet: WalletIdentity, keys: ReturnType<typeof deriveChatKeyPair> }
  bob: { wallet: WalletIdentity, keys: ReturnType<typeof deriveChatKeyPair> }
  bundles: Map<WalletAddress, ReturnType<typeof createKeyBundle>>
  envelopes: Uint8Array[]
}

async function chatFixtures (): Promise<ChatFixtures> {
  const person = (): ChatFixtures['alice'] => { const wallet = WalletIdentity.generate(); return { wallet, keys: deriveChatKeyPair(wallet) } }
  const alice = person()
  const bob = person()
  const bundles = new Map([alice, bob].map(p => [p.wallet.address, createKeyBundle(p.wallet, { x25519PublicKey: p.keys.publicKey, createdAt: Date.now() })]))
  const seal = async (from: ChatFixtures['alice'], to: ChatFixtures['alice'], text: string): Promise<Uint8Array> =>
    (await sealMessage({ sender: from.wallet, senderKeys: from.keys, recipientBundle: bundles.get(to.wallet.address)!, content: { text }, sentAt: Date.now() })).bytes
  const envelopes = [await seal(alice, bob, 'hello bob'), await seal(bob, bob, 'note to self'), await seal(bob, alice, 'x'.repeat(300))]
  return { alice, bob, bundles, envelopes }
}

/**
 * Envelopes with arbitrary header fields, validly signed by Alice, so frames reach the key, decryption and payload
 * checks after the signature: the other party's key, the recipient, the algorithm, the nonce, the ciphertext.
 */
function signedEnvelopes (chat: ChatFixtures): fc.Arbitrary<Uint8Array> {
  const sample = inspectEnvelope(chat.envelopes[0])
  const either = (real: Uint8Array, max: number): fc.Arbitrary<Uint8Array<ArrayBuffer>> => fc.oneof(fc.constant(own(real)), smallBytes(max))
  return fc.record({
    version: fc.oneof(fc.constant(1), fc.nat({ max: 3 })),
    alg: fc.oneof(fc.constant(sample.alg), fc.string({ maxLength: 40 })),
    recipient: either(addressToBytes(chat.bob.wallet.address), 24),
    senderKey: either(chat.alice.keys.publicKey, 40),
    recipientKey: either(chat.bob.keys.publicKey, 40),
    messageId: smallBytes(20),
    sentAt: time,
    nonce: smallBytes(16),
    ciphertext: fc.oneof(smallBytes(200), fc.constant(own(chat.envelopes[0].subarray(chat.envelopes[0].length - 100))))
  }).map(f => {
    const headerBytes = encodeOr(() => EnvelopeHeader.encode({ ...f, sender: addressToBytes(chat.alice.wallet.address) }), new Uint8Array())
    const signature = chat.alice.wallet.sign(NS_ENVELOPE, envelopeSigningMessage(headerBytes, f.ciphertext))
    return encodeSignedEnvelope({ headerBytes, ciphertext: f.ciphertext, signature })
  })
}

/** Live delivery to Bob's tab: the request frame decoded, the envelope checked and opened as `acceptDelivery` does. */
export async function deliverRequestTarget (): Promise<FuzzTarget> {
  const chat = await chatFixtures()
  const me = chat.bob
  const name = 'deliver-request'
  const accept = async (parts: DeliverRequestParts): Promise<void> => {
    if (parts.envelope === undefined) {
      openReadNotice(parts.readNotice, me.wallet.address)
      return
    }
    const { envelope, senderKeyBundle } = parts
    const header = inspectEnvelope(envelope)
    if (header.recipient !== me.wallet.address) throw new NotRecipientError('not for this node')
    // As the service does with a bundle sent along: verified against the envelope's sender, or ignored.
    if (senderKeyBundle !== undefined) {
      try { verifyKeyBundle(senderKeyBundle, header.sender) } catch {}
    }
    await openMessage(envelope, { me: me.wallet.address, myKeys: me.keys, lookupBundle: address => chat.bundles.get(address) })
  }
  const aliceBundle = encodeKeyBundle(chat.bundles.get(chat.alice.wallet.address)!)
  const readNotice = createReadNotice(chat.alice.wallet, { sender: me.wallet.address, readAt: 1, messageIds: ['ab'.repeat(16), 'cd'.repeat(16)] })
  const seeds = [...chat.envelopes.map(envelope => encodeDeliverRequest(envelope)), ...chat.envelopes.map(envelope => encodeDeliverRequest(envelope, aliceBundle)),
    encodeReadNoticeRequest(readNotice)]
  return {
    name,
    frames: fc.oneof(framesOf(seeds, signedEnvelopes(chat).map(envelope => encodeDeliverRequest(envelope))), fc.tuple(fc.constantFrom(...chat.envelopes), fc.array(mutation, { minLength: 1, maxLength: 3 }))
      .map(([envelope, ms]) => encodeOr(() => encodeDeliverRequest(mutate(envelope, ms)), envelope))),
    run: async frame => {
      try {
        await accept(decodeDeliverRequestParts(frame))
        return 'DELIVERED'
      } catch (error) {
        const status = statusFor(error)
        if (status === DeliverStatus.INTERNAL) throw new FuzzFindingError(name, `a refusal maps to INTERNAL: ${String(error)}`, frame, { cause: error })
        return DeliverStatus[status] ?? String(status)
      }
    },
    stillServes: async () => { await accept(decodeDeliverRequestParts(seeds[0])) }
  }
}

/** The sender reading the recipient's answer and checking its receipt. */
export async function deliverResponseTarget (): Promise<FuzzTarget> {
  const chat = await chatFixtures()
  const envelope = chat.envelopes[0]
  const receipt = signDeliveryReceipt(chat.bob.wallet, envelope)
  const seeds = [
    encodeDeliverResponse({ status: DeliverStatus.DELIVERED, receipt }),
    encodeDeliverResponse({ status: DeliverStatus.BUSY, message: 'busy' })
  ]
  const shaped = fc.record({ status: fc.nat({ max: 12 }), message: fc.string({ maxLength: 600 }), receipt: fc.oneof(fc.constant(own(receipt)), smallBytes(70)) })
    .map(r => encodeOr(() => DeliverResponse.encode(r as unknown as DeliverResponse), seeds[1]))
  const name = 'deliver-response'
  return {
    name,
    frames: framesOf(seeds, shaped),
    run: async frame => await typedOnly(name, frame, () => {
      const reply = decodeDeliverResponse(frame)
      if (reply.receipt !== undefined) isDeliveryReceiptOf(reply.receipt, envelope, chat.bob.wallet.address)
    }),
    stillServes: async () => {
      const reply = decodeDeliverResponse(seeds[0])
      if (reply.receipt === undefined || !isDeliveryReceiptOf(reply.receipt, envelope, chat.bob.wallet.address)) throw new Error('a valid receipt no longer verifies')
    }
  }
}

/** Stored envelopes read back from an inbox or history object, opened by their recipient. */
export async function envelopeTarget (): Promise<FuzzTarget> {
  const chat = await chatFixtures()
  const name = 'envelope'
  const open = async (bytes: Uint8Array): Promise<unknown> => await openMessage(bytes, { me: chat.bob.wallet.address, myKeys: chat.bob.keys, lookupBundle: address => chat.bundles.get(address) })
  return {
    name,
    frames: framesOf(chat.envelopes, signedEnvelopes(chat)),
    run: async frame => await typedOnly(name, frame, async () => await open(frame)),
    stillServes: async () => { await open(chat.envelopes[0]) }
  }
}

/** Key bundles and presence records with arbitrary body fields, validly signed by Alice. */
function signedRecords (chat: ChatFixtures): fc.Arbitrary<Uint8Array> {
  const owner = addressToBytes(chat.alice.wallet.address)
  const bundles = fc.record({
    version: fc.oneof(fc.constant(1), fc.nat({ max: 3 })),
    x25519PublicKey: fc.oneof(fc.constant(own(chat.alice.keys.publicKey)), smallBytes(40), fc.constant(new Uint8Array(32))),
    createdAt: time,
    displayName: fc.string({ maxLength: 100 })
  }).map(f => {
    const body = encodeOr(() => KeyBundleBody.encode({ ...f, owner }), new Uint8Array())
    return SignedKeyBundle.encode({ body, signature: own(chat.alice.wallet.sign(NS_KEY_BUNDLE, body)) })
  })
  const presences = fc.record({
    version: fc.oneof(fc.constant(1), fc.nat({ max: 3 })),
    peerId: fc.oneof(fc.constant('12D3KooWGRUVh9ZYnvsQ2L4hA6yz8Tv3vMuC4d5h6PRuanz4qKJx'), fc.string({ maxLength: 60 })),
    multiaddrs: fc.array(fc.oneof(fc.constant('/ip4/127.0.0.1/tcp/1/ws'), fc.string({ maxLength: 300 })), { maxLength: 20 }),
    sequence: time,
    issuedAt: time,
    validUntil: time
  }).map(f => {
    const body = encodeOr(() => PresenceBody.encode({ ...f, owner }), new Uint8Array())
    return SignedPresence.encode({ body, signature: own(chat.alice.wallet.sign(NS_PRESENCE, body)) })
  })
  return fc.oneof(bundles, presences)
}

/** Key bundles and presence records as looked up from the mesh, verified for the address asked about. */
export async function signedRecordTarget (): Promise<FuzzTarget> {
  const chat = await chatFixtures()
  const address = chat.alice.wallet.address
  const bundle = encodeKeyBundle(chat.bundles.get(address)!)
  const now = Date.now()
  const presence = encodePresence(createPresence(chat.alice.wallet, { peerId: '12D3KooWGRUVh9ZYnvsQ2L4hA6yz8Tv3vMuC4d5h6PRuanz4qKJx', multiaddrs: ['/ip4/127.0.0.1/tcp/4001/ws'], sequence: now, issuedAt: now, validUntil: now + 60_000 }))
  const name = 'key-bundle+presence'
  return {
    name,
    frames: framesOf([bundle, presence], signedRecords(chat)),
    run: async frame => {
      const a = await typedOnly(name, frame, () => verifyKeyBundle(frame, address))
      const b = await typedOnly(name, frame, () => verifyPresence(frame, address, { now }))
      return `${a}/${b}`
    },
    stillServes: async () => {
      verifyKeyBundle(bundle, address)
      verifyPresence(presence, address, { now })
    }
  }
}

/**
 * Closest-peers requests (what a storage node decodes from any connected peer) and answers (what a node with a
 * connection budget decodes from the peers it asks): both decoders, which must only throw typed errors.
 */
export async function closestTarget (): Promise<FuzzTarget> {
  const key = new Uint8Array(32).fill(7)
  const peer = { id: '12D3KooWGRUVh9ZYnvsQ2L4hA6yz8Tv3vMuC4d5h6PRuanz4qKJx', addrs: [Uint8Array.from([4, 127, 0, 0, 1, 6, 0x0f, 0xa1])] }
  const seeds = [encodeClosestRequest({ key, count: 15 }), encodeClosestResponse([peer, peer])]
  const shaped = fc.oneof(
    fc.record({ version: u32, key: smallBytes(80), count: u32 }).map(r => encodeOr(() => ClosestRequest.encode(r), seeds[0])),
    fc.record({
      version: u32,
      peers: fc.array(fc.record({ id: fc.oneof(fc.constant(peer.id), fc.string({ maxLength: 140 })), addrs: fc.array(smallBytes(600), { maxLength: 6 }) }), { maxLength: 40 })
    }).map(r => encodeOr(() => ClosestResponse.encode(r), seeds[1]))
  )
  const name = 'closest'
  return {
    name,
    frames: framesOf(seeds, shaped),
    run: async frame => {
      const a = await typedOnly(name, frame, () => decodeClosestRequest(frame))
      const b = await typedOnly(name, frame, () => decodeClosestResponse(frame))
      return `${a}/${b}`
    },
    stillServes: async () => {
      if (decodeClosestRequest(seeds[0]).count !== 15 || decodeClosestResponse(seeds[1]).length !== 2) throw new Error('valid closest frames no longer decode')
    }
  }
}

/** Every target, in the order `npm run fuzz` runs them. */
export const FUZZ_TARGETS: Record<string, () => Promise<FuzzTarget>> = {
  'chunks-request': async () => await chunkRequestTarget(),
  'chunks-response': chunkResponseTarget,
  manifest: manifestTarget,
  'deliver-request': deliverRequestTarget,
  'deliver-response': deliverResponseTarget,
  envelope: envelopeTarget,
  'key-bundle+presence': signedRecordTarget,
  closest: closestTarget
}

export interface FuzzRun { target: string, frames: number, ms: number, outcomes: Record<string, number> }

/**
 * Runs `frames` generated frames through `target` (seeded, so a finding can be replayed), then checks it still
 * serves an honest request. Rejects with fast-check's report (the shrunk frame) on the first finding.
 */
export async function fuzz (target: FuzzTarget, frames: number, seed?: number): Promise<FuzzRun> {
  const outcomes: Record<string, number> = {}
  const started = performance.now()
  await fc.assert(fc.asyncProperty(target.frames, async frame => {
    const outcome = await target.run(frame)
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  }), { numRuns: frames, seed, endOnFailure: false })
  await target.stillServes()
  return { target: target.name, frames, ms: performance.now() - started, outcomes }
}

