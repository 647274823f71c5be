/**
 * Domain-separation strings of the chat layer. Signatures use `hashWithNamespace` (src/crypto), so a signature
 * made for one kind of record never verifies as another; KDF labels keep keys for different purposes apart.
 * Each string is part of a wire format: changing one is a format change and breaks the fixtures on purpose.
 */

/** Wallet signatures over a key bundle body. */
export const NS_KEY_BUNDLE = 'zentalk/key-bundle/v1'
/** Wallet signatures over an envelope's header and ciphertext. */
export const NS_ENVELOPE = 'zentalk/envelope/v1'
/** HKDF info of the per-message AES key: `hashWithNamespace(NS_ENVELOPE_KEY, …)`, see envelope-crypto.ts. */
export const NS_ENVELOPE_KEY = 'zentalk/envelope-key/v1'
/** Wallet signatures over a presence record body. */
export const NS_PRESENCE = 'zentalk/presence/v1'
/** Associated data of the AES-GCM layer of an identity backup. */
export const NS_BACKUP = 'zentalk/backup/v1'

/** HKDF info that turns the wallet private key into the X25519 chat private key (chat-keys.ts). */
export const CHAT_KEY_DERIVATION_INFO = 'zentalk/chat-key/x25519/v1'
/** HKDF info labels that split the scrypt output of a backup into the AES key and the passphrase check. */
export const BACKUP_AES_KEY_INFO = 'zentalk/backup/v1/aes-256-gcm-key'
export const BACKUP_CHECK_INFO = 'zentalk/backup/v1/passphrase-check'

/** Associated data of the AES-GCM layer of a history segment (history-segment.ts). */
export const NS_HISTORY_SEGMENT = 'zentalk/history-segment/v1'
/** HKDF info that turns the wallet private key into the AES key of the owner's history segments. */
export const HISTORY_SEGMENT_KEY_INFO = 'zentalk/history-segment/v1/aes-256-gcm-key'
/**
 * HKDF info that turns the wallet private key into the secp256k1 key of the owner's history identity: the
 * pseudonymous owner that signs, and whose placement key places, the owner's history objects (derived-identities.ts).
 */
export const HISTORY_IDENTITY_KEY_INFO = 'zentalk/history-identity/v1/secp256k1-key'
/**
 * HKDF info that turns the wallet private key into the secp256k1 key of the owner's contact inbox identity: the
 * recipient, for holders, of the inbox only the owner's contacts know (derived-identities.ts).
 */
export const CONTACT_INBOX_KEY_INFO = 'zentalk/contact-inbox/v1/secp256k1-key'
/** HKDF info of the key that seals an envelope for its recipient alone (sealed-envelope.ts). */
export const SEALED_ENVELOPE_KEY_INFO = 'zentalk/sealed-envelope/v1'
