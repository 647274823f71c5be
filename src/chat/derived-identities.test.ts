import { describe, expect, it } from 'vitest'
import { WalletIdentity, walletFromPrivateKey } from '../identity/index.ts'
import { deriveContactInboxIdentity, deriveHistoryIdentity } from './derived-identities.ts'

describe('identities derived from the wallet key', () => {
  it('are the same for one wallet key every time, and pinned: they say where a user\'s history and contact inbox are', () => {
    const wallet = walletFromPrivateKey(new Uint8Array(32).fill(1))
    expect(wallet.address).toBe('0x1a642f0e3c3af545e7acbd38b07251b3990914f1')
    expect(deriveHistoryIdentity(wallet).address).toBe('0xd07c9538e787895b2993314212592db6fa0786d5')
    expect(deriveContactInboxIdentity(wallet).address).toBe('0xa609e7cecc65bda66d1f42cf5ed60970b3e85061')
    const again = walletFromPrivateKey(new Uint8Array(32).fill(1))
    expect(deriveHistoryIdentity(again).address).toBe(deriveHistoryIdentity(wallet).address)
    expect(deriveContactInboxIdentity(again).address).toBe(deriveContactInboxIdentity(wallet).address)
  })

  it('differ from the wallet address, from each other and between wallets, and sign like any wallet', () => {
    const wallets = Array.from({ length: 20 }, () => WalletIdentity.generate())
    const history = wallets.map(wallet => deriveHistoryIdentity(wallet).address)
    const inbox = wallets.map(wallet => deriveContactInboxIdentity(wallet).address)
    expect(new Set([...history, ...inbox, ...wallets.map(wallet => wallet.address)]).size).toBe(60)
    expect(walletFromPrivateKey(deriveHistoryIdentity(wallets[0]).exportPrivateKey()).address).toBe(history[0])
    expect(walletFromPrivateKey(deriveContactInboxIdentity(wallets[0]).exportPrivateKey()).address).toBe(inbox[0])
  })
})
