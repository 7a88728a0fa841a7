/**
 * A cache of input-file content hashes, kept in the store, so that planning a workflow over a large
 * corpus does not read every byte again each time. An entry is trusted only while the file's size,
 * mtime, ctime, inode and device are all unchanged — what `git status` trusts too.
 *
 * The cache can only save work, never change a key: anything unreadable or odd falls back to hashing.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { hashPath } from "./canonical.js"
import { readJsonIfExists, writeFileAtomic } from "./fsAtomic.js"

interface Entry {
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  readonly ino: number
  readonly dev: number
  readonly hash: string
}

const VERSION = 1
// A file written again within the file system's timestamp granularity (up to 2 s on some file
// systems) after being hashed would keep its stat and look unchanged; only files whose content has
// been left alone this long are cached (git's "racy" rule). mtime, not ctime, is what a content
// write moves to "now"; ctime still has to match on lookup, which catches a rewrite whose old mtime
// was put back (rsync -t, tar, cp -p).
const SETTLED_MS = 3_000

const sameStat = (a: fs.Stats, e: Omit<Entry, "hash">) =>
  a.size === e.size && a.mtimeMs === e.mtimeMs && a.ctimeMs === e.ctimeMs && a.ino === e.ino && a.dev === e.dev

const statOf = (st: fs.Stats): Omit<Entry, "hash"> => ({ size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, dev: st.dev })

export interface FileHashCache {
  /** the content hash of a file or folder, as `hashPath` computes it */
  readonly hash: (absolutePath: string) => string
  /** persist what was learned (best effort: a cache that cannot be written is just not kept) */
  readonly save: () => void
  /** how many hashes were answered from the cache (for tests and benchmarks) */
  readonly hits: () => number
}

export const fileHashCache = (storeDir: string, now: () => number = Date.now): FileHashCache => {
  const file = path.join(storeDir, "input-hashes.json")
  const loaded = readCache(file)
  const next: Record<string, Entry> = {}
  let hits = 0
  let dirty = false
  return {
    hash: (abs) => {
      const st = fs.statSync(abs)
      // folders are hashed whole: their files can change without the folder's own stat changing
      if (!st.isFile()) return hashPath(abs)
      const known = loaded[abs]
      if (known !== undefined && sameStat(st, known)) {
        hits++
        next[abs] = known
        return known.hash
      }
      const hash = hashPath(abs)
      const after = fs.statSync(abs)
      if (sameStat(after, statOf(st)) && now() - st.mtimeMs > SETTLED_MS) {
        next[abs] = { ...statOf(st), hash }
        dirty = true
      }
      return hash
    },
    save: () => {
      if (!dirty) return
      // entries of files this plan did not name stay while the file exists: another workflow on the
      // store may name them
      const kept = Object.fromEntries(Object.entries(loaded).filter(([k]) => !(k in next) && fs.existsSync(k)))
      try {
        writeFileAtomic(file, JSON.stringify({ version: VERSION, entries: { ...kept, ...next } }))
      } catch {
        // a read-only or missing store only costs the next plan a re-hash
      }
    },
    hits: () => hits
  }
}

const readCache = (file: string): Record<string, Entry> => {
  try {
    const raw = readJsonIfExists(file) as { version?: number; entries?: Record<string, Entry> } | undefined
    if (raw?.version !== VERSION || typeof raw.entries !== "object" || raw.entries === null) return {}
    const out: Record<string, Entry> = {}
    for (const [k, e] of Object.entries(raw.entries)) {
      if (
        typeof e?.hash === "string" && /^[0-9a-f]{64}$/.test(e.hash) &&
        [e.size, e.mtimeMs, e.ctimeMs, e.ino, e.dev].every((n) => typeof n === "number")
      ) out[k] = e
    }
    return out
  } catch {
    return {}
  }
}
