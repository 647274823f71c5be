export {
  ADDRESS_BYTES,
  addressFromBytes,
  addressFromPublicKey,
  addressToBytes,
  isAddress,
  parseAddress,
  toChecksumAddress,
  type WalletAddress
} from './address.ts'
export {
  InvalidAddressError,
  InvalidPrivateKeyError,
  InvalidPublicKeyError,
  InvalidSignatureError,
  KeyStoreError
} from './errors.ts'
export type { KeyStore } from './key-store.ts'
export { DEFAULT_WALLET_KEY_NAME, loadOrCreateWallet } from './load-wallet.ts'
export { MemoryKeyStore } from './memory-key-store.ts'
export {
  SIGNATURE_BYTES,
  SIGNATURE_R_OFFSET,
  SIGNATURE_S_OFFSET,
  SIGNATURE_V_BASE,
  SIGNATURE_V_OFFSET,
  assertSignedBy,
  recoverAddress,
  signatureDigest,
  verifyBySignature
} from './signature.ts'
export { PRIVATE_KEY_BYTES, WalletIdentity, generateWallet, walletFromPrivateKey, type Signer } from './wallet.ts'
