// `npm run bench -- storage`: what a chat history costs the mesh, over 15 real libp2p storage nodes in this
// process (src/testing/history-storage.ts, the helpers compaction-size.test.ts uses). For 100 and 1,000 short
// messages (35 characters each): the bytes holders keep while every message is its own object (as sent) and after
// the owner's compaction into segments, against the sealed bytes of the history; and reading the whole history
// back, both ways: wall time, objects, FETCH requests per holder. 10,000 messages are stored straight as segments
// (see the note the report carries). ZENTALK_STORAGE_MESSAGES=100,1000 and ZENTALK_STORAGE_SEGMENT_MESSAGES=10000
// change the counts.
import { availableParallelism } from 'node:os'
import {
  bytesAtHolders,
  compactHistory,
  createHistoryMesh,
  holderBytesGrowth,
  readHistory,
  sealHistory,
  storeSegments,
  storeSingleObjects,
  type HistoryRead,
  type HolderBytes
} from '../src/testing/history-storage.ts'
import { formatValue, recordSection, startSection, type ReportTarget } from './report.ts'

const HOLDERS = 15
const counts = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback).split(',').filter(Boolean).map(Number)

interface FullPathRow {
  messages: number
  sealedBytes: number
  storeMs: number
  fresh: HolderBytes
  freshRead: HistoryRead
  compactMs: number
  segments: number
  compacted: HolderBytes
  compactedRead: HistoryRead
}

interface SegmentsOnlyRow {
  messages: number
  sealedBytes: number
  storeMs: number
  segments: number
  stored: HolderBytes
  read: HistoryRead
}

/** A small history stored and read first, so the figures do not carry the first dials and the JIT's warm-up. */
const WARM_UP_MESSAGES = 20

export async function runStorageBench (): Promise<void> {
  const finish = startSection()
  const fullCounts = counts('ZENTALK_STORAGE_MESSAGES', '100,1000')
  const segmentCounts = counts('ZENTALK_STORAGE_SEGMENT_MESSAGES', '10000')
  const mesh = await createHistoryMesh(HOLDERS)
  const full: FullPathRow[] = []
  const segmentsOnly: SegmentsOnlyRow[] = []
  try {
    const warmUp = await sealHistory(mesh, WARM_UP_MESSAGES)
    await storeSingleObjects(warmUp)
    await readHistory(mesh, warmUp, { open: true })
    await compactHistory(warmUp)
    await readHistory(mesh, warmUp, { open: true })
    // Each history has its own owner, so reads see only theirs; bytes at holders are counted as the growth.
    for (const messages of fullCounts) {
      const history = await sealHistory(mesh, messages)
      const base = await bytesAtHolders(mesh.nodes)
      const growth = async (): Promise<HolderBytes> => holderBytesGrowth(base, await bytesAtHolders(mesh.nodes))
      let started = performance.now()
      await storeSingleObjects(history)
      const storeMs = Math.round(performance.now() - started)
      const fresh = await growth()
      const freshRead = await readHistory(mesh, history, { open: true })
      started = performance.now()
      const compaction = await compactHistory(history)
      const compacted = await growth()
      const compactedRead = await readHistory(mesh, history, { open: true })
      const row: FullPathRow = {
        messages, sealedBytes: history.sealedBytes, storeMs, fresh, freshRead, compactMs: compaction.ms,
        segments: compaction.segments, compacted, compactedRead
      }
      console.log(`storage: ${messages} messages: ${JSON.stringify(row)}`)
      if (freshRead.failed > 0 || compactedRead.failed > 0 || freshRead.messages !== messages || compactedRead.messages !== messages) {
        throw new Error(`${messages} messages: a read came back incomplete (${JSON.stringify({ freshRead, compactedRead })})`)
      }
      full.push(row)
    }
    for (const messages of segmentCounts) {
      const history = await sealHistory(mesh, messages)
      const base = await bytesAtHolders(mesh.nodes)
      const started = performance.now()
      const segments = await storeSegments(history)
      const storeMs = Math.round(performance.now() - started)
      const stored = holderBytesGrowth(base, await bytesAtHolders(mesh.nodes))
      const read = await readHistory(mesh, history, { open: true })
      const row: SegmentsOnlyRow = { messages, sealedBytes: history.sealedBytes, storeMs, segments, stored, read }
      console.log(`storage: ${messages} messages stored as segments: ${JSON.stringify(row)}`)
      if (read.failed > 0 || read.messages !== messages) throw new Error(`${messages} messages: the read came back incomplete`)
      segmentsOnly.push(row)
    }
  } finally {
    await mesh.stop()
  }

  const ratio = (bytes: number, sealed: number): string => `${(bytes / sealed).toFixed(2)}×`
  const perMiB = (bytes: number, sealed: number): string => `${(bytes / sealed).toFixed(2)} MiB`
  const count = (value: number): string => value.toLocaleString('en-US')
  const bytesRows = [
    ...full.flatMap(row => [
      [count(row.messages), 'single objects (as sent; baseline)', count(row.sealedBytes), count(row.fresh.bytes),
        count(row.fresh.records), ratio(row.fresh.bytes, row.sealedBytes), count(Math.round(row.fresh.bytes / row.messages)),
        perMiB(row.fresh.bytes, row.sealedBytes)],
      [count(row.messages), `${row.segments} segment${row.segments === 1 ? '' : 's'} (compacted)`, count(row.sealedBytes),
        count(row.compacted.bytes), count(row.compacted.records), ratio(row.compacted.bytes, row.sealedBytes),
        count(Math.round(row.compacted.bytes / row.messages)), perMiB(row.compacted.bytes, row.sealedBytes)]
    ]),
    ...segmentsOnly.map(row => [count(row.messages), `${row.segments} segments (stored as such)`, count(row.sealedBytes),
      count(row.stored.bytes), count(row.stored.records), ratio(row.stored.bytes, row.sealedBytes),
      count(Math.round(row.stored.bytes / row.messages)), perMiB(row.stored.bytes, row.sealedBytes)])
  ]
  const readRow = (messages: number, layout: string, read: HistoryRead): Array<string | number> =>
    [count(messages), layout, count(read.objects), count(read.ms), count(read.openMs ?? 0), count(read.ms + (read.openMs ?? 0)),
      read.requests, read.holdersAsked, read.maxRequestsPerHolder]
  const readRows = [
    ...full.flatMap(row => [
      readRow(row.messages, 'single objects (baseline)', row.freshRead),
      readRow(row.messages, 'segments (compacted)', row.compactedRead)
    ]),
    ...segmentsOnly.map(row => readRow(row.messages, 'segments (stored as such)', row.read))
  ]

  const breakdownRow = (messages: number, layout: string, bytes: HolderBytes): Array<string | number> =>
    [count(messages), layout, count(bytes.shardBytes), count(bytes.manifestBytes), count(bytes.proofBytes),
      count(Math.round(bytes.manifestBytes / Math.max(1, bytes.records)))]

  const targets: ReportTarget[] = []
  const thousand = full.find(row => row.messages === 1000)
  if (thousand !== undefined) {
    targets.push({
      target: 'steady state: bytes at holders ≤ 3× the sealed bytes of 1,000 short messages (compacted)',
      measured: `${ratio(thousand.compacted.bytes, thousand.sealedBytes)} (${count(thousand.compacted.bytes)} of ${count(thousand.sealedBytes)} B sealed)`,
      met: thousand.compacted.bytes <= 3 * thousand.sealedBytes
    }, {
      target: 'a fresh, not yet compacted message: bytes at holders ≤ 10× its sealed bytes',
      measured: `${ratio(thousand.fresh.bytes, thousand.sealedBytes)} (${count(Math.round(thousand.fresh.bytes / thousand.messages))} B per ` +
        `message of ${count(Math.round(thousand.sealedBytes / thousand.messages))} B sealed)`,
      met: thousand.fresh.bytes <= 10 * thousand.sealedBytes
    }, {
      target: 'reading 1,000 messages (compacted): ≤ 20 FETCH requests per holder',
      measured: `at most ${thousand.compactedRead.maxRequestsPerHolder} per holder (${thousand.compactedRead.requests} to ` +
        `${thousand.compactedRead.holdersAsked} holders); ${count(thousand.compactedRead.ms)} ms to fetch, ${count(thousand.compactedRead.openMs ?? 0)} ms to verify and decrypt`,
      met: thousand.compactedRead.maxRequestsPerHolder <= 20
    }, {
      target: 'reading 1,000 messages (not yet compacted): ≤ 20 FETCH requests per holder',
      measured: `at most ${thousand.freshRead.maxRequestsPerHolder} per holder (${thousand.freshRead.requests} to ` +
        `${thousand.freshRead.holdersAsked} holders); ${count(thousand.freshRead.ms)} ms to fetch, ${count(thousand.freshRead.openMs ?? 0)} ms to verify and decrypt`,
      met: thousand.freshRead.maxRequestsPerHolder <= 20
    })
  }

  const notes: string[] = []
  if (segmentsOnly.length > 0 && thousand !== undefined) {
    const perMessage = (thousand.storeMs + thousand.compactMs) / thousand.messages
    notes.push(`${segmentCounts.map(count).join(', ')} messages are stored straight as segments (packed and sealed as ` +
      'compaction packs them), not first as single objects: 1,000 single objects took ' +
      `${formatValue(thousand.storeMs / 1000)} s to store and ${formatValue(thousand.compactMs / 1000)} s to compact ` +
      `here, so ${count(segmentsOnly[0].messages)} would take about ` +
      `${formatValue(perMessage * segmentsOnly[0].messages / 60_000)} minutes before the first figure. Their ` +
      'fresh (single-object) bytes are the same per message as at 1,000 (each message is its own object of the ' +
      'same size).')
  }
  if (thousand !== undefined) {
    const { fresh, messages } = thousand
    const perRecord = (bytes: number): string => count(Math.round(bytes / fresh.records))
    notes.push(`Where a fresh message's ${count(Math.round(fresh.bytes / messages))} B at holders go: each of its ` +
      `${Math.round(fresh.records / messages)} shard records holds a ${perRecord(fresh.shardBytes)} B shard, the ` +
      `${perRecord(fresh.manifestBytes)} B signed manifest and a ${perRecord(fresh.proofBytes)} B shard proof; ` +
      `manifests and proofs are ${((fresh.manifestBytes + fresh.proofBytes) / fresh.bytes * 100).toFixed(0)} % of ` +
      'the total. Segments pay them once per 64 KiB instead of once per message.')
  }
  notes.push(`Before the figures, a history of ${WARM_UP_MESSAGES} messages is stored, read, compacted and read ` +
    'again, so they do not carry the first dials and the JIT\'s warm-up. Reads ask every holder of the owner\'s ' +
    'history key once; "verify + decrypt" is every envelope checked and opened one after the other, as a tab does ' +
    'before it shows them.')
  notes.push('Each history has its own owner on the same 15-node mesh; bytes at holders are the growth of every ' +
    'holder\'s shard records (shard + signed manifest + shard proof) while that history was stored.')

  const categories = [...full.map(row => `${count(row.messages)} messages`), ...segmentsOnly.map(row => `${count(row.messages)} messages (segments only)`)]
  recordSection(finish({
    name: 'storage',
    title: 'History storage and reads',
    environment: `Node ${process.versions.node}, ${HOLDERS} libp2p storage nodes (TCP on loopback) in one process, ` +
      `the reader on one of them, ${availableParallelism()} cores`,
    description: 'Short messages (35 characters, one sealed envelope each) from one owner. "single objects" is how ' +
      'messages are stored when sent (one erasure-coded object of 15 shards each, the baseline); "segments" is the ' +
      'history after the owner\'s compaction (envelopes packed into segments of up to 64 KiB). Bytes at holders ÷ ' +
      'sealed bytes is also the MiB the mesh keeps per MiB of history. A read fetches every history object of the ' +
      'owner (FETCH requests counted per holder), opens the segments, then verifies and decrypts every envelope.',
    tables: [
      {
        caption: 'Bytes at holders:',
        columns: ['messages', 'stored as', 'sealed B', 'B at holders', 'shard records', '÷ sealed', 'B per message', 'per MiB of history'],
        rows: bytesRows
      },
      {
        caption: 'Where the bytes at holders go (summed over holders):',
        columns: ['messages', 'stored as', 'shard data B', 'signed manifests B', 'shard proofs B', 'manifest B per record'],
        rows: [
          ...full.flatMap(row => [
            breakdownRow(row.messages, 'single objects', row.fresh),
            breakdownRow(row.messages, 'segments (compacted)', row.compacted)
          ]),
          ...segmentsOnly.map(row => breakdownRow(row.messages, 'segments (stored as such)', row.stored))
        ]
      },
      {
        caption: 'Reading the whole history:',
        columns: ['messages', 'stored as', 'objects', 'fetch + open segments ms', 'verify + decrypt envelopes ms', 'total ms',
          'FETCH requests', 'holders asked', 'max per holder'],
        rows: readRows
      },
      {
        caption: 'Writing the history:',
        columns: ['messages', 'store ms (single objects, 16 at once)', 'compaction ms', 'store ms (segments only)'],
        rows: [
          ...full.map(row => [count(row.messages), count(row.storeMs), count(row.compactMs), '']),
          ...segmentsOnly.map(row => [count(row.messages), '', '', count(row.storeMs)])
        ]
      }
    ],
    targets,
    notes,
    chart: {
      title: 'Bytes at holders ÷ sealed bytes of the history',
      unit: '× sealed bytes',
      categories,
      series: [
        { name: 'single objects (as sent)', values: [...full.map(row => row.fresh.bytes / row.sealedBytes), ...segmentsOnly.map(() => null)], baseline: true },
        { name: 'segments', values: [...full.map(row => row.compacted.bytes / row.sealedBytes), ...segmentsOnly.map(row => row.stored.bytes / row.sealedBytes)] }
      ],
      lines: [{ label: 'fresh target 10×', value: 10 }, { label: 'steady-state target 3×', value: 3 }]
    }
  }))
}

if (import.meta.url === `file://${process.argv[1]}`) await runStorageBench()
