/**
 * How a node finds its relay. The relay serves `GET /api/bootstrap` next to the web app; a page served by the
 * relay asks its own origin, a headless node asks the URL it was given. The relay address is built from the
 * URL the client used, so it works whatever name or IP the user typed (localhost, a LAN IP, a domain behind TLS).
 */
import type { IceServer } from '../config/index.ts'

export const BOOTSTRAP_PATH = '/api/bootstrap'

export interface BootstrapInfo {
  /** The relay's peer ID. */
  peerId: string
  /** Multiaddrs the relay announces (with /p2p/<id>). */
  multiaddrs: string[]
  /** ICE servers the operator recommends for WebRTC. */
  iceServers: IceServer[]
}

/** The relay's WebSocket multiaddr as reached through `url` (the page's origin or a `--bootstrap` URL). */
export function relayAddrFromUrl (url: URL, peerId: string): string {
  const secure = url.protocol === 'https:' || url.protocol === 'wss:'
  const port = url.port !== '' ? url.port : (secure ? '443' : '80')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const proto = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? 'ip4' : host.includes(':') ? 'ip6' : 'dns4'
  return `/${proto}/${host}/tcp/${port}/${secure ? 'wss' : 'ws'}/p2p/${peerId}`
}

export function parseBootstrapInfo (json: unknown): BootstrapInfo {
  const info = json as Partial<BootstrapInfo>
  if (typeof info?.peerId !== 'string' || !Array.isArray(info.multiaddrs)) {
    throw new Error('the relay answered /api/bootstrap without a peerId and multiaddrs')
  }
  return { peerId: info.peerId, multiaddrs: info.multiaddrs.map(String), iceServers: Array.isArray(info.iceServers) ? info.iceServers : [] }
}

export async function fetchBootstrapInfo (base: URL, signal?: AbortSignal): Promise<BootstrapInfo> {
  const res = await fetch(new URL(BOOTSTRAP_PATH, base), { signal, cache: 'no-store' })
  if (!res.ok) throw new Error(`the relay at ${base.origin} answered ${res.status} for ${BOOTSTRAP_PATH}`)
  return parseBootstrapInfo(await res.json())
}
