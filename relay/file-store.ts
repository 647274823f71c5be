/** Byte store on files in a data directory, for the keys of the relay and of headless nodes. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BytesStore } from '../src/node/index.ts'

export class FileBytesStore implements BytesStore {
  private readonly dir: string
  constructor (dir: string) { this.dir = dir }

  async get (name: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(join(this.dir, safeName(name))))
    } catch (err: any) {
      if (err?.code === 'ENOENT') return undefined
      throw err
    }
  }

  async put (name: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const file = join(this.dir, safeName(name))
    // Write then rename, so a crash never leaves a half-written key behind.
    await writeFile(`${file}.tmp`, bytes, { mode: 0o600 })
    await rename(`${file}.tmp`, file)
  }
}

function safeName (name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`invalid store entry name "${name}"`)
  return name
}
