/**
 * Baseline for `npm run bench -- idle`: a libp2p node with transports, encryption and muxing only (no DHT, no
 * identify, no ping service), holding one connection to the relay. Argument: the relay URL. Prints `connected`.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { fetchBootstrapInfo, relayAddrFromUrl } from '../src/net/index.ts'

const url = new URL(process.argv[2])
const info = await fetchBootstrapInfo(url)
const node = await createLibp2p({
  transports: [webSockets()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionGater: { denyDialMultiaddr: () => false }
})
await node.dial(multiaddr(relayAddrFromUrl(url, info.peerId)))
console.log('connected')
process.on('SIGINT', () => { void Promise.resolve(node.stop()).then(() => process.exit(0)) })
