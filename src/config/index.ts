/**
 * Runtime settings of a node, with production defaults. Tabs read them from URL query parameters
 * (`?dialTimeoutMs=5000`), headless nodes from CLI flags (`--dial-timeout-ms 5000`); both go through
 * `parseNodeSettings`, so names, defaults and validation are the same everywhere. README lists them.
 */
import { InvalidConfigError } from '../errors/index.ts'

export interface IceServer { urls: string | string[], username?: string, credential?: string }

export interface NodeSettings {
  /** Relay multiaddrs (with /p2p/<id>); empty: ask the page's own origin (`/api/bootstrap`). */
  relay: string[]
  /** STUN/TURN servers for WebRTC. Default none: host candidates only, which is right on one LAN or machine. */
  iceServers: IceServer[]
  dialTimeoutMs: number
  /** Deadline of the DHT part of a closest-peers lookup. */
  lookupTimeoutMs: number
  /** How often a node checks its relay connection and its connections to other storage nodes. */
  keeperIntervalMs: number
  /** How often a node looks itself and a random ID up in the DHT to learn of nodes it has not met. */
  discoveryIntervalMs: number
  /** A storage node unreachable for less than this still counts as alive (placement, lookups). */
  livenessGraceMs: number
  /** How many storage nodes a node keeps direct connections to. */
  targetPeers: number
  /**
   * Most connections the node holds open at once, never exceeded; none unless given. The peer keeper then keeps
   * its own neighbourhood within it and leaves room for the connections of lookups and stores. Not a tab's default
   * yet: in a mesh larger than a budget lets a node keep connected, lookups within it are not exact yet (README).
   */
  connectionBudget: number | undefined
  /** How long the larger peer ID of a pair waits for the smaller one to dial before dialling itself. */
  dialerGraceMs: number
  /** Dial loopback and private addresses. Default: only when the page itself is served from such a host. */
  allowPrivate: boolean
  /** Numbered node slot of a tab (its key and database); default: the first free one. */
  slot: number | undefined
  /**
   * Most bytes of other people's shards this node keeps (MiB). Default: half of what the browser grants the
   * site (tabs, from `navigator.storage.estimate()`), or `DEFAULT_HEADLESS_QUOTA_MB` (headless nodes).
   */
  storageQuotaMb: number | undefined
  /** Most bytes any one owner may occupy on this node (MiB), so one user cannot fill it. */
  ownerQuotaMb: number
  /**
   * How often a node checks its routing-table peers and the co-holders of its shards, and looks for shards to
   * repair or hand off (the seed's 5 minutes).
   */
  healthIntervalMs: number
  /** Checks after the first failed one before a silent peer is marked dead. */
  healthRetries: number
  /** How long a node must stay among the closest to a key before shards move to it (tabs come and go). */
  handoffGraceMs: number
  /**
   * How long a holder the health monitor declared dead still counts as holding its shards before they are rebuilt
   * elsewhere: offline is not gone (DURABILITY.md "Grace and threshold"). 0, the default: rebuilt at once. The
   * grace of operator nodes and of holders whose class is not known; tabs have `tabLostAfterMs`.
   */
  lostAfterMs: number
  /**
   * The same grace for holders that announced themselves as browser tabs (they close every evening and come
   * back). Default (undefined): `lostAfterMs`. At most 30 days too.
   */
  tabLostAfterMs: number | undefined
  /**
   * Rebuild an object only once its counted shards (those on holders that answer, plus those on holders still inside
   * `lostAfterMs`) are this many or fewer, and then every shard it lacks. From k to k + m - 1 for every stripe in
   * `stripes`; default (undefined) k + m - 1: any missing shard is rebuilt.
   */
  repairThreshold: number | undefined
  /**
   * The repair threshold of one stripe, overriding `repairThreshold` for objects of that stripe (a wide stripe needs its
   * own: 23 of 30 for 10+20, DURABILITY.md). Given in the same parameter: `repairThreshold=10+20=23` or
   * `repairThreshold=12,10+20=23` (12 for every other stripe). Each names a stripe of `stripes`, from k to k + m - 1.
   */
  repairThresholds: Array<{ k: number, m: number, threshold: number }>
  /**
   * Long-tail stores: shards of one object this node's stores may also send to a spare node when their holder is
   * far slower than the others (the first receipt wins). 0, the default: none, and every object sits on exactly its
   * closest nodes. 5 (m) lets no slow holder hold a store.
   */
  storeHedges: number
  /**
   * Erasure stripes (k data + m parity shards) this node stores and repairs for others, e.g. `10+5`; others are
   * refused. Default the mesh's own stripe, 10+5.
   */
  stripes: Array<{ k: number, m: number }>
  /**
   * The stripe this node writes objects of a namespace with, where it is not the mesh's 10+5: an exact namespace or a
   * family ending in '/' (`zentalk/inbox/v1/`: every inbox), e.g. `zentalk/history/v1=10+20,zentalk/inbox/v1/=10+20`.
   * Its reads of that namespace ask k + m holders. Each stripe is also one this node accepts (added to `stripes`);
   * every storage node of the mesh must accept it too, or stores of that namespace fail (DURABILITY.md "In the node").
   */
  namespaceStripes: Array<{ namespace: string, stripe: { k: number, m: number } }>
  /**
   * Placement by class: objects of a stripe go to the `operators` operator nodes closest to their key and the k + m -
   * operators closest tabs, e.g. `10+20=14` (DURABILITY.md's recommendation), not to the k + m closest nodes. A node's
   * class is a bit of its peer ID (`src/placement/node-class.ts`): with any entry, a node generates its key until the
   * bit says what it is (a tab, or a headless node). Every node of a mesh must use the same entries, as with
   * `nodeIdWorkBits`, or they disagree on who holds a key. Default none: every stripe on its closest nodes.
   */
  operatorHolders: Array<{ k: number, m: number, operators: number }>
  /**
   * Objects one inbox may hold on this node, all senders together (its contacts' messages; the recipient's
   * compaction empties it). Issue 15: an inbox's budget.
   */
  inboxMaxObjects: number
  /**
   * A sender the recipient has not written to (no contact pass) gets a message into an inbox on this node only while
   * it holds fewer objects than this; below `inboxMaxObjects`, so strangers cannot crowd contacts out.
   */
  inboxStrangerObjects: number
  /** New objects all strangers together may put into one inbox on this node per minute. */
  inboxStrangerRate: number
  /**
   * Leading zero bits the node-ID work hash of a storage node's peer ID must have for it to hold shards (a cost on
   * where a node ID lands: `src/placement/node-id-work.ts`). A node generates its key to meet it: 2^bits key
   * generations on average, once (10 bits: about 0.07 s in Node, 0.1 to 0.4 s in Chromium; an attack that places
   * generated IDs next to a key costs 1,024 times as much). Every node of a mesh must use the same value, or they
   * disagree on who holds a key.
   */
  nodeIdWorkBits: number
}

/** Largest `nodeIdWorkBits`: 2^24 key generations are already about 20 minutes of one core in Node. */
export const MAX_NODE_ID_WORK_BITS = 24

/** Node quota of a headless storage node when `--storage-quota-mb` is not given. */
export const DEFAULT_HEADLESS_QUOTA_MB = 2048

export const DEFAULT_SETTINGS: NodeSettings = {
  relay: [],
  iceServers: [],
  dialTimeoutMs: 10_000,
  lookupTimeoutMs: 10_000,
  keeperIntervalMs: 2_000,
  discoveryIntervalMs: 30_000,
  livenessGraceMs: 300_000,
  targetPeers: 64,
  connectionBudget: undefined,
  dialerGraceMs: 5_000,
  allowPrivate: false,
  slot: undefined,
  storageQuotaMb: undefined,
  ownerQuotaMb: 256,
  healthIntervalMs: 300_000,
  healthRetries: 3,
  handoffGraceMs: 600_000,
  lostAfterMs: 0,
  tabLostAfterMs: undefined,
  repairThreshold: undefined,
  repairThresholds: [],
  storeHedges: 0,
  stripes: [{ k: 10, m: 5 }],
  namespaceStripes: [],
  operatorHolders: [],
  inboxMaxObjects: 4096,
  inboxStrangerObjects: 512,
  inboxStrangerRate: 120,
  nodeIdWorkBits: 10
}

/** Reads one named setting; returns every value given for it (URL parameters and flags may repeat). */
export type SettingSource = (name: string) => string[]

export function fromSearchParams (params: URLSearchParams): SettingSource {
  return name => params.getAll(name)
}

export function parseNodeSettings (source: SettingSource, defaults: Partial<NodeSettings> = {}): NodeSettings {
  const base = { ...DEFAULT_SETTINGS, ...defaults }
  const last = (name: string): string | undefined => source(name).at(-1)
  const namespaceStripes = parseNamespaceStripes(last('namespaceStripes')) ?? base.namespaceStripes
  const stripes = withStripes(parseStripes(last('stripes')) ?? base.stripes, namespaceStripes.map(entry => entry.stripe))
  const thresholds = parseRepairThresholds(last('repairThreshold'), stripes)
  return {
    relay: source('relay').flatMap(v => v.split(',')).map(s => s.trim()).filter(s => s !== '').map(validateRelay).concat(source('relay').length > 0 ? [] : base.relay),
    iceServers: parseIceServers(last('iceServers')) ?? base.iceServers,
    dialTimeoutMs: int('dialTimeoutMs', last('dialTimeoutMs'), 100, 600_000) ?? base.dialTimeoutMs,
    lookupTimeoutMs: int('lookupTimeoutMs', last('lookupTimeoutMs'), 100, 600_000) ?? base.lookupTimeoutMs,
    keeperIntervalMs: int('keeperIntervalMs', last('keeperIntervalMs'), 100, 3_600_000) ?? base.keeperIntervalMs,
    discoveryIntervalMs: int('discoveryIntervalMs', last('discoveryIntervalMs'), 100, 86_400_000) ?? base.discoveryIntervalMs,
    livenessGraceMs: int('livenessGraceMs', last('livenessGraceMs'), 0, 86_400_000) ?? base.livenessGraceMs,
    targetPeers: int('targetPeers', last('targetPeers'), 1, 10_000) ?? base.targetPeers,
    connectionBudget: int('connectionBudget', last('connectionBudget'), 4, 100_000) ?? base.connectionBudget,
    dialerGraceMs: int('dialerGraceMs', last('dialerGraceMs'), 0, 600_000) ?? base.dialerGraceMs,
    allowPrivate: bool('allowPrivate', last('allowPrivate')) ?? base.allowPrivate,
    slot: int('slot', last('slot'), 0, 1000) ?? base.slot,
    storageQuotaMb: int('storageQuotaMb', last('storageQuotaMb'), 1, 1 << 30) ?? base.storageQuotaMb,
    ownerQuotaMb: int('ownerQuotaMb', last('ownerQuotaMb'), 1, 1 << 30) ?? base.ownerQuotaMb,
    healthIntervalMs: int('healthIntervalMs', last('healthIntervalMs'), 100, 86_400_000) ?? base.healthIntervalMs,
    healthRetries: int('healthRetries', last('healthRetries'), 0, 100) ?? base.healthRetries,
    handoffGraceMs: int('handoffGraceMs', last('handoffGraceMs'), 0, 86_400_000) ?? base.handoffGraceMs,
    lostAfterMs: int('lostAfterMs', last('lostAfterMs'), 0, MAX_LOST_AFTER_MS) ?? base.lostAfterMs,
    tabLostAfterMs: int('tabLostAfterMs', last('tabLostAfterMs'), 0, MAX_LOST_AFTER_MS) ?? base.tabLostAfterMs,
    ...(thresholds ?? repairThresholds(base.repairThreshold, base.repairThresholds, stripes)),
    storeHedges: int('storeHedges', last('storeHedges'), 0, 255) ?? base.storeHedges,
    stripes,
    namespaceStripes,
    operatorHolders: parseOperatorHolders(last('operatorHolders')) ?? base.operatorHolders,
    nodeIdWorkBits: int('nodeIdWorkBits', last('nodeIdWorkBits'), 0, MAX_NODE_ID_WORK_BITS) ?? base.nodeIdWorkBits,
    ...inboxSettings(
      int('inboxMaxObjects', last('inboxMaxObjects'), 2, 1 << 24) ?? base.inboxMaxObjects,
      int('inboxStrangerObjects', last('inboxStrangerObjects'), 1, 1 << 24) ?? base.inboxStrangerObjects,
      int('inboxStrangerRate', last('inboxStrangerRate'), 1, 1 << 24) ?? base.inboxStrangerRate
    )
  }
}

/** The longest `lostAfterMs` and `tabLostAfterMs`: 30 days. */
export const MAX_LOST_AFTER_MS = 30 * 24 * 60 * 60_000

type StripeThreshold = NodeSettings['repairThresholds'][number]

/**
 * `repairThreshold`: comma-separated, a whole number (every stripe without its own) and `k+m=N` entries (that
 * stripe's), e.g. `23`, `10+20=23` or `12,10+20=23`. Undefined when not given.
 */
function parseRepairThresholds (value: string | undefined, stripes: ReadonlyArray<{ k: number, m: number }>): Pick<NodeSettings, 'repairThreshold' | 'repairThresholds'> | undefined {
  if (value == null || value.trim() === '') return undefined
  let all: number | undefined
  const each: StripeThreshold[] = []
  for (const part of value.split(',')) {
    const entry = /^\s*(\d+)\s*\+\s*(\d+)\s*=\s*(\d+)\s*$/.exec(part)
    if (entry !== null) {
      const [k, m, threshold] = entry.slice(1).map(Number)
      if (each.some(other => other.k === k && other.m === m)) throw new InvalidConfigError(`repairThreshold names stripe ${k}+${m} twice: "${value}"`)
      each.push({ k, m, threshold })
    } else if (all === undefined && /^\s*\d+\s*$/.test(part)) {
      all = int('repairThreshold', part.trim(), 1, 255)
    } else {
      throw new InvalidConfigError(`repairThreshold must be a whole number, k+m=N entries, or both, comma-separated (such as 12,10+20=23); got "${value}"`)
    }
  }
  return repairThresholds(all, each, stripes)
}

/**
 * Checks the thresholds against the stripes this node accepts: an entry names one of them, and each threshold lies in
 * k..k + m - 1 of the stripes it applies to (below k an object is unreadable before repair starts).
 */
function repairThresholds (all: number | undefined, each: readonly StripeThreshold[], stripes: ReadonlyArray<{ k: number, m: number }>): Pick<NodeSettings, 'repairThreshold' | 'repairThresholds'> {
  for (const { k, m, threshold } of each) {
    if (!stripes.some(stripe => stripe.k === k && stripe.m === m)) {
      throw new InvalidConfigError(`repairThreshold names stripe ${k}+${m}, which this node does not accept (stripes: ${stripes.map(s => `${s.k}+${s.m}`).join(', ')})`)
    }
    if (threshold < k || threshold >= k + m) {
      throw new InvalidConfigError(`repairThreshold of stripe ${k}+${m} must be from ${k} to ${k + m - 1}, got ${threshold}`)
    }
  }
  if (all !== undefined) {
    for (const { k, m } of stripes) {
      if (each.some(entry => entry.k === k && entry.m === m)) continue
      if (all < k || all >= k + m) {
        throw new InvalidConfigError(`repairThreshold must be from k to k + m - 1 for every stripe${each.length > 0 ? ' without its own' : ''} (${k}+${m}: ${k} to ${k + m - 1}), got ${all}`)
      }
    }
  }
  return { repairThreshold: all, repairThresholds: [...each] }
}

/** `stripes` followed by those of `more` it lacks. */
function withStripes (stripes: ReadonlyArray<{ k: number, m: number }>, more: ReadonlyArray<{ k: number, m: number }>): Array<{ k: number, m: number }> {
  const out = [...stripes]
  for (const stripe of more) if (!out.some(s => s.k === stripe.k && s.m === stripe.m)) out.push(stripe)
  return out
}

/** `k+m=h`, comma-separated: h operator holders (1 to k + m) for objects of stripe k+m, a stripe once. */
function parseOperatorHolders (value: string | undefined): NodeSettings['operatorHolders'] | undefined {
  if (value == null || value.trim() === '') return undefined
  const out: NodeSettings['operatorHolders'] = []
  for (const part of value.split(',')) {
    const match = /^\s*(\d+)\s*\+\s*(\d+)\s*=\s*(\d+)\s*$/.exec(part)
    const [k, m, operators] = (match?.slice(1) ?? []).map(Number)
    if (match === null || k < 1 || k + m > 256 || operators < 1 || operators > k + m) {
      throw new InvalidConfigError(`operatorHolders must be a comma-separated list of k+m=h with 1 <= h <= k + m, such as 10+20=14; got "${value}"`)
    }
    if (out.some(entry => entry.k === k && entry.m === m)) throw new InvalidConfigError(`operatorHolders names stripe ${k}+${m} twice`)
    out.push({ k, m, operators })
  }
  return out
}

/** `namespace=k+m`, comma-separated; a namespace once, without spaces, '=' or ','. */
function parseNamespaceStripes (value: string | undefined): NodeSettings['namespaceStripes'] | undefined {
  if (value == null || value.trim() === '') return undefined
  const out: NodeSettings['namespaceStripes'] = []
  for (const part of value.split(',')) {
    const match = /^\s*([^\s=]+)\s*=\s*(.+)$/.exec(part)
    if (match === null) throw new InvalidConfigError(`namespaceStripes must be a comma-separated list of namespace=k+m, such as zentalk/history/v1=10+20; got "${value}"`)
    const [stripe] = parseStripes(match[2], 'namespaceStripes')!
    if (out.some(entry => entry.namespace === match[1])) throw new InvalidConfigError(`namespaceStripes names ${match[1]} twice`)
    out.push({ namespace: match[1], stripe })
  }
  return out
}

function inboxSettings (inboxMaxObjects: number, inboxStrangerObjects: number, inboxStrangerRate: number): Pick<NodeSettings, 'inboxMaxObjects' | 'inboxStrangerObjects' | 'inboxStrangerRate'> {
  if (inboxStrangerObjects >= inboxMaxObjects) {
    throw new InvalidConfigError(`inboxStrangerObjects (${inboxStrangerObjects}) must be below inboxMaxObjects (${inboxMaxObjects}), or strangers could crowd contacts out of an inbox`)
  }
  return { inboxMaxObjects, inboxStrangerObjects, inboxStrangerRate }
}

export function int (name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value == null || value === '') return undefined
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidConfigError(`${name} must be a whole number, got "${value}"`)
  const n = Number(value)
  if (n < min || n > max) throw new InvalidConfigError(`${name} must be between ${min} and ${max}, got ${n}`)
  return n
}

export function bool (name: string, value: string | undefined): boolean | undefined {
  if (value == null) return undefined
  const v = value.trim().toLowerCase()
  if (['', '1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  throw new InvalidConfigError(`${name} must be true or false, got "${value}"`)
}

/** `10+5` or `10+5,4+2`: k data and m parity shards, k >= 1, m >= 0, k + m <= 256 (Reed-Solomon over GF(2^8)). */
function parseStripes (value: string | undefined, name = 'stripes'): Array<{ k: number, m: number }> | undefined {
  if (value == null || value.trim() === '') return undefined
  return value.split(',').map(part => {
    const match = /^\s*(\d+)\s*\+\s*(\d+)\s*$/.exec(part)
    const k = Number(match?.[1])
    const m = Number(match?.[2])
    if (match === null || k < 1 || k + m > 256) {
      throw new InvalidConfigError(name === 'stripes'
        ? `stripes must be a comma-separated list of k+m (k >= 1, k + m <= 256), such as 10+5; got "${value}"`
        : `${name}: a stripe is k+m (k >= 1, k + m <= 256), such as 10+20; got "${value}"`)
    }
    return { k, m }
  })
}

function validateRelay (addr: string): string {
  if (!addr.startsWith('/') || !/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(addr)) {
    throw new InvalidConfigError(`relay must be a multiaddr ending in /p2p/<peer id>, got "${addr}"`)
  }
  return addr
}

/** `iceServers` is either JSON (an RTCIceServer array) or a comma-separated list of URLs. */
export function parseIceServers (value: string | undefined): IceServer[] | undefined {
  if (value == null) return undefined
  const v = value.trim()
  if (v === '' || v === 'none') return []
  if (v.startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(v)
    } catch {
      throw new InvalidConfigError('iceServers is not valid JSON')
    }
    if (!Array.isArray(parsed) || !parsed.every(s => typeof s === 'object' && s != null && (typeof s.urls === 'string' || Array.isArray(s.urls)))) {
      throw new InvalidConfigError('iceServers must be a JSON array of { urls, username?, credential? }')
    }
    return parsed as IceServer[]
  }
  const urls = v.split(',').map(s => s.trim()).filter(s => s !== '')
  for (const u of urls) {
    if (!/^(stun|stuns|turn|turns):/.test(u)) throw new InvalidConfigError(`iceServers entry must start with stun:, stuns:, turn: or turns:, got "${u}"`)
  }
  return urls.map(urls => ({ urls }))
}

/** True for hosts a local mesh runs on: loopback, private ranges, `localhost`. */
export function isLocalHost (hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || /^10\./.test(h) || /^192\.168\./.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(h) || h.endsWith('.localhost') || h.endsWith('.local')
}

/**
 * URL parameters that point a page at another mesh. A link carrying them would join the user's real identity to
 * whatever mesh the link's author runs, so a page takes them from its URL only when it is served from a local
 * host (development, tests) or when the URL also carries the `developer` switch, and then says so.
 */
export const MESH_URL_PARAMS = ['relay', 'iceServers'] as const

/** How a page reads its settings from its URL. */
export interface PageSettings {
  /** What `parseNodeSettings` reads: the URL's parameters, less the mesh parameters the page does not honour. */
  readonly source: SettingSource
  /** The URL carries `developer` (`developer=1`): mesh parameters are honoured, and the page warns. */
  readonly developer: boolean
  /** Mesh parameters the URL carried that the page ignores (a public host without `developer`). */
  readonly ignored: ReadonlyArray<typeof MESH_URL_PARAMS[number]>
}

/**
 * Decides which of a page URL's parameters the page honours: all of them on a local host (`isLocalHost`) or with
 * `developer`; otherwise all but `relay` and `iceServers`, which then come from the page's own origin.
 */
export function pageSettings (params: URLSearchParams, hostname: string): PageSettings {
  const developer = bool('developer', params.getAll('developer').at(-1)) ?? false
  const honoured = developer || isLocalHost(hostname)
  const ignored = honoured ? [] : MESH_URL_PARAMS.filter(name => params.has(name))
  const url = fromSearchParams(params)
  const source: SettingSource = name => (ignored as readonly string[]).includes(name) ? [] : url(name)
  return { source, developer, ignored }
}

/** A banner a page shows about where its settings came from. */
export interface PageNotice {
  /** `developer`: a warning that the URL chose the mesh; `ignored`: the URL's mesh parameters were dropped. */
  readonly kind: 'developer' | 'ignored'
  readonly text: string
}

/** Relay addresses a banner names before summing up the rest. */
const NOTICE_RELAYS_SHOWN = 3

/** What the page tells the user about its settings, given the relays it ends up using; undefined: nothing to say. */
export function pageNotice (page: PageSettings, relayAddrs: readonly string[]): PageNotice | undefined {
  if (page.developer) {
    const shown = relayAddrs.slice(0, NOTICE_RELAYS_SHOWN).join(', ')
    const more = relayAddrs.length > NOTICE_RELAYS_SHOWN ? ` and ${relayAddrs.length - NOTICE_RELAYS_SHOWN} more` : ''
    return {
      kind: 'developer',
      text: 'Developer mode: this page takes its relay and STUN/TURN servers from its address. ' +
        `It uses the relay ${shown === '' ? '(none)' : shown}${more}, and your identity joins whatever mesh that relay ` +
        'belongs to. Close this page unless you set that relay up yourself.'
    }
  }
  if (page.ignored.length > 0) {
    return {
      kind: 'ignored',
      text: `The link you opened asked this page to use another mesh (${page.ignored.join(', ')}). ` +
        'That was ignored: the page uses the relay it is served with.'
    }
  }
  return undefined
}
