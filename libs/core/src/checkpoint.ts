import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { sha256 } from "./canonical.js"
import { fsyncDir, readJsonIfExists, replaceDir, writeFileAtomic } from "./fsAtomic.js"
import type { Checkpoint } from "./StageContext.js"

/**
 * A folder-backed Checkpoint. Items are one small file each (written atomically), so a kill -9 at
 * any moment loses at most the item being written; the state snapshot is a folder swapped in whole.
 */
export const makeFsCheckpoint = (dir: string): Checkpoint => {
  const itemsDir = path.join(dir, "items")
  const stateDir = path.join(dir, "state")
  const itemFile = (id: string) => path.join(itemsDir, `${sha256(id).slice(0, 40)}.json`)

  const readItems = (): Map<string, unknown> => {
    const out = new Map<string, unknown>()
    if (!fs.existsSync(itemsDir)) return out
    for (const name of fs.readdirSync(itemsDir).sort()) {
      if (!name.endsWith(".json")) continue // temp files of an interrupted put
      const rec = readJsonIfExists(path.join(itemsDir, name)) as { id: string; value: unknown } | undefined
      if (rec) out.set(rec.id, rec.value)
    }
    return out
  }

  const readState = (folder: string) => {
    const meta = readJsonIfExists(path.join(folder, "meta.json"))
    if (meta === undefined) return undefined
    const blobs: Record<string, Uint8Array> = {}
    const blobDir = path.join(folder, "blobs")
    if (fs.existsSync(blobDir)) {
      for (const name of fs.readdirSync(blobDir)) {
        blobs[decodeURIComponent(name)] = new Uint8Array(fs.readFileSync(path.join(blobDir, name)))
      }
    }
    return { meta: (meta as { meta: unknown }).meta, blobs }
  }

  return {
    dir,
    getItem: (id) =>
      Effect.sync(() => (readJsonIfExists(itemFile(id)) as { value: unknown } | undefined)?.value),
    putItem: (id, value) => Effect.sync(() => writeFileAtomic(itemFile(id), JSON.stringify({ id, value }))),
    items: () => Effect.sync(() => readItems()),
    saveState: (meta, blobs = {}) =>
      Effect.sync(() => {
        fs.mkdirSync(dir, { recursive: true })
        const tmp = path.join(dir, `state.tmp-${process.pid}-${Date.now()}`)
        fs.mkdirSync(path.join(tmp, "blobs"), { recursive: true })
        for (const [name, bytes] of Object.entries(blobs)) {
          writeFileAtomic(path.join(tmp, "blobs", encodeURIComponent(name)), bytes)
        }
        // meta.json last: a folder without it is an unfinished snapshot and is ignored
        writeFileAtomic(path.join(tmp, "meta.json"), JSON.stringify({ meta }))
        fsyncDir(tmp)
        replaceDir(tmp, stateDir)
      }),
    loadState: () =>
      Effect.sync(() => {
        const current = readState(stateDir)
        if (current) return current
        // a crash between the two renames of replaceDir leaves only the previous snapshot
        const olds = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.startsWith("state.old-")) : []
        for (const old of olds) {
          const s = readState(path.join(dir, old))
          if (s) return s
        }
        return undefined
      })
  }
}
