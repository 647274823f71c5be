/**
 * Who is on the other end of a relay connection: address lists (`--exempt-address`, `--trusted-proxy`), the
 * client address of an HTTP request (believing `X-Forwarded-For` only from trusted proxies), and the key that
 * per-address limits count by.
 */
import { BlockList, isIP } from 'node:net'
import type { IncomingMessage } from 'node:http'
import { InvalidConfigError } from '../src/errors/index.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A set of addresses and CIDR ranges, IPv4 and IPv6; IPv4-mapped IPv6 addresses match their IPv4 form. */
export class AddressList {
  private readonly list = new BlockList()
  readonly entries: string[] = []

  constructor (entries: Iterable<string> = []) {
    for (const e of entries) this.add(e)
  }

  add (entry: string): void {
    const [addr, bits, ...rest] = entry.trim().split('/')
    const family = isIP(addr ?? '')
    if (family === 0 || rest.length > 0) throw new InvalidConfigError(`not an IP address or CIDR range: ${JSON.stringify(entry)}`)
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (bits == null) {
      this.list.addAddress(addr!, type)
    } else {
      const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN
      if (!(prefix >= 0 && prefix <= (family === 4 ? 32 : 128))) throw new InvalidConfigError(`bad prefix length in ${JSON.stringify(entry)}`)
      this.list.addSubnet(addr!, prefix, type)
    }
    this.entries.push(entry.trim())
  }

  has (ip: string): boolean {
    const plain = unmapIPv4(ip)
    const family = isIP(plain)
    if (family === 0) return false
    return this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6')
  }
}

/** Loopback: where the relay's own storage nodes, and a developer's tabs, come from. */
export const LOOPBACK = ['127.0.0.0/8', '::1/128']

export function isLoopback (ip: string): boolean {
  return new AddressList(LOOPBACK).has(ip)
}

/** `::ffff:1.2.3.4` → `1.2.3.4`. */
export function unmapIPv4 (ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  return m != null ? m[1]! : ip
}

/**
 * The address that per-address limits count by: an IPv4 address, or the /64 of an IPv6 address (one
 * subscriber usually holds a whole /64, so counting single IPv6 addresses would limit nothing).
 */
export function limitKey (ip: string): string {
  const plain = unmapIPv4(ip)
  if (isIP(plain) !== 6) return plain
  return expandIPv6(plain).slice(0, 4).join(':') + '::/64'
}

function expandIPv6 (ip: string): string[] {
  const noZone = ip.split('%')[0]!
  const [head, tail] = noZone.includes('::') ? noZone.split('::') as [string, string] : [noZone, undefined]
  const h = head === '' ? [] : head.split(':')
  const t = tail == null || tail === '' ? [] : tail.split(':')
  const fill = tail == null ? [] : new Array<string>(8 - h.length - t.length).fill('0')
  return [...h, ...fill, ...t].map(g => g.toLowerCase().replace(/^0+(?=.)/, ''))
}

/** The IP address in a multiaddr such as `/ip4/1.2.3.4/tcp/5/ws`, or undefined (e.g. a relayed address). */
export function ipOfMultiaddr (ma: Multiaddr): string | undefined {
  const c = ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')
  return c?.value
}

/**
 * The client address of a request: the socket's peer, unless that peer is a trusted proxy, in which case the
 * `X-Forwarded-For` chain is walked from the right and the first address that is not a trusted proxy wins
 * (what `proxy-addr` does). A malformed entry stops the walk at the last trusted hop.
 */
export function clientAddress (req: IncomingMessage, trustedProxies: AddressList): string {
  let addr = unmapIPv4(req.socket.remoteAddress ?? '')
  if (!trustedProxies.has(addr)) return addr
  const header = req.headers['x-forwarded-for']
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapIPv4(hops[i]!)
    if (isIP(hop) === 0) break
    addr = hop
    if (!trustedProxies.has(hop)) break
  }
  return addr
}
