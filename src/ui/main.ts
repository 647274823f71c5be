/**
 * Entry point of the web app: starts this tab's node, exposes the automation API on `window.zentalk`
 * (README: "Automation API") and shows the node panel.
 */
import { startBrowserNode } from '../node/browser.ts'
import { renderPanel } from './panel.ts'
import './style.css'

export interface ZenTalkApi {
  ready: Promise<void>
  peerId: string
  slot: number
  connections(): Array<{ peerId: string, remoteAddr: string, direct: boolean }>
  routingTable(): string[]
  closestPeers(key: Uint8Array, count?: number): Promise<string[]>
  status(): ReturnType<import('../node/index.ts').ZenTalkNode['status']>
  stop(): Promise<void>
  /** The underlying libp2p node, for debugging and power users. */
  libp2p: import('../net/index.ts').MeshLibp2p
}

declare global {
  interface Window { zentalk?: ZenTalkApi, zentalkError?: { name: string, message: string } }
}

const stateEl = document.getElementById('node-state')!
const app = document.getElementById('app')!

async function main (): Promise<void> {
  const started = performance.now()
  const { node, slot } = await startBrowserNode(window.location)
  window.zentalk = {
    ready: node.ready,
    peerId: node.peerId,
    slot,
    connections: () => node.connections(),
    routingTable: () => node.routingTable(),
    closestPeers: async (key, count) => await node.closestPeers(key, count),
    status: () => node.status(),
    stop: async () => { await node.stop() },
    libp2p: node.libp2p
  }
  stateEl.textContent = 'Joining the mesh…'
  const refresh = (): void => renderPanel(app, node.status())
  refresh()
  setInterval(refresh, 1000)
  await node.ready
  stateEl.textContent = `Your tab is a storage node (ready in ${Math.round(performance.now() - started)} ms)`
}

main().catch((err: Error) => {
  window.zentalkError = { name: err.name, message: err.message }
  stateEl.textContent = `Could not start this tab's node: ${err.message}`
  stateEl.classList.add('error')
  console.error(err)
})
