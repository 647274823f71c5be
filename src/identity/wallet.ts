import { secp256k1 } from '@noble/curves/secp256k1.js'
import { addressFromPublicKey, type WalletAddress } from './address.ts'
import { InvalidPrivateKeyError } from './errors.ts'
import { signWithPrivateKey } from './signature.ts'

/** Length of a raw secp256k1 private key. */
export const PRIVATE_KEY_BYTES = 32

/** Something that signs as an owner address; `WalletIdentity` is the in-memory implementation. */
export interface Signer {
  readonly address: WalletAddress
  /** 65-byte `r ‖ s ‖ v` signature over `hashWithNamespace(namespace, message)`. */
  sign(namespace: string, message: Uint8Array): Uint8Array
}

/**
 * The owner's wallet-style identity: a secp256k1 key pair and its Ethereum-style address. The private key
 * lives in a private field so it is not printed or serialised by accident; use `exportPrivateKey()` for backups.
 */
export class WalletIdentity implements Signer {
  readonly address: WalletAddress
  /** 33-byte compressed SEC1 public key. */
  readonly publicKey: Uint8Array
  readonly #privateKey: Uint8Array

  private constructor (privateKey: Uint8Array) {
    this.#privateKey = privateKey
    this.publicKey = secp256k1.getPublicKey(privateKey, true)
    this.address = addressFromPublicKey(this.publicKey)
  }

  /** @throws {InvalidPrivateKeyError} unless 32 bytes in the range 1 … n−1 */
  static fromPrivateKey (privateKey: Uint8Array): WalletIdentity {
    if (!(privateKey instanceof Uint8Array) || privateKey.length !== PRIVATE_KEY_BYTES) {
      throw new InvalidPrivateKeyError(`a private key is ${PRIVATE_KEY_BYTES} bytes, got ${privateKey?.length ?? typeof privateKey}`)
    }
    if (!secp256k1.utils.isValidSecretKey(privateKey)) {
      throw new InvalidPrivateKeyError('private key is zero or not below the secp256k1 group order')
    }
    return new WalletIdentity(Uint8Array.from(privateKey))
  }

  /** A fresh key from the platform CSPRNG. */
  static generate (): WalletIdentity {
    return new WalletIdentity(Uint8Array.from(secp256k1.utils.randomSecretKey()))
  }

  /** Deterministic (RFC 6979) 65-byte `r ‖ s ‖ v` signature over `hashWithNamespace(namespace, message)`. */
  sign (namespace: string, message: Uint8Array): Uint8Array {
    return signWithPrivateKey(this.#privateKey, namespace, message)
  }

  /** A copy of the raw 32-byte private key, for backups. Anyone holding it controls this identity. */
  exportPrivateKey (): Uint8Array {
    return Uint8Array.from(this.#privateKey)
  }

  toJSON (): { address: WalletAddress } {
    return { address: this.address }
  }
}

/** Identity for a raw 32-byte private key (e.g. restored from a backup). */
export function walletFromPrivateKey (privateKey: Uint8Array): WalletIdentity {
  return WalletIdentity.fromPrivateKey(privateKey)
}

/** A new random identity. */
export function generateWallet (): WalletIdentity {
  return WalletIdentity.generate()
}
