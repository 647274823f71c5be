/** What the chat screen is given: the chat service, this browser's identity and the app's send path. */
import type { ChatService, SendResult } from '../../chat/index.ts'

export interface ChatIdentity {
  /** '0x' + 40 lowercase hex digits. */
  readonly address: string
  readonly displayName: string | undefined
  /** Sets (or clears with '') the display name; the page reloads to republish the key bundle. */
  setDisplayName(name: string): Promise<void>
  /** The passphrase-encrypted backup file's text (JSON). Throws WeakPassphraseError for short passphrases. */
  exportBackup(passphrase: string): Promise<string>
  /**
   * Replaces this browser profile's identity with the backup's and reloads the page. Throws
   * WrongPassphraseError / InvalidBackupError (told apart by `name`) with a readable message.
   */
  importBackup(fileText: string, passphrase: string): Promise<void>
}

/** The parts of the chat service the screen uses. */
export type ChatServiceView = Pick<ChatService, 'events' | 'readHistory'>

export interface ChatAppDeps {
  /** The chat app renders inside this element. */
  root: HTMLElement
  /** The node panel (kept filled by its owner); the app only shows it (Node view) or hides it. */
  nodePanel: HTMLElement
  chat: ChatServiceView
  identity: ChatIdentity
  /** The app's one send path (the automation API sends through it too). */
  send(to: string, text: string): Promise<SendResult>
  /**
   * Called when a conversation opens: looks up the peer's key bundle and presence ahead of the first message,
   * so sending does not wait for them. Never throws.
   */
  prepare?(peer: string): void
}

export interface ChatApp {
  /** Reads the history from the device cache and the mesh again and shows what is new. */
  refresh(): Promise<void>
  /** Stops listening to the chat service and removes the chat screen. */
  destroy(): void
}
