/**
 * The record of dead holders a node keeps in its key store between runs (`HolderGrace.snapshot`): the online
 * history's dead spells with the time they were taken (see online-history.ts for the rule that restores them), and
 * the shards each dead holder held at its last survey, per placement key, so a restarted node still counts them.
 * Versioned JSON; bounded: at most the online history's capacity of spells and MAX_RECORDED_SHARDS shards, those of
 * the holders dead longest left out first (their graces end first). Anything else fails to decode with
 * InvalidGraceRecordError: a node that cannot read its record starts without it.
 */
import type { ObjectId } from '../types/index.ts'
import { InvalidGraceRecordError } from './errors.ts'
import { DEFAULT_ONLINE_HISTORY_PEERS, type DeadSpell } from './online-history.ts'

/** A shard a holder held: which object, which index. */
export interface ShardRef { objectId: ObjectId, shardIndex: number }

/** A dead spell, and what the holder held at its last survey: placement key (hex) → shards. */
export interface RecordedSpell extends DeadSpell { held: Map<string, ShardRef[]> }

export interface GraceSnapshot {
  /** When it was taken: the last moment this node is known to have watched. */
  takenAt: number
  /** Longest dead first. */
  dead: RecordedSpell[]
}

export const GRACE_RECORD_VERSION = 1
/** Shards recorded at most, over all dead holders (about 80 bytes each). */
export const MAX_RECORDED_SHARDS = 50_000
/** The longest peer ID, object ID or placement key accepted. */
const MAX_ID_CHARS = 128
const MAX_SHARD_INDEX = 255
/** What one spell and one shard may take in the record at most, punctuation included. */
const MAX_SPELL_BYTES = MAX_ID_CHARS + 100
const MAX_SHARD_BYTES = 2 * MAX_ID_CHARS + 16

interface SpellJson { p: string, d: number, a?: number, h?: Record<string, Array<[string, number]>> }

/** The bytes kept for `snapshot`: its newest `capacity` spells, and shards up to MAX_RECORDED_SHARDS, newest dead first. */
export function encodeGraceRecord (snapshot: GraceSnapshot, capacity = DEFAULT_ONLINE_HISTORY_PEERS): Uint8Array {
  let room = MAX_RECORDED_SHARDS
  const dead: SpellJson[] = []
  for (const spell of snapshot.dead.slice(-capacity).reverse()) {
    const entry: SpellJson = { p: spell.peer, d: spell.deadSince }
    if (spell.lastSeenAlive !== undefined) entry.a = spell.lastSeenAlive
    const held: Record<string, Array<[string, number]>> = {}
    for (const [keyHex, shards] of spell.held) {
      const kept = shards.slice(0, room)
      room -= kept.length
      if (kept.length > 0) held[keyHex] = kept.map(shard => [shard.objectId, shard.shardIndex])
    }
    if (Object.keys(held).length > 0) entry.h = held
    dead.push(entry)
  }
  return new TextEncoder().encode(JSON.stringify({ v: GRACE_RECORD_VERSION, at: snapshot.takenAt, dead: dead.reverse() }))
}

/**
 * The snapshot in `bytes`.
 * @throws {InvalidGraceRecordError} for anything but a record `encodeGraceRecord` could have written with `capacity`
 */
export function decodeGraceRecord (bytes: Uint8Array, capacity = DEFAULT_ONLINE_HISTORY_PEERS): GraceSnapshot {
  const maxBytes = 100 + capacity * MAX_SPELL_BYTES + MAX_RECORDED_SHARDS * MAX_SHARD_BYTES
  if (bytes.length > maxBytes) throw new InvalidGraceRecordError(`the grace record is ${bytes.length} bytes, more than the ${maxBytes} it may take`)
  let record: unknown
  try {
    record = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new InvalidGraceRecordError('the grace record is not readable JSON', { cause: error })
  }
  if (!isObject(record)) throw new InvalidGraceRecordError('the grace record is not an object')
  if (record.v !== GRACE_RECORD_VERSION) throw new InvalidGraceRecordError(`the grace record has version ${String(record.v)}; this node reads version ${GRACE_RECORD_VERSION}`)
  const takenAt = time(record.at, 'its time')
  if (!Array.isArray(record.dead)) throw new InvalidGraceRecordError('the grace record lists no dead spells')
  if (record.dead.length > capacity) throw new InvalidGraceRecordError(`the grace record has ${record.dead.length} dead spells, more than the ${capacity} kept`)
  const peers = new Set<string>()
  let shardCount = 0
  const dead = record.dead.map((entry: unknown, i): RecordedSpell => {
    if (!isObject(entry)) throw new InvalidGraceRecordError(`dead spell ${i} is not an object`)
    const peer = id(entry.p, `dead spell ${i}'s peer`)
    if (peers.has(peer)) throw new InvalidGraceRecordError(`peer ${peer} has two dead spells`)
    peers.add(peer)
    const deadSince = time(entry.d, `${peer}'s death`)
    if (deadSince > takenAt) throw new InvalidGraceRecordError(`${peer}'s dead spell begins after the record was taken`)
    const lastSeenAlive = entry.a === undefined ? undefined : time(entry.a, `${peer}'s last sign of life`)
    if (lastSeenAlive !== undefined && lastSeenAlive > deadSince) throw new InvalidGraceRecordError(`${peer} was seen alive after its dead spell began`)
    const held = new Map<string, ShardRef[]>()
    if (entry.h !== undefined) {
      if (!isObject(entry.h)) throw new InvalidGraceRecordError(`${peer}'s shards are not an object`)
      for (const [keyHex, shards] of Object.entries(entry.h)) {
        if (!/^[0-9a-f]+$/.test(keyHex) || keyHex.length > MAX_ID_CHARS) throw new InvalidGraceRecordError(`${peer} held shards under a key that is not hex: ${keyHex.slice(0, 20)}`)
        if (!Array.isArray(shards)) throw new InvalidGraceRecordError(`${peer}'s shards of key ${keyHex} are not a list`)
        shardCount += shards.length
        if (shardCount > MAX_RECORDED_SHARDS) throw new InvalidGraceRecordError(`the grace record lists more than ${MAX_RECORDED_SHARDS} shards`)
        held.set(keyHex, shards.map((shard: unknown): ShardRef => {
          if (!Array.isArray(shard) || shard.length !== 2) throw new InvalidGraceRecordError(`${peer} holds a shard that is not [object ID, index]`)
          const shardIndex: unknown = shard[1]
          if (typeof shardIndex !== 'number' || !Number.isInteger(shardIndex) || shardIndex < 0 || shardIndex > MAX_SHARD_INDEX) {
            throw new InvalidGraceRecordError(`${peer} holds a shard with index ${String(shardIndex)}`)
          }
          return { objectId: id(shard[0], `an object ${peer} holds`) as ObjectId, shardIndex }
        }))
      }
    }
    return lastSeenAlive === undefined ? { peer, deadSince, held } : { peer, deadSince, lastSeenAlive, held }
  })
  return { takenAt, dead }
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function time (value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidGraceRecordError(`${what} is not a time: ${String(value)}`)
  return value
}

function id (value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_CHARS) throw new InvalidGraceRecordError(`${what} is not an ID of 1 to ${MAX_ID_CHARS} characters`)
  return value
}
