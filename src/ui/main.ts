/**
 * Entry point of the web app: starts this tab's node (with its chat), exposes the automation API on
 * `window.zentalk` (README: "Automation API") and shows the chat app, with the node panel one click away.
 */
import { isProfileWalletLocked, loadProfileWallet, startTab, type ZenTalkApi } from '../node/index.ts'
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
  // A locked identity opens only with its passphrase; the node starts once it is open.
  const wallet = await isProfileWalletLocked() ? await askPassphrase() : undefined
  const app = await startTab(window.location, {
    ...(wallet === undefined ? {} : { wallet }),
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
    sendAttachment: app.chat.sendAttachment,
    fetchAttachment: app.chat.fetchAttachment,
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

/** Asks for the passphrase of this profile's locked identity until one opens it. */
async function askPassphrase (): Promise<Awaited<ReturnType<typeof loadProfileWallet>>> {
  stateEl.textContent = 'Your identity is locked'
  const passphrase = Object.assign(document.createElement('input'), { type: 'password', autocomplete: 'current-password', required: true })
  passphrase.dataset.testid = 'unlock-passphrase'
  const label = document.createElement('label')
  label.append('Passphrase', passphrase)
  const submit = Object.assign(document.createElement('button'), { type: 'submit', textContent: 'Open' })
  submit.dataset.testid = 'unlock-submit'
  const error = document.createElement('p')
  error.dataset.testid = 'unlock-error'
  error.setAttribute('role', 'alert')
  const title = Object.assign(document.createElement('h2'), { textContent: 'Your identity is locked' })
  const hint = Object.assign(document.createElement('p'), { textContent: 'This browser keeps your key encrypted with your passphrase. Enter it to open ZenTalk.' })
  const form = document.createElement('form')
  form.className = 'unlock-form card'
  form.dataset.testid = 'unlock-form'
  form.append(title, hint, label, submit, error)
  chatEl.replaceChildren(form)
  passphrase.focus()
  return await new Promise(resolve => {
    form.addEventListener('submit', event => {
      event.preventDefault()
      submit.disabled = true
      error.textContent = ''
      loadProfileWallet(passphrase.value).then(wallet => {
        chatEl.replaceChildren()
        resolve(wallet)
      }, (err: Error) => {
        error.textContent = err.name === 'WrongPassphraseError' ? 'That passphrase does not open this identity.' : `Could not open your identity (${err.name}): ${err.message}`
        passphrase.select()
      }).finally(() => { submit.disabled = false })
    })
  })
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
