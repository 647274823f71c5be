import { PeerUnreachableError, ZenTalkError } from '../../errors/index.ts'

// Every class sets `name` itself: production builds minify class names, and the UI and the automation API
// match on `name`.

/** Nobody has published a key bundle for this address (they never opened the app), or its holders lost it. */
export class KeyBundleNotFoundError extends ZenTalkError { override name = 'KeyBundleNotFoundError' }

/**
 * The key bundle was not looked up this time: this device has looked up its limit of unknown addresses for now
 * (an inbox flood of fresh identities); the message is opened on a later read. Says nothing about the mesh.
 */
export class KeyBundleLookupDeferredError extends KeyBundleNotFoundError { override name = 'KeyBundleLookupDeferredError' }

/** No valid presence record is published for the recipient: they are offline (the message waits in their inbox). */
export class RecipientOfflineError extends ZenTalkError { override name = 'RecipientOfflineError' }

/** The recipient's node could not be dialled, does not speak the delivery protocol, or did not answer in time. */
export class DeliveryUnreachableError extends PeerUnreachableError { override name = 'DeliveryUnreachableError' }

/** The recipient's node refused the envelope; `status` is its typed reason (a DeliverStatus name). */
export class DeliveryRefusedError extends ZenTalkError {
  override name = 'DeliveryRefusedError'
  readonly status: string
  constructor (status: string, peer: string, remoteMessage: string, options?: ErrorOptions) {
    super(`peer ${peer} refused the message (${status})${remoteMessage === '' ? '' : `: ${remoteMessage}`}`, options)
    this.status = status
  }
}

/** The answer to a delivery breaks the protocol, or its receipt is not signed by the recipient's wallet. */
export class InvalidDeliveryResponseError extends ZenTalkError { override name = 'InvalidDeliveryResponseError' }

/** The recipient cannot get the message: its inbox copy was not stored and live delivery failed too. */
export class SendFailedError extends ZenTalkError {
  override name = 'SendFailedError'
  readonly messageId: string
  constructor (messageId: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.messageId = messageId
  }
}

/** The recipient's inbox holders refuse more messages from this sender for now (their per-sender rate limit). */
export class InboxRateLimitedError extends SendFailedError { override name = 'InboxRateLimitedError' }

/** An object of the history or the inbox was seen on some holders but could not be rebuilt from its shards. */
export class ObjectUnavailableError extends ZenTalkError { override name = 'ObjectUnavailableError' }

/** A history segment just stored did not read back intact from the mesh; compaction stopped before deleting anything it replaces. */
export class HistorySegmentReadBackError extends ZenTalkError { override name = 'HistorySegmentReadBackError' }
