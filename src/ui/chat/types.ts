/** What the chat screen is given: the chat service, this browser's identity and the app's send path. */
import type { AttachmentFile, AttachmentRef, AttachmentSendResult, ChatView, IdentityActions, SendResult } from '../../node/index.ts'

/** This browser's identity and what the user can do with it. */
export type ChatIdentity = IdentityActions

/**
 * The parts of the chat service the screen uses (the cached history, when given, shows before the mesh answers;
 * read notices go out when `markRead` is given).
 */
export type ChatServiceView = Pick<ChatView, 'events' | 'readHistory'> & Partial<Pick<ChatView, 'readCachedHistory' | 'markRead'>>

export interface ChatAppDeps {
  /** The chat app renders inside this element. */
  root: HTMLElement
  /** The node panel (kept filled by its owner); the app only shows it (Node view) or hides it. */
  nodePanel: HTMLElement
  chat: ChatServiceView
  identity: ChatIdentity
  /** The app's one send path (the automation API sends through it too). */
  send(to: string, text: string): Promise<SendResult>
  /** The app's file send path; without it (and `fetchAttachment`) the screen offers no attachments. */
  sendAttachment?(to: string, file: AttachmentFile): Promise<AttachmentSendResult>
  /** A message's file, checked against its hash; 'attachment-progress' events report the download. */
  fetchAttachment?(attachment: AttachmentRef): Promise<Uint8Array>
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
