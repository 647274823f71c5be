/**
 * What the chat screen remembers on this device, per identity, in localStorage: whether onboarding was done,
 * the contacts (addresses and the names the user gave them) and how far each conversation has been read.
 * Nothing here is secret or published. Damaged or hand-edited values are read as "nothing stored" rather than
 * keeping the page from starting, and a storage that refuses writes (full, disabled) only loses the setting.
 */
import { isAddress, type WalletAddress } from '../../node/index.ts'
import type { Contact, ReadMarks } from './model.ts'

/** The part of `Storage` used here, so tests can pass a Map-backed one. */
export interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

const MAX_CONTACT_NAME_CHARS = 64

export const onboardedKey = (address: string): string => `zentalk-onboarded:${address}`
export const contactsKey = (address: string): string => `zentalk-contacts:${address}`
export const readMarksKey = (address: string): string => `zentalk-read:${address}`

/** The contacts in a stored JSON text; entries that are not contacts are skipped. */
export function parseContacts (json: string | null): Contact[] {
  const parsed = parseJson(json)
  if (!Array.isArray(parsed)) return []
  const contacts = new Map<WalletAddress, Contact>()
  for (const entry of parsed as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue
    const { address, name, addedAt } = entry as Record<string, unknown>
    if (typeof address !== 'string' || !isAddress(address)) continue
    const lower = address.toLowerCase() as WalletAddress
    if (contacts.has(lower)) continue
    const cleanName = typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, MAX_CONTACT_NAME_CHARS) : undefined
    contacts.set(lower, {
      address: lower,
      ...(cleanName === undefined ? {} : { name: cleanName }),
      addedAt: typeof addedAt === 'number' && Number.isFinite(addedAt) ? addedAt : 0
    })
  }
  return [...contacts.values()]
}

/** The read marks in a stored JSON text; entries that are not `address: time` are skipped. */
export function parseReadMarks (json: string | null): ReadMarks {
  const parsed = parseJson(json)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {}
  const marks: Record<string, number> = {}
  for (const [peer, sentAt] of Object.entries(parsed as Record<string, unknown>)) {
    if (isAddress(peer) && typeof sentAt === 'number' && Number.isFinite(sentAt)) marks[peer.toLowerCase()] = sentAt
  }
  return marks
}

/** The settings of one identity on this device. */
export class ChatPrefs {
  constructor (private readonly storage: KeyValueStorage | undefined, readonly address: WalletAddress) {}

  isOnboarded (): boolean {
    return this.read(onboardedKey(this.address)) !== null
  }

  setOnboarded (): void {
    this.write(onboardedKey(this.address), String(Date.now()))
  }

  loadContacts (): Contact[] {
    return parseContacts(this.read(contactsKey(this.address)))
  }

  saveContacts (contacts: readonly Contact[]): void {
    this.write(contactsKey(this.address), JSON.stringify(contacts))
  }

  loadReadMarks (): ReadMarks {
    return parseReadMarks(this.read(readMarksKey(this.address)))
  }

  saveReadMarks (marks: ReadMarks): void {
    this.write(readMarksKey(this.address), JSON.stringify(marks))
  }

  /** True when a change to `key` (another tab of this profile wrote it) concerns these settings. */
  concerns (key: string | null): boolean {
    return key === null || key === contactsKey(this.address) || key === readMarksKey(this.address) || key === onboardedKey(this.address)
  }

  private read (key: string): string | null {
    try {
      return this.storage?.getItem(key) ?? null
    } catch {
      return null
    }
  }

  private write (key: string, value: string): void {
    try {
      this.storage?.setItem(key, value)
    } catch (error) {
      console.warn(`could not save ${key} on this device`, error)
    }
  }
}

function parseJson (json: string | null): unknown {
  if (json === null) return undefined
  try {
    return JSON.parse(json)
  } catch {
    return undefined
  }
}
