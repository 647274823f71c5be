/**
 * Entry point of the web app: starts this tab's node (with its chat), exposes the automation API on
 * `window.zentalk` (README: "Automation API") and shows the chat app, with the node panel one click away.
 */
import { startTab, type ZenTalkApi } from '../node/index.ts'
import { mountChatApp } from './chat/index.ts'
import { renderPanel } from './panel.ts'
import './style.css'

declare global {
  interface Window { zentalk?: ZenTalkApi, zentalkError?: { name: string, message: string } }
}

const stateEl = document.getElementById('node-state')!
const panelEl = document.getElementById('node-panel')!
const chatEl = document.getElementById('chat-app')!

async function main (): Promise<void> {
  const started = performance.now()
  const app = await startTab(window.location, {
    // The in-tab benchmarks are a chunk of their own, loaded only when `npm run bench` asks for them.
    loadBench: async node => (await import('../../bench/tab/index.ts')).tabBench(node.objects!),
    onNotice: showPageNotice
  })
  window.zentalk = app.api
  const chatApp = mountChatApp({
    root: chatEl,
    nodePanel: panelEl,
    chat: app.chat,
    send: app.chat.send,
    prepare: app.chat.prepare,
    identity: app.identity
  })
  // Read the history as soon as the mesh can answer (earlier reads find too few holders).
  app.api.chatReady.then(async () => { await chatApp.refresh() }, () => {})
  stateEl.textContent = 'Joining the mesh…'
  let refreshing = false
  const refresh = async (): Promise<void> => {
    if (refreshing) return
    refreshing = true
    try {
      renderPanel(panelEl, app.node.status(), await app.node.storageStats().catch(() => undefined), app.identity.address, app.node.startup())
    } finally {
      refreshing = false
    }
  }
  void refresh()
  setInterval(() => { void refresh() }, 1000)
  await app.node.ready
  const readyIn = Math.round(performance.now() - started)
  stateEl.textContent = app.node.status().role === 'light'
    ? `Your tab is connected (ready in ${readyIn} ms), but it holds no one's data: this browser offers no WebRTC connection, so your messages go through storage nodes and the relay`
    : `Your tab is a storage node (ready in ${readyIn} ms)`
}

/**
 * The banner under the title about where this page's mesh settings came from: a warning when its address may
 * choose the relay (`developer=1`), a notice when its address asked for another mesh and that was ignored.
 */
function showPageNotice (notice: { readonly kind: 'developer' | 'ignored', readonly text: string }): void {
  const banner = document.createElement('p')
  banner.className = `page-notice ${notice.kind}`
  banner.dataset.testid = 'developer-warning'
  banner.dataset.kind = notice.kind
  banner.setAttribute('role', notice.kind === 'developer' ? 'alert' : 'status')
  banner.textContent = notice.text
  stateEl.after(banner)
}

main().catch((err: Error) => {
  window.zentalkError = { name: err.name, message: err.message }
  stateEl.textContent = `Could not start this tab's node: ${err.message}`
  stateEl.classList.add('error')
  console.error(err)
})
