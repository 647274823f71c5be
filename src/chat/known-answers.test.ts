import { createDecipheriv } from 'node:crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { expand, hkdf } from '@noble/hashes/hkdf.js'
import { scrypt } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { fromHex, hashWithNamespace, toHex } from '../crypto/index.ts'
import { walletFromPrivateKey } from '../identity/index.ts'
import { exportBackup, importBackup } from './backup.ts'
import { deriveChatKeyPair } from './chat-keys.ts'
import { openMessage, sealMessage } from './envelope.ts'
import backupFixture from './fixtures/backup-v1.json'
import envelopeFixture from './fixtures/envelope-v1.json'
import bundleFixture from './fixtures/key-bundle-v1.json'
import presenceFixture from './fixtures/presence-v1.json'
import { createKeyBundle, decodeKeyBundle, encodeKeyBundle, verifyKeyBundle } from './key-bundle.ts'
import { BackupSecrets } from '../wire/index.ts'
import { MessagePayload } from '../wire/index.ts'
import { createPresence, encodePresence, verifyPresence } from './presence.ts'
import { fixedRandom } from '../testing/chat-parties.ts'

// These vectors pin the chat formats across releases: if one fails, a format changed. Do not update a fixture
// to make a test pass; stored envelopes, bundles and backups must keep opening. Each block also recomputes
// the values with plain library calls (noble, node:crypto), so the fixture is checkable without this code.

const utf8 = new TextEncoder()

function u32be (value: number): Uint8Array {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value, false)
  return bytes
}

/** AES-256-GCM decryption with node:crypto, independent of the WebCrypto path the code uses. */
function nodeAesGcmDecrypt (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, associatedData: Uint8Array): Uint8Array {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce)
  decipher.setAAD(associatedData)
  decipher.setAuthTag(sealed.subarray(sealed.length - 16))
  return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]))
}

describe('key bundle v1 known answers', () => {
  const wallet = walletFromPrivateKey(fromHex(bundleFixture.walletPrivateKey))

  it('derives the pinned X25519 key pair from the wallet key', () => {
    const keys = deriveChatKeyPair(wallet)
    expect(toHex(keys.exportPrivateKey())).toBe(bundleFixture.expected.x25519PrivateKey)
    expect(toHex(keys.publicKey)).toBe(bundleFixture.expected.x25519PublicKey)
    // Independently: HKDF-SHA256(wallet key, no salt, label) and the X25519 base-point multiplication.
    const privateKey = hkdf(sha256, fromHex(bundleFixture.walletPrivateKey), undefined, utf8.encode('zentalk/chat-key/x25519/v1'), 32)
    expect(toHex(privateKey)).toBe(bundleFixture.expected.x25519PrivateKey)
    expect(toHex(x25519.getPublicKey(privateKey))).toBe(bundleFixture.expected.x25519PublicKey)
  })

  it('creates the pinned body, signature and bytes', () => {
    const bundle = createKeyBundle(wallet, { x25519PublicKey: deriveChatKeyPair(wallet).publicKey, ...bundleFixture.input })
    expect(toHex(bundle.bodyBytes)).toBe(bundleFixture.expected.bodyHex)
    expect(toHex(bundle.signature)).toBe(bundleFixture.expected.signatureHex)
    expect(toHex(encodeKeyBundle(bundle))).toBe(bundleFixture.expected.signedKeyBundleHex)
  })

  it('decodes and verifies the pinned bytes', () => {
    const bytes = fromHex(bundleFixture.expected.signedKeyBundleHex)
    const bundle = verifyKeyBundle(bytes, bundleFixture.owner)
    expect(bundle).toMatchObject({ version: 1, owner: bundleFixture.owner, createdAt: bundleFixture.input.createdAt, displayName: 'Alice' })
    expect(toHex(bundle.x25519PublicKey)).toBe(bundleFixture.expected.x25519PublicKey)
    expect(decodeKeyBundle(bytes).owner).toBe(bundleFixture.owner)
  })

  it('is a plain secp256k1 signature over SHA-256(u32be(21) ‖ "zentalk/key-bundle/v1" ‖ u32be(len) ‖ body)', () => {
    const body = fromHex(bundleFixture.expected.bodyHex)
    const digest = sha256(new Uint8Array([...u32be(21), ...utf8.encode('zentalk/key-bundle/v1'), ...u32be(body.length), ...body]))
    const signature = fromHex(bundleFixture.expected.signatureHex)
    expect(secp256k1.verify(signature.subarray(0, 64), digest, wallet.publicKey, { prehash: false })).toBe(true)
  })
})

describe('envelope v1 known answers', () => {
  const { sender, recipient, input, expected } = envelopeFixture
  const alice = walletFromPrivateKey(fromHex(sender.walletPrivateKey))
  const bob = walletFromPrivateKey(fromHex(recipient.walletPrivateKey))
  const aliceKeys = deriveChatKeyPair(alice)
  const bobKeys = deriveChatKeyPair(bob)
  const aliceBundle = createKeyBundle(alice, { x25519PublicKey: aliceKeys.publicKey, createdAt: 1 })
  const bobBundle = createKeyBundle(bob, { x25519PublicKey: bobKeys.publicKey, createdAt: 1 })
  const lookupBundle = (address: string): typeof aliceBundle | undefined => address === alice.address ? aliceBundle : address === bob.address ? bobBundle : undefined

  it('seals to the pinned envelope bytes with a fixed message id and nonce', async () => {
    expect(toHex(aliceKeys.publicKey)).toBe(sender.x25519PublicKey)
    expect(toHex(bobKeys.publicKey)).toBe(recipient.x25519PublicKey)
    const sealed = await sealMessage({
      sender: alice,
      senderKeys: aliceKeys,
      recipientBundle: bobBundle,
      content: { text: input.text, replyTo: input.replyTo },
      sentAt: input.sentAt,
      random: fixedRandom(input.messageId, input.nonce)
    })
    expect(toHex(sealed.bytes)).toBe(expected.envelopeHex)
    expect(sealed.header.messageId).toBe(input.messageId)
  })

  it('opens the pinned bytes as the recipient and as the sender (history copy)', async () => {
    const bytes = fromHex(expected.envelopeHex)
    const received = await openMessage(bytes, { me: bob.address, myKeys: bobKeys, lookupBundle })
    expect(received.content).toEqual({ kind: 0, text: input.text, replyTo: input.replyTo, data: new Uint8Array() })
    expect(received).toMatchObject({ direction: 'incoming', peer: alice.address })
    expect(received.header).toMatchObject({ version: 1, alg: 'x25519-hkdf-sha256-aes-256-gcm', sender: sender.address, recipient: recipient.address, messageId: input.messageId, sentAt: input.sentAt })
    const ownCopy = await openMessage(bytes, { me: alice.address, myKeys: aliceKeys, lookupBundle })
    expect(ownCopy).toMatchObject({ direction: 'outgoing', peer: bob.address, content: { text: input.text } })
  })

  it('pins the key schedule and ciphertext, recomputed with plain noble and node:crypto calls', () => {
    const header = fromHex(expected.headerHex)
    const ciphertext = fromHex(expected.ciphertextHex)
    const shared = x25519.getSharedSecret(fromHex(bundleFixture.expected.x25519PrivateKey), fromHex(recipient.x25519PublicKey))
    expect(toHex(shared)).toBe(expected.sharedSecret)
    const info = hashWithNamespace('zentalk/envelope-key/v1', u32be(1), utf8.encode('x25519-hkdf-sha256-aes-256-gcm'),
      fromHex(sender.address), fromHex(recipient.address), fromHex(sender.x25519PublicKey), fromHex(recipient.x25519PublicKey))
    const key = hkdf(sha256, shared, fromHex(input.messageId), info, 32)
    expect(toHex(key)).toBe(expected.messageKey)
    // Associated data = the header bytes; the plaintext is a MessagePayload protobuf.
    const plaintext = nodeAesGcmDecrypt(key, fromHex(input.nonce), ciphertext, header)
    expect(MessagePayload.decode(plaintext)).toEqual({ kind: 0, text: input.text, replyTo: fromHex(input.replyTo), data: new Uint8Array() })
    // Envelope = protobuf { 1: header, 2: ciphertext, 3: signature }.
    const signature = fromHex(expected.signatureHex)
    const envelope = new Uint8Array([0x0a, 0xb9, 0x01, ...header, 0x12, ciphertext.length, ...ciphertext, 0x1a, 65, ...signature])
    expect(toHex(envelope)).toBe(expected.envelopeHex)
  })

  it('is signed with a plain secp256k1 signature over the namespaced header and ciphertext', () => {
    const header = fromHex(expected.headerHex)
    const ciphertext = fromHex(expected.ciphertextHex)
    const signed = new Uint8Array([...u32be(header.length), ...header, ...ciphertext])
    const digest = sha256(new Uint8Array([...u32be(19), ...utf8.encode('zentalk/envelope/v1'), ...u32be(signed.length), ...signed]))
    const signature = fromHex(expected.signatureHex)
    expect(secp256k1.verify(signature.subarray(0, 64), digest, alice.publicKey, { prehash: false })).toBe(true)
  })
})

describe('presence v1 known answers', () => {
  const wallet = walletFromPrivateKey(fromHex(presenceFixture.walletPrivateKey))

  it('creates the pinned bytes and verifies them while valid', () => {
    const record = createPresence(wallet, presenceFixture.input)
    expect(toHex(encodePresence(record))).toBe(presenceFixture.expected.signedPresenceHex)
    const verified = verifyPresence(fromHex(presenceFixture.expected.signedPresenceHex), presenceFixture.owner, { now: presenceFixture.input.issuedAt + 1000 })
    expect(verified).toMatchObject({ owner: presenceFixture.owner, ...presenceFixture.input })
  })
})

describe('backup v1 known answers', () => {
  const { input, expected } = backupFixture
  const wallet = walletFromPrivateKey(fromHex(backupFixture.walletPrivateKey))

  it('exports the pinned file with a fixed salt and nonce', async () => {
    const file = await exportBackup(wallet, input.passphrase, { displayName: input.displayName, scrypt: input.scrypt, random: fixedRandom(input.salt, input.nonce) })
    expect(file).toBe(expected.file)
  })

  it('imports the pinned file', async () => {
    const restored = await importBackup(expected.file, input.passphrase)
    expect(restored.wallet.address).toBe(backupFixture.address)
    expect(toHex(restored.wallet.exportPrivateKey())).toBe(backupFixture.walletPrivateKey)
    expect(restored.displayName).toBe('Alice')
  })

  it('pins the key schedule, recomputed with plain noble and node:crypto calls', () => {
    const file = JSON.parse(expected.file)
    const master = scrypt(utf8.encode(input.passphrase), fromHex(input.salt), { N: 1024, r: 8, p: 1, dkLen: 32 })
    expect(toHex(expand(sha256, master, utf8.encode('zentalk/backup/v1/passphrase-check'), 16))).toBe(file.check)
    const key = expand(sha256, master, utf8.encode('zentalk/backup/v1/aes-256-gcm-key'), 32)
    const associatedData = hashWithNamespace('zentalk/backup/v1', fromHex(backupFixture.address), u32be(1024), u32be(8), u32be(1), fromHex(input.salt), fromHex(input.nonce))
    const secrets = BackupSecrets.decode(nodeAesGcmDecrypt(key, fromHex(input.nonce), fromHex(file.ciphertext), associatedData))
    expect(toHex(secrets.walletPrivateKey)).toBe(backupFixture.walletPrivateKey)
    expect(secrets.displayName).toBe('Alice')
  })
})
