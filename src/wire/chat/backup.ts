import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface BackupSecrets {
  walletPrivateKey: Uint8Array<ArrayBuffer>
  displayName: string
}

export namespace BackupSecrets {
  let _codec: Codec<BackupSecrets>

  export const codec = (): Codec<BackupSecrets> => {
    if (_codec == null) {
      _codec = message<BackupSecrets>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.walletPrivateKey != null && obj.walletPrivateKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.walletPrivateKey)
        }

        if ((obj.displayName != null && obj.displayName !== '')) {
          w.uint32(18)
          w.string(obj.displayName)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          walletPrivateKey: uint8ArrayAlloc(0),
          displayName: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.walletPrivateKey = reader.bytes()
              break
            }
            case 2: {
              obj.displayName = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.walletPrivateKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.displayName`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BackupSecretsWalletPrivateKeyFieldEvent {
    field: '$.walletPrivateKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BackupSecretsDisplayNameFieldEvent {
    field: '$.displayName'
    value: string
  }

  export function encode (obj: Partial<BackupSecrets>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BackupSecrets.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BackupSecrets>): BackupSecrets {
    return decodeMessage(buf, BackupSecrets.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BackupSecrets>): Generator<BackupSecretsWalletPrivateKeyFieldEvent | BackupSecretsDisplayNameFieldEvent> {
    return streamMessage(buf, BackupSecrets.codec(), opts)
  }
}
