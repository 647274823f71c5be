import type { ObjectStore } from '../../objects/index.ts'

/** What the key-bundle and presence directories use of the object store (an ObjectStore is one). */
export type DirectoryObjects = Pick<ObjectStore, 'owner' | 'storeObject' | 'fetchObjects' | 'deleteObject'>

/** A record that failed verification while looking up `address`, for the service to report. */
export type OnRejectedRecord = (address: string, error: Error) => void
