import { ZenTalkError } from '../errors/index.ts'
import { InvalidSignatureError } from '../identity/index.ts'
import { UnsupportedVersionError } from '../wire/index.ts'

// Signature failures extend InvalidSignatureError and version failures extend UnsupportedVersionError, so code
// that only cares "bad signature" or "too new" can catch the general class; the UI can name the specific one.

/** Bytes are not a usable X25519 key: wrong length, non-canonical, or a low-order point (no secret agreement). */
export class InvalidChatKeyError extends ZenTalkError {}

/** A display name is too long, has control or bidirectional-override characters, or is not NFC-normalised. */
export class InvalidDisplayNameError extends ZenTalkError {}

/** A key bundle's signature does not recover to the address the bundle names: it was signed by another key. */
export class KeyBundleSignatureError extends InvalidSignatureError {}

/** A valid key bundle belongs to another address than the one it was fetched for. */
export class KeyBundleOwnerMismatchError extends ZenTalkError {}

/** An envelope declares a version or algorithm this build does not implement; the sender may run a newer release. */
export class UnsupportedEnvelopeError extends UnsupportedVersionError {}

/** An envelope's signature is malformed or was not made by the sender it names; nothing was decrypted. */
export class EnvelopeSignatureError extends InvalidSignatureError {}

/** AES-GCM refused the ciphertext: it was altered, or sealed for other keys than the header says. */
export class EnvelopeDecryptError extends ZenTalkError {}

/** The envelope is neither from nor to this identity, or was sealed to another X25519 key of ours. */
export class NotRecipientError extends ZenTalkError {}

/** No key bundle is known for the other party of an envelope, so its X25519 key cannot be checked. */
export class UnknownPeerKeyError extends ZenTalkError {}

/** The envelope uses an X25519 key for the other party that differs from the key that party published. */
export class PeerKeyMismatchError extends ZenTalkError {}

/** A presence record's signature does not recover to the address the record names. */
export class PresenceSignatureError extends InvalidSignatureError {}

/** A valid presence record belongs to another address than the one it was looked up for. */
export class PresenceOwnerMismatchError extends ZenTalkError {}

/** A presence record's validity ended; the peer it names may be gone. */
export class PresenceExpiredError extends ZenTalkError {}

/** A presence record was issued further in the future than clock skew explains. */
export class PresenceNotYetValidError extends ZenTalkError {}

/** The passphrase does not open this backup. */
export class WrongPassphraseError extends ZenTalkError {}

/** A passphrase is too short to protect an exported private key. */
export class WeakPassphraseError extends ZenTalkError {}

/** Data is not an intact identity backup: not the format, a field out of range, or altered after export. */
export class InvalidBackupError extends ZenTalkError {}

/** A backup declares a version, KDF or cipher this build does not implement. */
export class UnsupportedBackupError extends ZenTalkError {}

/** A history segment declares a version or algorithm this build does not implement; a newer release wrote it. */
export class UnsupportedHistorySegmentError extends UnsupportedVersionError { override name = 'UnsupportedHistorySegmentError' }

/** AES-GCM refused a history segment: it was altered, or sealed by another identity than the one reading it. */
export class HistorySegmentDecryptError extends ZenTalkError { override name = 'HistorySegmentDecryptError' }

/** A file is larger than MAX_ATTACHMENT_BYTES (or empty): nothing was encrypted or stored. */
export class AttachmentTooLargeError extends ZenTalkError { override name = 'AttachmentTooLargeError' }

/** An attachment reference declares a version or algorithm this build does not implement. */
export class UnsupportedAttachmentError extends UnsupportedVersionError { override name = 'UnsupportedAttachmentError' }

/** An attachment reference is malformed: wrong key or hash length, sizes that do not add up, too many chunks. */
export class InvalidAttachmentError extends ZenTalkError { override name = 'InvalidAttachmentError' }

/**
 * A downloaded attachment is not what the message promised: a chunk that AES-GCM refuses (altered, swapped,
 * another attachment's), a wrong length, or bytes whose SHA-256 differs from the reference. Nothing is handed over.
 */
export class AttachmentIntegrityError extends ZenTalkError { override name = 'AttachmentIntegrityError' }
