/**
 * Identity backup: the wallet private key (from which the chat key is derived, see chat-keys.ts) and the
 * display name, encrypted under a passphrase, as a small JSON text file a person can keep anywhere.
 *
 *   {
 *     "format": "zentalk-identity-backup", "version": 1,
 *     "address": "0x…",                         // whose key this is; shown before asking for the passphrase
 *     "kdf": { "name": "scrypt", "n": 131072, "r": 8, "p": 1, "salt": hex(16) },
 *     "cipher": { "name": "aes-256-gcm", "nonce": hex(12) },
 *     "check": hex(16),                          // tells a wrong passphrase from a damaged file
 *     "ciphertext": hex                          // AES-256-GCM(BackupSecrets protobuf) ‖ tag
 *   }
 *
 * master = scrypt(NFKC(passphrase), salt, n, r, p, 32 bytes);
 * aesKey = HKDF-Expand-SHA256(master, 'zentalk/backup/v1/aes-256-gcm-key', 32);
 * check  = HKDF-Expand-SHA256(master, 'zentalk/backup/v1/passphrase-check', 16);
 * associated data = hashWithNamespace('zentalk/backup/v1', address, u32be(n), u32be(r), u32be(p), salt, nonce),
 * so the cleartext fields cannot be altered without the file failing to open.
 *
 * The check value lets an attacker test a passphrase guess no faster than the ciphertext already does: every
 * guess still costs one scrypt. Default cost n = 2^17, r = 8, p = 1 (128 MiB, about a second; OWASP's scrypt
 * recommendation): the file may sit in cloud storage for years, and export and import happen rarely.
 */
import { expand } from '@noble/hashes/hkdf.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesEqual, fromHex, hashWithNamespace, toHex } from '../crypto/index.ts'
import { PRIVATE_KEY_BYTES, addressToBytes, isAddress, parseAddress, walletFromPrivateKey, type WalletAddress, type WalletIdentity } from '../identity/index.ts'
import { AES_256_GCM_KEY_BYTES, AES_GCM_NONCE_BYTES, AES_GCM_TAG_BYTES, AeadAuthenticationError, aesGcmDecrypt, aesGcmEncrypt } from '../crypto/index.ts'
import { displayNameProblem } from './display-name.ts'
import { InvalidBackupError, InvalidDisplayNameError, UnsupportedBackupError, WeakPassphraseError, WrongPassphraseError } from './errors.ts'
import { BACKUP_AES_KEY_INFO, BACKUP_CHECK_INFO, NS_BACKUP } from './namespaces.ts'
import { BackupSecrets } from '../wire/index.ts'
import { drawRandom, systemRandom, type RandomSource } from '../crypto/index.ts'

const utf8 = new TextEncoder()

export const BACKUP_FORMAT = 'zentalk-identity-backup'
export const BACKUP_VERSION = 1
export const BACKUP_KDF = 'scrypt'
export const BACKUP_CIPHER = 'aes-256-gcm'

export interface ScryptParameters {
  /** CPU/memory cost, a power of two. */
  readonly n: number
  readonly r: number
  readonly p: number
}

export const DEFAULT_BACKUP_SCRYPT: ScryptParameters = { n: 2 ** 17, r: 8, p: 1 }
/**
 * Bounds on scrypt parameters, on export and on import alike (so an exported file always imports). The upper
 * bounds keep a hostile file from asking for more than 256 MiB or minutes of work; the lower bound on n only
 * keeps careless callers from exporting a cheaply guessable file. Tests use n = 2^10.
 */
export const MIN_SCRYPT_N = 2 ** 10
export const MAX_SCRYPT_N = 2 ** 18
export const MAX_SCRYPT_R = 16
export const MAX_SCRYPT_P = 4
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024
export const BACKUP_SALT_BYTES = 16
export const BACKUP_CHECK_BYTES = 16
/** Passphrases shorter than this (in code points, after NFKC) are refused on export. */
export const MIN_PASSPHRASE_CHARS = 8
/** A backup file is a few hundred bytes; anything above this is not one. */
export const MAX_BACKUP_BYTES = 4096

export interface ExportBackupOptions {
  readonly displayName?: string
  /** Defaults to DEFAULT_BACKUP_SCRYPT. */
  readonly scrypt?: ScryptParameters
  /** Source of the salt and then the nonce; the platform CSPRNG by default. Tests only. */
  readonly random?: RandomSource
}

export interface RestoredIdentity {
  readonly wallet: WalletIdentity
  readonly displayName?: string
}

/** The parsed cleartext of a backup file, before the passphrase is tried. */
interface BackupFile {
  readonly address: WalletAddress
  readonly scrypt: ScryptParameters
  readonly salt: Uint8Array
  readonly nonce: Uint8Array
  readonly check: Uint8Array
  readonly ciphertext: Uint8Array
}

/**
 * The backup file text for `wallet`, encrypted under `passphrase`.
 * @throws {WeakPassphraseError} | {InvalidDisplayNameError} | {RangeError} for scrypt parameters out of bounds
 */
export async function exportBackup (wallet: WalletIdentity, passphrase: string, options: ExportBackupOptions = {}): Promise<string> {
  const normalized = normalizePassphrase(passphrase)
  if ([...normalized].length < MIN_PASSPHRASE_CHARS) {
    throw new WeakPassphraseError(`a backup passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters`)
  }
  const displayName = options.displayName ?? ''
  const problem = displayNameProblem(displayName)
  if (problem !== undefined) {
    throw new InvalidDisplayNameError(problem)
  }
  const scrypt = options.scrypt ?? DEFAULT_BACKUP_SCRYPT
  const scryptProblem = scryptParametersProblem(scrypt)
  if (scryptProblem !== undefined) {
    throw new RangeError(scryptProblem)
  }
  const random = options.random ?? systemRandom
  const salt = drawRandom(random, BACKUP_SALT_BYTES)
  const nonce = drawRandom(random, AES_GCM_NONCE_BYTES)
  const address = wallet.address
  const keys = await deriveBackupKeys(normalized, salt, scrypt)
  const secrets = BackupSecrets.encode({ walletPrivateKey: new Uint8Array(wallet.exportPrivateKey()), displayName })
  let ciphertext: Uint8Array
  try {
    ciphertext = await aesGcmEncrypt(keys.aesKey, nonce, secrets, associatedData({ address, scrypt, salt, nonce }))
  } finally {
    secrets.fill(0)
    keys.aesKey.fill(0)
  }
  const file = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    address,
    kdf: { name: BACKUP_KDF, n: scrypt.n, r: scrypt.r, p: scrypt.p, salt: toHex(salt) },
    cipher: { name: BACKUP_CIPHER, nonce: toHex(nonce) },
    check: toHex(keys.check),
    ciphertext: toHex(ciphertext)
  }
  return JSON.stringify(file, null, 2) + '\n'
}

/**
 * The identity in a backup file (text or its UTF-8 bytes).
 * @throws {InvalidBackupError} not a backup, damaged, or altered after export
 * @throws {UnsupportedBackupError} a version, KDF or cipher this build does not know
 * @throws {WrongPassphraseError} the passphrase does not open it
 */
export async function importBackup (data: string | Uint8Array, passphrase: string): Promise<RestoredIdentity> {
  const file = parseBackupFile(data)
  const keys = await deriveBackupKeys(normalizePassphrase(passphrase), file.salt, file.scrypt)
  if (!bytesEqual(keys.check, file.check)) {
    keys.aesKey.fill(0)
    throw new WrongPassphraseError(`this passphrase does not open the backup of ${file.address}`)
  }
  let secretBytes: Uint8Array
  try {
    secretBytes = await aesGcmDecrypt(keys.aesKey, file.nonce, file.ciphertext, associatedData(file))
  } catch (cause) {
    if (cause instanceof AeadAuthenticationError) {
      throw new InvalidBackupError('the passphrase is right but the backup was altered or damaged after export', { cause })
    }
    throw cause
  } finally {
    keys.aesKey.fill(0)
  }
  try {
    const secrets = BackupSecrets.decode(secretBytes)
    if (secrets.walletPrivateKey.length !== PRIVATE_KEY_BYTES || displayNameProblem(secrets.displayName) !== undefined) {
      throw new Error('secret fields out of range')
    }
    const wallet = walletFromPrivateKey(secrets.walletPrivateKey)
    secrets.walletPrivateKey.fill(0)
    if (wallet.address !== file.address) {
      throw new Error(`the key inside is for ${wallet.address}`)
    }
    return { wallet, ...(secrets.displayName === '' ? {} : { displayName: secrets.displayName }) }
  } catch (cause) {
    throw new InvalidBackupError(`the backup of ${file.address} decrypts but its contents are not a valid identity`, { cause })
  } finally {
    secretBytes.fill(0)
  }
}

/** Passphrases are compared after NFKC normalisation, so the same words typed on another keyboard still match. */
function normalizePassphrase (passphrase: string): string {
  if (typeof passphrase !== 'string') {
    throw new TypeError('a passphrase must be a string')
  }
  return passphrase.normalize('NFKC')
}

async function deriveBackupKeys (passphrase: string, salt: Uint8Array, params: ScryptParameters): Promise<{ aesKey: Uint8Array, check: Uint8Array }> {
  const master = await scryptAsync(utf8.encode(passphrase), salt, {
    N: params.n,
    r: params.r,
    p: params.p,
    dkLen: 32,
    maxmem: MAX_SCRYPT_MEMORY_BYTES + 1024 * 1024
  })
  try {
    return {
      aesKey: expand(sha256, master, utf8.encode(BACKUP_AES_KEY_INFO), AES_256_GCM_KEY_BYTES),
      check: expand(sha256, master, utf8.encode(BACKUP_CHECK_INFO), BACKUP_CHECK_BYTES)
    }
  } finally {
    master.fill(0)
  }
}

function associatedData (file: Pick<BackupFile, 'address' | 'scrypt' | 'salt' | 'nonce'>): Uint8Array {
  const params = new Uint8Array(12)
  const view = new DataView(params.buffer)
  view.setUint32(0, file.scrypt.n, false)
  view.setUint32(4, file.scrypt.r, false)
  view.setUint32(8, file.scrypt.p, false)
  return hashWithNamespace(NS_BACKUP, addressToBytes(file.address), params.subarray(0, 4), params.subarray(4, 8), params.subarray(8, 12), file.salt, file.nonce)
}

function scryptParametersProblem (params: ScryptParameters): string | undefined {
  const { n, r, p } = params
  if (!Number.isSafeInteger(n) || n < MIN_SCRYPT_N || n > MAX_SCRYPT_N || (n & (n - 1)) !== 0) {
    return `scrypt n must be a power of two from ${MIN_SCRYPT_N} to ${MAX_SCRYPT_N}, got ${n}`
  }
  if (!Number.isSafeInteger(r) || r < 1 || r > MAX_SCRYPT_R) {
    return `scrypt r must be an integer from 1 to ${MAX_SCRYPT_R}, got ${r}`
  }
  if (!Number.isSafeInteger(p) || p < 1 || p > MAX_SCRYPT_P) {
    return `scrypt p must be an integer from 1 to ${MAX_SCRYPT_P}, got ${p}`
  }
  if (128 * r * n > MAX_SCRYPT_MEMORY_BYTES) {
    return `scrypt n = ${n}, r = ${r} needs ${128 * r * n} bytes of memory; at most ${MAX_SCRYPT_MEMORY_BYTES} are allowed`
  }
  return undefined
}

/** Cleartext checks, cheapest first; nothing here costs a KDF run. */
function parseBackupFile (data: string | Uint8Array): BackupFile {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new InvalidBackupError('a backup must be text or bytes')
  }
  const length = typeof data === 'string' ? utf8.encode(data).length : data.length
  if (length > MAX_BACKUP_BYTES) {
    throw new InvalidBackupError(`this file is ${length} bytes; a ZenTalk identity backup is at most ${MAX_BACKUP_BYTES}`)
  }
  let json: unknown
  try {
    json = JSON.parse(typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: true }).decode(data))
  } catch (cause) {
    throw new InvalidBackupError('this file is not a ZenTalk identity backup (not JSON text)', { cause })
  }
  if (!isRecord(json) || json.format !== BACKUP_FORMAT) {
    throw new InvalidBackupError(`this file is not a ZenTalk identity backup (no "format": "${BACKUP_FORMAT}")`)
  }
  if (json.version !== BACKUP_VERSION) {
    throw new UnsupportedBackupError(`backup version ${String(json.version).slice(0, 32)} is not supported (this build reads version ${BACKUP_VERSION}); import it with a newer release`)
  }
  const { kdf, cipher } = json
  if (!isRecord(kdf) || !isRecord(cipher)) {
    throw new InvalidBackupError('backup is missing its "kdf" or "cipher" section')
  }
  if (kdf.name !== BACKUP_KDF || cipher.name !== BACKUP_CIPHER) {
    throw new UnsupportedBackupError(`backup uses ${String(kdf.name).slice(0, 32)} / ${String(cipher.name).slice(0, 32)}; this build reads ${BACKUP_KDF} / ${BACKUP_CIPHER}`)
  }
  if (!isAddress(json.address)) {
    throw new InvalidBackupError('backup "address" is not an address')
  }
  const scrypt = { n: kdf.n, r: kdf.r, p: kdf.p } as ScryptParameters
  const problem = scryptParametersProblem(scrypt)
  if (problem !== undefined) {
    throw new InvalidBackupError(`backup key-derivation parameters are out of range: ${problem}`)
  }
  const ciphertext = hexField('ciphertext', json.ciphertext)
  if (ciphertext.length < AES_GCM_TAG_BYTES) {
    throw new InvalidBackupError('backup "ciphertext" is too short to hold anything')
  }
  return {
    address: parseAddress(json.address),
    scrypt,
    salt: hexField('kdf.salt', kdf.salt, BACKUP_SALT_BYTES),
    nonce: hexField('cipher.nonce', cipher.nonce, AES_GCM_NONCE_BYTES),
    check: hexField('check', json.check, BACKUP_CHECK_BYTES),
    ciphertext
  }
}

function hexField (name: string, value: unknown, expectedBytes?: number): Uint8Array {
  if (typeof value !== 'string' || !/^[0-9a-f]*$/.test(value)) {
    throw new InvalidBackupError(`backup "${name}" must be lowercase hex`)
  }
  try {
    return fromHex(value, expectedBytes)
  } catch (cause) {
    throw new InvalidBackupError(`backup "${name}" has the wrong length`, { cause })
  }
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
