/**
 * Attachments over 16 real libp2p storage nodes (DHT off, exact XOR placement): Alice sends Bob a file of a few
 * MiB; it is stored as chunk objects in Alice's attachment namespace, Bob's message carries the reference, and Bob
 * downloads it byte-identical after 5 of its 15 holders went down. The tests run in order and share the mesh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WalletIdentity } from '../../identity/index.ts'
import { isRunning, type MeshNode } from '../../testing/object-mesh.ts'
import { chatServiceOn, createChatMesh, joinMesh, nextEvent, noStoreContains } from '../../testing/chat-mesh.ts'
import { MAX_ATTACHMENT_BYTES, type AttachmentRef } from '../attachment.ts'
import { AttachmentIntegrityError, AttachmentTooLargeError } from '../errors.ts'
import { MessageKind } from '../payload.ts'
import type { ChatService } from './chat-service.ts'
import type { ChatMessage } from './chat-message.ts'
import type { AttachmentProgress, MessageProgress } from './types.ts'

const MiB = 1024 * 1024
/** Smaller chunks than the default 4 MiB, so a few-MiB file is several chunk objects (the last one short). */
const CHUNK_BYTES = MiB
const wallets = { alice: WalletIdentity.generate(), bob: WalletIdentity.generate() }

let nodes: MeshNode[]
const mesh = (): MeshNode[] => nodes
let alice: ChatService
let bob: ChatService

function randomBytes (length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += 65_536) globalThis.crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65_536)))
  return bytes
}

function collect<T> (subscribe: (listener: (detail: T) => void) => () => void): T[] {
  const seen: T[] = []
  subscribe(detail => seen.push(detail))
  return seen
}

async function shardCount (): Promise<number> {
  let count = 0
  for (const node of nodes.filter(isRunning)) count += (await node.store.listShardKeys()).length
  return count
}

beforeAll(async () => {
  nodes = await createChatMesh(16)
  await Promise.all(nodes.slice(0, 2).map(async node => { await joinMesh(node, nodes, 3) }))
  const options = { attachmentChunkBytes: CHUNK_BYTES, autoCompaction: false as const }
  alice = chatServiceOn(nodes[0], wallets.alice, mesh, options).chat
  bob = chatServiceOn(nodes[1], wallets.bob, mesh, options).chat
  await Promise.all([alice.start(), bob.start()])
}, 90_000)

afterAll(async () => {
  await Promise.all([alice, bob].filter(chat => chat !== undefined).map(async chat => { await chat.stop() }))
  await Promise.all((nodes ?? []).filter(isRunning).map(async node => { await node.libp2p.stop() }))
}, 30_000)

describe('attachments over a real mesh', () => {
  const file = randomBytes(3 * MiB + 12_345)
  let received: ChatMessage

  it('stores a file as encrypted chunk objects with upload progress, and delivers a message that references it', async () => {
    const states = collect<MessageProgress>(listener => alice.events.on('message-state', listener))
    const uploads = collect<AttachmentProgress>(listener => alice.events.on('attachment-progress', listener))
    const arriving = nextEvent(bob.events, 'message', 60_000)
    const result = await alice.sendAttachment(bob.address, { name: 'random.bin', type: 'application/octet-stream', bytes: file })
    received = await arriving

    expect(result).toMatchObject({ delivered: true, storedInHistory: true, storedInInbox: true })
    expect(result.attachment).toMatchObject({ owner: alice.address, size: file.length, chunkBytes: CHUNK_BYTES, name: 'random.bin', type: 'application/octet-stream' })
    expect(result.attachment.objectIds).toHaveLength(4)
    expect(received).toMatchObject({ messageId: result.messageId, kind: MessageKind.ATTACHMENT, text: '📎 random.bin (3.2 MB)' })
    expect(received.attachment).toEqual(result.attachment)

    // Upload progress: from 0 to the whole file, never backwards, visible in 'message-state' before the message is sealed.
    const stored = states.flatMap(state => state.attachment === undefined ? [] : [state.attachment.storedBytes])
    expect(stored[0]).toBe(0)
    expect(stored.some(bytes => bytes > 0 && bytes < file.length)).toBe(true)
    expect(stored.at(-1)).toBe(file.length)
    expect(stored.every((bytes, i) => i === 0 || bytes >= stored[i - 1])).toBe(true)
    expect(states.find(state => state.attachment?.ref !== undefined)?.state).toBe('encrypting')
    expect(states.at(-1)).toMatchObject({ state: 'sent', attachment: { storedBytes: file.length, ref: result.attachment } })
    expect(uploads.at(-1)).toMatchObject({ direction: 'upload', doneBytes: file.length, totalBytes: file.length })

    // Holders keep ciphertext only.
    expect(await noStoreContains(nodes, file.subarray(MiB, MiB + 64))).toBe(true)
  })

  it('shows in the recipient\'s history with its reference; a history read does not download the file', async () => {
    const history = await bob.readHistory(alice.address)
    const message = history.messages.find(m => m.messageId === received.messageId)
    expect(message?.attachment).toEqual(received.attachment)
  })

  it('refuses a file over the limit with AttachmentTooLargeError and stores nothing', async () => {
    const before = await shardCount()
    const states = collect<MessageProgress>(listener => alice.events.on('message-state', listener))
    await expect(alice.sendAttachment(bob.address, { name: 'huge.bin', bytes: new Uint8Array(MAX_ATTACHMENT_BYTES + 1) })).rejects.toThrow(AttachmentTooLargeError)
    expect(states.at(-1)).toMatchObject({ state: 'failed', error: { name: 'AttachmentTooLargeError' } })
    expect(await shardCount()).toBe(before)
  })

  it('round-trips byte-identical with 5 of the 15 holders down, with download progress', async () => {
    const ref = received.attachment!
    // The nodes that hold shards of the file (one key: every chunk has the same 15 holders), less the two parties.
    const holders: MeshNode[] = []
    for (const node of nodes.slice(2)) {
      if ((await node.store.listObjectShards(ref.objectIds[0])).length > 0) holders.push(node)
    }
    expect(holders.length).toBeGreaterThanOrEqual(13)
    await Promise.all(holders.slice(0, 5).map(async node => { await node.libp2p.stop() }))

    const downloads = collect<AttachmentProgress>(listener => bob.events.on('attachment-progress', listener))
    const bytes = await bob.fetchAttachment(ref)
    expect(bytes.length).toBe(file.length)
    expect(Buffer.from(bytes).equals(Buffer.from(file))).toBe(true)
    expect(downloads[0]).toMatchObject({ attachmentId: ref.objectIds[0], direction: 'download', doneBytes: 0, totalBytes: file.length })
    expect(downloads.some(p => p.doneBytes > 0 && p.doneBytes < file.length)).toBe(true)
    expect(downloads.at(-1)).toMatchObject({ doneBytes: file.length, totalBytes: file.length })
    // The sender reads its own file back the same way.
    expect(Buffer.from(await alice.fetchAttachment(ref)).equals(Buffer.from(file))).toBe(true)
  }, 120_000)

  it('refuses chunks in the wrong order and bytes that do not match the message\'s hash, with AttachmentIntegrityError', async () => {
    const ref = received.attachment!
    const swapped: AttachmentRef = { ...ref, objectIds: [ref.objectIds[1], ref.objectIds[0], ...ref.objectIds.slice(2)] }
    await expect(bob.fetchAttachment(swapped)).rejects.toThrow(AttachmentIntegrityError)
    await expect(bob.fetchAttachment({ ...ref, sha256: 'ff'.repeat(32) })).rejects.toThrow(AttachmentIntegrityError)
    await expect(bob.fetchAttachment({ ...ref, key: '01'.repeat(32) })).rejects.toThrow(AttachmentIntegrityError)
  }, 120_000)
})
