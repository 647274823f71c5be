/**
 * Chat acceptance: Alice, Bob and Carol each use their own browser profile; 15 headless storage nodes in three
 * processes and the three tabs make the mesh. Alice's "Hello Bob" shows live in Bob's tab; three more sent while
 * Bob is away wait in his inbox and show, in order, when he opens the app again, and after a reload. Bob's backup
 * brings his address and history into a fresh browser. Carol cannot read their messages; a tampered ciphertext, a
 * wrong signature and a key bundle signed by another key are refused with visible errors. A photo Alice attaches
 * shows in Bob's tab with its thumbnail and downloads byte-identical. Finally no holder's raw
 * storage (every tab's IndexedDB and web storage, every headless node's files) contains any message text.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { importBackup } from '../src/chat/index.ts'
import { deriveChatKeyPair } from '../src/chat/index.ts'
import { sealMessage } from '../src/chat/index.ts'
import { encodeSignedEnvelope, envelopeSigningMessage } from '../src/chat/index.ts'
import { SignedEnvelope } from '../src/wire/index.ts'
import { createKeyBundle, encodeKeyBundle } from '../src/chat/index.ts'
import { NS_ENVELOPE, NS_KEY_BUNDLE } from '../src/chat/index.ts'
import { NS_KEY_BUNDLE_OBJECTS } from '../src/chat/index.ts'
import { inboxNamespace } from '../src/placement/index.ts'
import { WalletIdentity } from '../src/identity/index.ts'
import {
  TEST_QUERY, chatItemSelector, openConversation as openConversationIn, newNodeContext, openNodePage, startRelayProc, startStorageProc, tempDir, waitReady, type RelayProc, type StorageProc
} from './harness.ts'

const PORT = 18500
const PASSPHRASE = 'correct horse battery staple'
const HELLO = 'Hello Bob'
const LATER = [
  'Second: the marmalade recipe is in the blue folder',
  'Third: meet at the old lighthouse at seven',
  'Fourth: bring the spare umbrella, rain after six'
]
const TO_CAROL = 'Carol, the quarterly numbers look quivering-wombat good'
const TEXTS = [HELLO, ...LATER, TO_CAROL]

test.describe.configure({ mode: 'serial' })

let relay: RelayProc
const storage: Array<{ proc: StorageProc, dataDir: string }> = []
let browser: Browser
interface User { name: string, context: BrowserContext, page: Page, address: string }
let alice: User
let bob: User
let carol: User
/** Bob's identity imported from his backup into a fresh browser profile. */
let bobRestored: User | undefined
const pageErrors: string[] = []

async function openUser (name: string, context?: BrowserContext): Promise<User> {
  const ctx = context ?? await newNodeContext(browser)
  const page = await openNodePage(ctx, relay.url)
  page.on('pageerror', err => { pageErrors.push(`${name}: ${err.message}`) })
  await page.evaluate(async () => { await window.zentalk!.chatReady })
  // First visit: the new identity is shown; the user goes on to the chats.
  await expect(page.getByTestId('onboarding')).toBeVisible()
  await page.getByTestId('onboarding-start').click()
  await expect(page.getByTestId('chat-list')).toBeVisible()
  return { name, context: ctx, page, address: await page.evaluate(() => window.zentalk!.address) }
}

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(8 * 60_000)
  relay = await startRelayProc({ port: PORT })
  // Three processes start at once: most of a process's start is its own (Node, module loading), not the mesh's.
  storage.push(...await Promise.all([0, 1, 2].map(async () => {
    const dataDir = tempDir('chat-storage')
    return { proc: await startStorageProc({ bootstrap: relay.url, count: 5, dataDir }), dataDir }
  })))
  browser = await playwright.chromium.launch()
  const started = Date.now()
  ;[alice, bob, carol] = await Promise.all([openUser('Alice'), openUser('Bob'), openUser('Carol')])
  console.log(`3 tabs ready with key bundles and presence published in ${Date.now() - started} ms`)
})

test.afterAll(async () => {
  await browser?.close()
  await Promise.all(storage.map(async s => { await s.proc.proc.stop('SIGKILL') }))
  await relay?.proc.stop()
})

const peerSelector = chatItemSelector

/** Opens the conversation with `peer` in `user`'s chat UI, adding them as a contact first if needed. */
async function openConversation (user: User, peer: string): Promise<void> {
  await openConversationIn(user.page, peer)
}

/** Resolves with the time (ms since the epoch) at which `text` first appears in the page. */
async function whenShown (page: Page, text: string): Promise<number> {
  return await page.evaluate(async (wanted) => await new Promise<number>(resolve => {
    const found = (): boolean => document.body.textContent?.includes(wanted) === true
    if (found()) { resolve(Date.now()); return }
    const observer = new MutationObserver(() => {
      if (found()) { observer.disconnect(); resolve(Date.now()) }
    })
    observer.observe(document.body, { subtree: true, childList: true, characterData: true })
  }), text)
}

async function conversationTexts (page: Page, peer: string): Promise<string[]> {
  return await page.locator(`[data-testid="conversation"][data-peer="${peer}"] [data-testid="message-text"]`).allTextContents()
}

async function historyTexts (page: Page, peer: string): Promise<string[]> {
  return await page.evaluate(async (p) => (await window.zentalk!.history(p)).map(m => m.text), peer)
}

test('Alice\'s message shows live in Bob\'s tab; three sent while he is away show in order when he returns', async () => {
  test.setTimeout(6 * 60_000)
  await openConversation(alice, bob.address)
  const shownToBob = whenShown(bob.page, HELLO)
  const sentAt = Date.now()
  await alice.page.getByTestId('composer').fill(HELLO)
  await alice.page.getByTestId('send').click()
  const shownAt = await shownToBob
  console.log(`"${HELLO}" shown in Bob's tab ${shownAt - sentAt} ms after Alice pressed Send`)
  await expect(bob.page.locator(`${peerSelector(alice.address)} [data-testid="chat-last"]`)).toContainText(HELLO)
  const own = alice.page.locator('[data-testid="message"][data-direction="outgoing"]').filter({ hasText: HELLO })
  await expect(own.getByTestId('message-state')).toContainText('delivered', { timeout: 60_000 })
  // Bob opens the conversation: his tab tells Alice's, in a notice signed by his wallet, that he read it.
  await bob.page.locator(peerSelector(alice.address)).click()
  await expect(own.getByTestId('message-state')).toHaveText('delivered, read', { timeout: 30_000 })

  // Bob closes his tab; Alice keeps writing.
  await bob.page.close()
  for (const text of LATER) {
    const result = await alice.page.evaluate(async ([to, t]) => await window.zentalk!.sendMessage(to, t), [bob.address, text] as const)
    expect(result.messageId).toMatch(/^[0-9a-f]{32}$/)
    expect(result.storedInInbox).toBe(true)
  }
  await expect.poll(async () => await conversationTexts(alice.page, bob.address)).toEqual([HELLO, ...LATER])

  // Bob opens the app again (same browser profile). First display: his chats list shows the last message.
  const page = await bob.context.newPage()
  page.on('pageerror', err => { pageErrors.push(`Bob: ${err.message}`) })
  const reopened = Date.now()
  await page.goto(`${relay.url}?${TEST_QUERY}`)
  const lastShown = whenShown(page, LATER[2].slice(0, 12))
  await waitReady(page)
  bob = { ...bob, page }
  expect(await page.evaluate(() => window.zentalk!.address)).toBe(bob.address)
  console.log(`Bob's reopened tab showed the last of the four ${await lastShown - reopened} ms after it was opened`)
  await openConversation(bob, alice.address)
  await expect.poll(async () => await conversationTexts(page, alice.address), { timeout: 60_000 }).toEqual([HELLO, ...LATER])
  expect(await historyTexts(page, alice.address)).toEqual([HELLO, ...LATER])

  await page.reload()
  await waitReady(page)
  await openConversation(bob, alice.address)
  await expect.poll(async () => await conversationTexts(page, alice.address), { timeout: 60_000 }).toEqual([HELLO, ...LATER])
  const history = await page.evaluate(async (a) => await window.zentalk!.history(a), alice.address)
  expect(history.map(m => [m.from, m.to, m.text])).toEqual([HELLO, ...LATER].map(text => [alice.address, bob.address, text]))
  expect(history.map(m => m.sentAt)).toEqual([...history.map(m => m.sentAt)].sort((a, b) => a - b))
})

test('Bob\'s backup brings his address and whole history into a fresh browser', async () => {
  test.setTimeout(5 * 60_000)
  // Export through the identity view: the file downloads.
  const { page } = bob
  await page.getByTestId('nav-identity').click()
  await page.getByTestId('export-passphrase').fill(PASSPHRASE)
  await page.getByTestId('export-confirm').fill(PASSPHRASE)
  const download = page.waitForEvent('download', { timeout: 60_000 })
  await page.getByTestId('export-submit').click()
  const file = join(tempDir('backup'), 'bob-backup.json')
  await (await download).saveAs(file)
  expect(JSON.parse(readFileSync(file, 'utf8')).address).toBe(bob.address)

  // A fresh browser profile starts with a new identity; Bob imports his from the onboarding screen.
  const context = await newNodeContext(browser)
  const fresh = await openNodePage(context, relay.url)
  fresh.on('pageerror', err => { pageErrors.push(`Bob (restored): ${err.message}`) })
  expect(await fresh.evaluate(() => window.zentalk!.address)).not.toBe(bob.address)
  await expect(fresh.getByTestId('onboarding')).toBeVisible()
  await fresh.getByTestId('import-file').first().setInputFiles(file)
  await fresh.getByTestId('import-passphrase').first().fill(PASSPHRASE)
  const reloaded = fresh.waitForEvent('load', { timeout: 120_000 })
  await fresh.getByTestId('import-submit').first().click()
  await reloaded
  await waitReady(fresh)
  bobRestored = { name: 'Bob (restored)', context, page: fresh, address: await fresh.evaluate(() => window.zentalk!.address) }
  expect(bobRestored.address).toBe(bob.address)
  await expect.poll(async () => await historyTexts(fresh, alice.address), { timeout: 60_000 }).toEqual([HELLO, ...LATER])
  await openConversation(bobRestored, alice.address)
  await expect.poll(async () => await conversationTexts(fresh, alice.address), { timeout: 60_000 }).toEqual([HELLO, ...LATER])
})

test('Carol cannot read Alice-to-Bob messages; tampered, wrongly signed and forged data are refused visibly', async () => {
  test.setTimeout(5 * 60_000)
  // Alice's history is not where Alice's address says: nothing there for Carol to fetch. Bob's inbox is (a sender
  // must find it); Carol fetches its ciphertexts but cannot open them.
  const { historyFound, opened } = await carol.page.evaluate(async ([a, b, inbox]) => {
    const z = window.zentalk!
    const historyFound = (await z.fetchObjects(a)).objects.length
    const fetched = (await z.fetchObjects(b, { namespace: inbox })).objects
    const outcomes = []
    for (const object of fetched) {
      try {
        outcomes.push({ opened: (await z.openEnvelope(object.bytes)).text, bytes: Array.from(object.bytes) })
      } catch (error) {
        outcomes.push({ error: (error as Error).name, bytes: Array.from(object.bytes) })
      }
    }
    return { historyFound, opened: outcomes }
  }, [alice.address, bob.address, inboxNamespace(bob.address)] as const)
  expect(historyFound).toBe(0)
  expect(opened.length).toBeGreaterThanOrEqual(4) // four in Bob's inbox
  for (const outcome of opened) {
    expect(outcome.opened).toBeUndefined()
    expect(outcome.error).toBe('NotRecipientError')
    const raw = Buffer.from(outcome.bytes)
    for (const text of TEXTS) expect(raw.includes(Buffer.from(text))).toBe(false)
  }
  expect(await carol.page.evaluate(async () => (await window.zentalk!.history()).length)).toBe(0)

  // The attacks use Carol's own identity (from her backup) and one of Alice's genuine envelopes.
  const carolWallet = await walletOf(carol)
  const bobWallet = await walletOf(bob)
  const genuine = Uint8Array.from(opened[0].bytes)
  const { header, ciphertext, signature } = SignedEnvelope.decode(genuine)
  const wrongSignature = Uint8Array.from(signature)
  wrongSignature[10] ^= 0x40
  const badlySigned = encodeSignedEnvelope({ headerBytes: header, ciphertext, signature: wrongSignature })
  const sealed = await sealMessage({
    sender: carolWallet,
    senderKeys: deriveChatKeyPair(carolWallet),
    recipientBundle: createKeyBundle(bobWallet, { x25519PublicKey: deriveChatKeyPair(bobWallet).publicKey, createdAt: Date.now() }),
    content: { text: 'tampered on the way' },
    sentAt: Date.now()
  })
  const parts = SignedEnvelope.decode(sealed.bytes)
  const flipped = Uint8Array.from(parts.ciphertext)
  flipped[0] ^= 1
  const tampered = encodeSignedEnvelope({ headerBytes: parts.header, ciphertext: flipped, signature: carolWallet.sign(NS_ENVELOPE, envelopeSigningMessage(parts.header, flipped)) })
  const mallory = WalletIdentity.generate()
  const carolBundle = createKeyBundle(carolWallet, { x25519PublicKey: deriveChatKeyPair(mallory).publicKey, createdAt: Date.now() })
  const forgedBundle = encodeKeyBundle({ bodyBytes: carolBundle.bodyBytes, signature: mallory.sign(NS_KEY_BUNDLE, carolBundle.bodyBytes) })

  // Carol appends both envelopes to Bob's inbox (holders take any sender-signed append) and publishes the forged
  // bundle under her own address.
  await carol.page.evaluate(async ([envelopes, inbox, bundle, bundleNamespace]) => {
    for (const bytes of envelopes) await window.zentalk!.storeObject(Uint8Array.from(bytes), { namespace: inbox })
    await window.zentalk!.storeObject(Uint8Array.from(bundle), { namespace: bundleNamespace })
  }, [[Array.from(badlySigned), Array.from(tampered)], inboxNamespace(bob.address), Array.from(forgedBundle), NS_KEY_BUNDLE_OBJECTS] as const)

  // Bob reads his history: both refused, shown as errors; the genuine four still there.
  expect(await historyTexts(bob.page, alice.address)).toEqual([HELLO, ...LATER])
  const bobAlerts = bob.page.getByTestId('alerts')
  await expect(bobAlerts).toContainText('EnvelopeSignatureError')
  await expect(bobAlerts).toContainText('EnvelopeDecryptError')
  expect(await conversationTexts(bob.page, alice.address)).not.toContain('tampered on the way')

  // Alice writes to Carol: the forged bundle is refused with a visible error; the genuine one is used.
  await openConversation(alice, carol.address)
  await alice.page.getByTestId('composer').fill(TO_CAROL)
  await alice.page.getByTestId('send').click()
  await expect(alice.page.getByTestId('alerts')).toContainText('KeyBundleSignatureError')
  await expect.poll(async () => await historyTexts(carol.page, alice.address), { timeout: 60_000 }).toEqual([TO_CAROL])

  // Nothing crashed: every tab still runs its node and answers.
  for (const user of [alice, bob, carol]) {
    expect(await user.page.evaluate(() => window.zentalk!.status().relay.connected)).toBe(true)
  }
  expect(pageErrors).toEqual([])
})

/** A 1 × 1 PNG: enough for the sender's tab to make a thumbnail of it. */
const DOT_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')

test('Alice attaches a photo in the composer: Bob sees its thumbnail and downloads it byte-identical', async () => {
  test.setTimeout(4 * 60_000)
  await openConversation(alice, bob.address)
  await alice.page.getByTestId('attach-input').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: DOT_PNG })
  const own = alice.page.locator('[data-testid="message"][data-direction="outgoing"]').filter({ has: alice.page.getByTestId('attachment') })
  await expect(own.getByTestId('attachment-name')).toHaveText('dot.png', { timeout: 60_000 })
  await expect(own.getByTestId('message-state')).toContainText(/delivered|stored/, { timeout: 60_000 })

  await openConversation(bob, alice.address)
  const received = bob.page.locator('[data-testid="message"][data-direction="incoming"]').filter({ has: bob.page.getByTestId('attachment') })
  await expect(received.getByTestId('attachment-name')).toHaveText('dot.png', { timeout: 90_000 })
  await expect(received.getByTestId('attachment-thumbnail')).toBeVisible()
  const download = bob.page.waitForEvent('download')
  await received.getByTestId('attachment-download').click()
  const file = await download
  expect(file.suggestedFilename()).toBe('dot.png')
  expect(readFileSync(await file.path()).equals(DOT_PNG)).toBe(true)
  await expect(received.getByTestId('attachment')).toHaveAttribute('data-state', 'done')
})

test('no holder\'s raw storage contains any message text', async () => {
  test.setTimeout(3 * 60_000)
  const pages = [alice, bob, carol, ...(bobRestored === undefined ? [] : [bobRestored])]
  let scannedBytes = 0
  for (const user of pages) {
    const dump = await user.page.evaluate(dumpBrowserStorage)
    scannedBytes += dump.length
    for (const text of TEXTS) expect(dump.includes(text), `${user.name}'s browser storage holds "${text}"`).toBe(false)
    // The scan does see what is there: the tab's own address is in its wallet-named databases.
    expect(dump).toContain(user.address.slice(2))
  }
  const dirs = [relay.dataDir, ...storage.map(s => s.dataDir)]
  const files = dirs.flatMap(listFiles)
  expect(files.some(file => file.endsWith('chunks.sqlite'))).toBe(true)
  for (const file of files) {
    const raw = readFileSync(file)
    scannedBytes += raw.length
    for (const text of TEXTS) expect(raw.includes(Buffer.from(text)), `${file} holds "${text}"`).toBe(false)
  }
  console.log(`scanned ${scannedBytes} bytes of raw storage (${pages.length} browser profiles, ${files.length} files)`)
})

test('Carol locks her identity with a passphrase: her key is kept only encrypted, and the next start asks for it', async () => {
  test.setTimeout(4 * 60_000)
  const { page } = carol
  const keyEntries = async (): Promise<Record<string, number>> => await page.evaluate(async () => await new Promise<Record<string, number>>((resolve, reject) => {
    const open = indexedDB.open('zentalk-wallet')
    open.onerror = () => { reject(open.error) }
    open.onsuccess = () => {
      const keys = open.result.transaction('keys').objectStore('keys')
      const entries: Record<string, number> = {}
      const cursor = keys.openCursor()
      cursor.onsuccess = () => {
        const at = cursor.result
        if (at === null) { open.result.close(); resolve(entries); return }
        entries[String(at.key)] = (at.value as Uint8Array).length
        at.continue()
      }
    }
  }))
  expect(await keyEntries()).toEqual({ wallet: 32 })
  await page.getByTestId('nav-identity').click()
  await expect(page.getByTestId('lock-state')).toContainText('unencrypted')
  await page.getByTestId('lock-passphrase').fill(PASSPHRASE)
  await page.getByTestId('lock-confirm').fill(PASSPHRASE)
  await page.getByTestId('lock-submit').click()
  await expect(page.getByTestId('lock-state')).toContainText('Your key is locked', { timeout: 60_000 })
  const entries = await keyEntries()
  expect(Object.keys(entries)).toEqual(['wallet-locked'])

  await page.reload()
  await expect(page.getByTestId('unlock-form')).toBeVisible({ timeout: 60_000 })
  expect(await page.evaluate(() => window.zentalk)).toBeUndefined() // no node without the key
  await page.getByTestId('unlock-passphrase').fill('not the passphrase')
  await page.getByTestId('unlock-submit').click()
  await expect(page.getByTestId('unlock-error')).toHaveText('That passphrase does not open this identity.', { timeout: 60_000 })
  await page.getByTestId('unlock-passphrase').fill(PASSPHRASE)
  await page.getByTestId('unlock-submit').click()
  await waitReady(page)
  expect(await page.evaluate(() => window.zentalk!.address)).toBe(carol.address)
  await expect.poll(async () => await historyTexts(page, alice.address), { timeout: 60_000 }).toEqual([TO_CAROL])
  expect(pageErrors).toEqual([])
})

/** Every key and value of every IndexedDB database and of local/session storage of the page's origin, as text. */
async function dumpBrowserStorage (): Promise<string> {
  const parts: string[] = []
  const add = (value: unknown): void => {
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
      parts.push(new TextDecoder('latin1').decode(value))
    } else if (ArrayBuffer.isView(value)) {
      parts.push(new TextDecoder('latin1').decode(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)))
    } else if (Array.isArray(value)) {
      value.forEach(add)
    } else if (value instanceof Blob) {
      parts.push('[blob]')
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) { parts.push(k); add(v) }
    } else {
      parts.push(String(value))
    }
  }
  for (const info of await indexedDB.databases()) {
    if (info.name === undefined) continue
    parts.push(info.name)
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(info.name!)
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    for (const storeName of Array.from(db.objectStoreNames)) {
      const tx = db.transaction(storeName, 'readonly')
      const store = tx.objectStore(storeName)
      const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()].map(async request => await new Promise<unknown[]>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })))
      add(keys)
      add(values)
    }
    db.close()
  }
  for (const storage of [localStorage, sessionStorage]) {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i)!
      parts.push(key, storage.getItem(key) ?? '')
    }
  }
  return parts.join('\n')
}

function listFiles (dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? listFiles(path) : [path]
  })
}

/** The wallet of `user`, restored in the test from the backup their tab exports. */
async function walletOf (user: User): Promise<WalletIdentity> {
  const text = await user.page.evaluate(async (p) => await window.zentalk!.exportBackup(p), PASSPHRASE)
  const file = join(tempDir('backup'), `${user.name}.json`)
  writeFileSync(file, text)
  return (await importBackup(readFileSync(file, 'utf8'), PASSPHRASE)).wallet
}
