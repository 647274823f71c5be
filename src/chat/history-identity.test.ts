import { describe, expect, it } from 'vitest'
import { WalletIdentity, walletFromPrivateKey } from '../identity/index.ts'
import { deriveHistoryIdentity } from './history-identity.ts'

describe('history identity', () => {
  it('is the same for one wallet key every time, and pinned: it says where a user\'s history is', () => {
    const wallet = walletFromPrivateKey(new Uint8Array(32).fill(1))
    expect(wallet.address).toBe('0x1a642f0e3c3af545e7acbd38b07251b3990914f1')
    expect(deriveHistoryIdentity(wallet).address).toBe('0xd07c9538e787895b2993314212592db6fa0786d5')
    expect(deriveHistoryIdentity(walletFromPrivateKey(new Uint8Array(32).fill(1))).address).toBe(deriveHistoryIdentity(wallet).address)
  })

  it('differs from the wallet address and between wallets, and signs like any wallet', async () => {
    const wallets = Array.from({ length: 20 }, () => WalletIdentity.generate())
    const derived = wallets.map(wallet => deriveHistoryIdentity(wallet).address)
    expect(new Set([...derived, ...wallets.map(wallet => wallet.address)]).size).toBe(40)
    const key = deriveHistoryIdentity(wallets[0]).exportPrivateKey()
    expect(walletFromPrivateKey(key).address).toBe(derived[0])
  })
})
