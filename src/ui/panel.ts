/** The node panel: who this node is, what it stores, its relay, its connections and its routing table by bucket. */
import type { ChunkStoreStats, NodeStatus, StartupStage } from '../node/index.ts'

export function renderPanel (root: HTMLElement, status: NodeStatus, storage: ChunkStoreStats | undefined, address: string,
  startup: StartupStage[] = []): void {
  const direct = status.connections.filter(c => c.direct).length
  root.replaceChildren(
    section('This node', dl([
      ['Your address', code(address)],
      ['Peer ID', code(status.peerId)],
      ['Kademlia ID', code(`0x${status.kadId}`)],
      ['Node-ID work', text(`${status.nodeIdWork.own} bits (storage nodes of this mesh need ${status.nodeIdWork.required})`)],
      ['Role', text(status.role === 'light'
        ? 'light node: no WebRTC in this browser, so it holds no shards and reaches storage nodes over WebSockets'
        : 'storage node')],
      ['Relay', text(status.relay.connected ? (status.relay.reservation ? 'connected, reservation held' : 'connected, no reservation yet') : 'disconnected, retrying')],
      ['Addresses', list(status.addresses.map(code))]
    ])),
    section('Storage for others', storage === undefined
      ? fragment(text('not available'), dl([persistenceRow(status.persistentStorage)]))
      : dl([
        ['Shards held', text(String(storage.shards))],
        ['Owners', text(String(storage.owners))],
        ['Used', text(`${formatBytes(storage.bytes)} of ${formatBytes(storage.quotaBytes)}`)],
        ['Per owner', text(`at most ${formatBytes(storage.ownerQuotaBytes)}`)],
        persistenceRow(status.persistentStorage)
      ])),
    section(`Connections (${status.connections.length}: ${direct} direct, ${status.connections.length - direct} relayed)`,
      fragment(budgetSummary(status.connectionBudget),
        table(['Peer', 'Path', 'Address'], status.connections.map(c => [short(c.peerId), c.direct ? 'direct' : 'relayed', c.remoteAddr])))),
    section(`Dead peers (${status.dead.length})`,
      table(['Peer', 'Dead for', 'Failed checks', 'Last error'], status.dead.map(d =>
        [short(d.peerId), formatAge(Date.now() - d.since), String(d.failedAttempts), d.lastError ?? '']))),
    repairSection(status.repair),
    section(`Unreachable storage nodes (${status.pending.length})`,
      table(['Peer', 'Failed dials', 'Last error', 'Retry in'], status.pending.map(p =>
        [short(p.peerId), String(p.failures), p.lastError ?? '', `${Math.ceil(p.retryInMs / 1000)} s`]))),
    section(`Routing table (${status.buckets.reduce((n, b) => n + b.peers.length, 0)} peers)`,
      table(['Bucket', 'Peer', 'XOR distance', 'Storage node', 'Connected'], status.buckets.flatMap(b =>
        b.peers.map(p => [String(b.index), short(p.peerId), p.distance, p.storage ? 'yes' : '?', p.connected ? 'yes' : 'no'])))
    ),
    section('Startup (ms since the page began loading)',
      table(['Stage', 'At', 'Took'], startup.map((s, i) => [s.stage, `${s.atMs} ms`, `${s.atMs - (startup[i - 1]?.atMs ?? 0)} ms`])))
  )
}

/** Shards this node rebuilt, handed off, dropped or scrubbed: totals, what runs now and the latest finished. */
function repairSection (repair: NodeStatus['repair']): HTMLElement {
  const c = repair.counters
  const tasks = [...repair.pending, ...repair.finished.slice(-10).reverse()]
  const body = document.createElement('div')
  body.append(
    dl([
      ['In progress', text(String(repair.pending.length))],
      ['Finished', text(`${repair.finished.length} (${c.failedTasks} failed)`)],
      ['Shards rebuilt', text(String(c.shardsRebuilt))],
      ['Handed off to closer nodes', text(String(c.shardsHandedOff))],
      ['Duplicates dropped', text(String(c.duplicatesDropped))],
      ['Corrupt shards found', text(String(c.corruptShardsFound))],
      ['Peers distrusted (claimed shards they could not produce)', text(String(c.peersDistrusted))],
      ['Read per rebuilt shard', text(c.shardsRebuilt === 0 ? '-' : formatBytes(repair.bytesReadPerRebuiltShard))]
    ]),
    table(['Task', 'Object', 'Shards', 'To', 'State'], tasks.map(t => [
      t.kind, `${t.objectId.slice(0, 12)}…`, t.shardIndices.join(', '), t.to.map(short).join(', '),
      t.status === 'failed' ? `failed: ${t.error ?? ''}` : t.status === 'pending' ? 'running' : `done in ${t.durationMs ?? 0} ms`
    ]))
  )
  return section(`Repairs (${repair.pending.length} running, ${repair.finished.length} finished)`, body)
}

/** Whether the browser keeps this tab's storage, shards included, when the disk fills (`persistentStorage`). */
function persistenceRow (persistent: NodeStatus['persistentStorage']): [string, Node] {
  const value = document.createElement('span')
  value.dataset.testid = 'node-storage-persistent'
  value.textContent = persistent === null
    ? 'not browser storage'
    : persistent
      ? 'persistent: the browser keeps these shards when the disk fills'
      : 'best-effort: the browser may evict these shards when the disk fills (other nodes wait for this tab no longer than for an operator node)'
  return ['Browser storage', value]
}

/** The connection budget: what the node may hold at once, its peak, and how many it opened since it started. */
function budgetSummary (budget: NodeStatus['connectionBudget']): HTMLElement {
  const summary = dl([
    ['Budget', text(budget.budget === null ? 'none' : `at most ${budget.budget} open at once`)],
    ['Open now', text(String(budget.open))],
    ['Most open at once', text(String(budget.peak))],
    ['Opened since start', text(String(budget.openedInLifetime))],
    ['Closed to make room', text(String(budget.closedForRoom))],
    ['Refused (budget full)', text(String(budget.refused))]
  ])
  summary.dataset.testid = 'connection-budget'
  return summary
}

function fragment (...nodes: Node[]): DocumentFragment {
  const f = document.createDocumentFragment()
  f.append(...nodes)
  return f
}

function formatAge (ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`
}

function section (title: string, body: Node): HTMLElement {
  const s = document.createElement('section')
  s.className = 'panel'
  const h = document.createElement('h2')
  h.textContent = title
  s.append(h, body)
  return s
}

function dl (rows: Array<[string, Node]>): HTMLElement {
  const d = document.createElement('dl')
  for (const [k, v] of rows) {
    const dt = document.createElement('dt')
    dt.textContent = k
    const dd = document.createElement('dd')
    dd.append(v)
    d.append(dt, dd)
  }
  return d
}

function table (head: string[], rows: string[][]): HTMLElement {
  const t = document.createElement('table')
  const thead = t.createTHead().insertRow()
  for (const h of head) {
    const th = document.createElement('th')
    th.scope = 'col'
    th.textContent = h
    thead.append(th)
  }
  const body = t.createTBody()
  for (const r of rows) {
    const tr = body.insertRow()
    for (const c of r) tr.insertCell().textContent = c
  }
  if (rows.length === 0) body.insertRow().insertCell().textContent = 'none yet'
  return t
}

function list (items: Node[]): HTMLElement {
  const ul = document.createElement('ul')
  for (const i of items) {
    const li = document.createElement('li')
    li.append(i)
    ul.append(li)
  }
  return ul
}

function code (s: string): HTMLElement {
  const c = document.createElement('code')
  c.textContent = s
  return c
}

function text (s: string): Text { return document.createTextNode(s) }

function formatBytes (n: number): string {
  if (!Number.isFinite(n)) return 'unlimited'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`
}

function short (peerId: string): string { return `${peerId.slice(0, 8)}…${peerId.slice(-6)}` }
