import { Effect, Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { StoreLocked } from "./engineErrors.js"

export interface LockHolder {
  readonly pid: number
  readonly host: string
  readonly startedAt: string
  readonly command: string
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const readHolder = (file: string): LockHolder | undefined => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder
  } catch {
    return undefined
  }
}

/** A lock on another host cannot be probed, so only same-host dead holders count as stale. */
const isStale = (h: LockHolder | undefined): boolean => h === undefined || (h.host === os.hostname() && !alive(h.pid))

/**
 * Take the store lock `<store>/lock` for the scope's lifetime. The file is created with O_EXCL so two
 * processes cannot both win; a lock left by a dead process (kill -9) is moved aside with a rename —
 * which only one contender can do — and re-checked before it is discarded.
 */
export const acquireStoreLock = (storeDir: string, command: string): Effect.Effect<LockHolder, StoreLocked, Scope.Scope> => {
  const file = path.join(storeDir, "lock")
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command }
  const tryTake = (): Effect.Effect<LockHolder, StoreLocked> =>
    Effect.suspend(() => {
      fs.mkdirSync(storeDir, { recursive: true })
      for (let round = 0; round < 20; round++) {
        try {
          fs.writeFileSync(file, JSON.stringify(me), { flag: "wx" })
          return Effect.succeed(me)
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
        }
        const holder = readHolder(file)
        if (holder === undefined) {
          // being written right now by a contender, or torn by a crash mid-write: look again shortly
          const st = fs.statSync(file, { throwIfNoEntry: false })
          if (st && Date.now() - st.mtimeMs < 2000) {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
            continue
          }
        }
        if (!isStale(holder)) return Effect.fail(new StoreLocked({ store: storeDir, holder: holder! }))
        const aside = `${file}.stale-${process.pid}`
        try {
          fs.renameSync(file, aside)
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") continue // someone else moved it first
          throw e
        }
        const moved = readHolder(aside)
        if (!isStale(moved)) {
          // we raced and moved a fresh lock of a live process: put it back (link fails if taken again)
          try {
            fs.linkSync(aside, file)
          } catch {
            // a third process took the lock meanwhile; it is the holder now
          }
          fs.rmSync(aside, { force: true })
          continue
        }
        fs.rmSync(aside, { force: true })
      }
      const holder = readHolder(file)
      return Effect.fail(new StoreLocked({ store: storeDir, holder: holder ?? { pid: -1, host: "?", startedAt: "?", command: "unknown" } }))
    })
  const release = () =>
    Effect.sync(() => {
      const h = readHolder(file)
      if (h && h.pid === me.pid && h.host === me.host && h.startedAt === me.startedAt) fs.rmSync(file, { force: true })
    })
  return Effect.acquireRelease(tryTake(), release)
}

export const lockHolder = (storeDir: string): LockHolder | undefined => {
  const h = readHolder(path.join(storeDir, "lock"))
  return h && !isStale(h) ? h : undefined
}
