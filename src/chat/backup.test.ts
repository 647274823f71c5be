import { describe, expect, it } from 'vitest'
import { generateWallet } from '../identity/index.ts'
import {
  DEFAULT_BACKUP_SCRYPT,
  MAX_BACKUP_BYTES,
  MAX_SCRYPT_N,
  exportBackup,
  importBackup,
  type ScryptParameters
} from './backup.ts'
import { deriveChatKeyPair } from './chat-keys.ts'
import { InvalidBackupError, InvalidDisplayNameError, UnsupportedBackupError, WeakPassphraseError, WrongPassphraseError } from './errors.ts'
import { alice } from '../testing/chat-parties.ts'

// Test-sized scrypt cost; the default (n = 2^17) is exercised once below.
const FAST: ScryptParameters = { n: 1024, r: 8, p: 1 }
const PASSPHRASE = 'correct horse battery staple'

async function backupOfAlice (options: { displayName?: string } = {}): Promise<string> {
  return await exportBackup(alice.wallet, PASSPHRASE, { scrypt: FAST, ...options })
}

/** The backup JSON with one change applied, as a file someone edited or a disk damaged. */
function edit (file: string, change: (json: any) => void): string {
  const json = JSON.parse(file)
  change(json)
  return JSON.stringify(json)
}

describe('identity backup', () => {
  it('restores the same address, signing key, chat key and display name', async () => {
    const restored = await importBackup(await backupOfAlice({ displayName: 'Alice' }), PASSPHRASE)
    expect(restored.wallet.address).toBe(alice.wallet.address)
    expect(restored.wallet.exportPrivateKey()).toEqual(alice.wallet.exportPrivateKey())
    expect(deriveChatKeyPair(restored.wallet).publicKey).toEqual(alice.keys.publicKey)
    expect(restored.displayName).toBe('Alice')
  })

  it('restores a generated wallet without a display name, from UTF-8 bytes as read from a file', async () => {
    const wallet = generateWallet()
    const file = await exportBackup(wallet, PASSPHRASE, { scrypt: FAST })
    const restored = await importBackup(new TextEncoder().encode(file), PASSPHRASE)
    expect(restored.wallet.address).toBe(wallet.address)
    expect(restored).not.toHaveProperty('displayName')
  })

  it('writes the address and KDF parameters in clear, and never the key', async () => {
    const file = await backupOfAlice()
    const json = JSON.parse(file)
    expect(json).toMatchObject({ format: 'zentalk-identity-backup', version: 1, address: alice.wallet.address, kdf: { name: 'scrypt', ...FAST }, cipher: { name: 'aes-256-gcm' } })
    expect(json.kdf.salt).toMatch(/^[0-9a-f]{32}$/)
    expect(json.cipher.nonce).toMatch(/^[0-9a-f]{24}$/)
    expect(file).not.toContain(Buffer.from(alice.wallet.exportPrivateKey()).toString('hex'))
    expect(file.length).toBeLessThan(MAX_BACKUP_BYTES)
  })

  it('uses a fresh salt and nonce for every export', async () => {
    const [first, second] = [JSON.parse(await backupOfAlice()), JSON.parse(await backupOfAlice())]
    expect(first.kdf.salt).not.toBe(second.kdf.salt)
    expect(first.ciphertext).not.toBe(second.ciphertext)
  })

  it('uses scrypt n = 2^17, r = 8, p = 1 by default', async () => {
    // Export only: import runs the same scrypt call with the parameters read back from the file.
    const file = await exportBackup(alice.wallet, PASSPHRASE)
    expect(JSON.parse(file).kdf).toMatchObject({ n: 2 ** 17, r: 8, p: 1 })
    expect(DEFAULT_BACKUP_SCRYPT).toEqual({ n: 2 ** 17, r: 8, p: 1 })
  })

  it('refuses a wrong passphrase', async () => {
    const file = await backupOfAlice()
    await expect(importBackup(file, 'correct horse battery stapler')).rejects.toThrow(WrongPassphraseError)
    await expect(importBackup(file, '')).rejects.toThrow(WrongPassphraseError)
  })

  it('matches passphrases after Unicode NFKC normalisation (the same words typed on another device)', async () => {
    const file = await exportBackup(alice.wallet, 'café au lait', { scrypt: FAST })
    expect((await importBackup(file, 'cafe\u0301 au lait')).wallet.address).toBe(alice.wallet.address)
  })

  it('refuses to export under a short passphrase or with a bad display name', async () => {
    await expect(exportBackup(alice.wallet, 'short', { scrypt: FAST })).rejects.toThrow(WeakPassphraseError)
    await expect(exportBackup(alice.wallet, PASSPHRASE, { scrypt: FAST, displayName: 'a\u0000b' })).rejects.toThrow(InvalidDisplayNameError)
    await expect(exportBackup(alice.wallet, PASSPHRASE, { scrypt: { n: 1000, r: 8, p: 1 } })).rejects.toThrow(RangeError)
  })

  describe('damaged or altered files', () => {
    it('reports an altered ciphertext as a damaged backup, not a wrong passphrase', async () => {
      const file = edit(await backupOfAlice(), json => { json.ciphertext = (json.ciphertext[0] === '0' ? '1' : '0') + json.ciphertext.slice(1) })
      await expect(importBackup(file, PASSPHRASE)).rejects.toThrow(InvalidBackupError)
    })

    it('reports an address swapped in the clear fields as a damaged backup (it is authenticated data)', async () => {
      const file = edit(await backupOfAlice(), json => { json.address = generateWallet().address })
      await expect(importBackup(file, PASSPHRASE)).rejects.toThrow(InvalidBackupError)
    })

    it('reports an altered salt as a passphrase that no longer opens it', async () => {
      const file = edit(await backupOfAlice(), json => { json.kdf.salt = '00'.repeat(16) })
      await expect(importBackup(file, PASSPHRASE)).rejects.toThrow(WrongPassphraseError)
    })

    it('refuses an unknown version, KDF or cipher as unsupported', async () => {
      const file = await backupOfAlice()
      await expect(importBackup(edit(file, json => { json.version = 2 }), PASSPHRASE)).rejects.toThrow(UnsupportedBackupError)
      await expect(importBackup(edit(file, json => { json.kdf.name = 'argon2id' }), PASSPHRASE)).rejects.toThrow(UnsupportedBackupError)
      await expect(importBackup(edit(file, json => { json.cipher.name = 'chacha20-poly1305' }), PASSPHRASE)).rejects.toThrow(UnsupportedBackupError)
    })

    it.each([
      ['not JSON', () => 'hello'],
      ['JSON but not a backup', () => '{"format":"something-else","version":1}'],
      ['a JSON array', () => '[1,2,3]'],
      ['bytes that are not UTF-8', () => Uint8Array.of(0xff, 0xfe, 0x7b)]
    ])('refuses %s as an invalid backup', async (_, data) => {
      await expect(importBackup(data(), PASSPHRASE)).rejects.toThrow(InvalidBackupError)
    })

    it.each([
      ['missing kdf', (json: any) => { delete json.kdf }],
      ['a bad address', (json: any) => { json.address = '0x1234' }],
      ['n not a power of two', (json: any) => { json.kdf.n = 1000 }],
      ['n above the limit (a hostile file asking for gigabytes)', (json: any) => { json.kdf.n = MAX_SCRYPT_N * 2 }],
      ['r as a string', (json: any) => { json.kdf.r = '8' }],
      ['a short salt', (json: any) => { json.kdf.salt = 'c0c1' }],
      ['an uppercase nonce', (json: any) => { json.cipher.nonce = json.cipher.nonce.toUpperCase() }],
      ['a missing check value', (json: any) => { delete json.check }],
      ['a truncated ciphertext', (json: any) => { json.ciphertext = json.ciphertext.slice(0, 20) }]
    ])('refuses a file with %s before running the KDF', async (_, change) => {
      const file = edit(await backupOfAlice(), change)
      await expect(importBackup(file, PASSPHRASE)).rejects.toThrow(InvalidBackupError)
    })

    it('refuses oversize input before parsing it', async () => {
      await expect(importBackup(' '.repeat(MAX_BACKUP_BYTES + 1), PASSPHRASE)).rejects.toThrow(/at most 4096/)
    })

    it('answers every truncation of a backup with a typed error', async () => {
      const file = await backupOfAlice()
      for (let length = 0; length < file.length; length += 7) {
        await expect(importBackup(file.slice(0, length), PASSPHRASE)).rejects.toThrow(InvalidBackupError)
      }
    })
  })
})
