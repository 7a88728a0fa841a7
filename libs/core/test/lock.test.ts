import { Effect, Exit, Cause, Option } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { acquireStoreLock, lockHolder } from "../src/index.js"

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-lock-"))

/** the pid of a process that has certainly exited */
const deadPid = () => spawnSync(process.execPath, ["-e", "0"]).pid!

describe("store lock", () => {
  it("is exclusive while held, names its holder, and is released with its scope", async () => {
    const dir = tmp()
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* acquireStoreLock(dir, "zaoji run first")
          expect(lockHolder(dir)?.pid).toBe(process.pid)
          // a second acquisition (same live pid, as another process would be) is refused
          const second = yield* Effect.exit(Effect.scoped(acquireStoreLock(dir, "zaoji run second")))
          expect(Exit.isFailure(second)).toBe(true)
          const err = Option.getOrThrow(Cause.failureOption((second as Exit.Failure<never, any>).cause)) as any
          expect(err._tag).toBe("StoreLocked")
          expect(err.message).toContain(`in use by process ${process.pid}`)
          expect(err.message).toContain("zaoji run first")
        })
      )
    )
    expect(fs.existsSync(path.join(dir, "lock"))).toBe(false)
  })

  it("takes over a stale lock left by a dead process", async () => {
    const dir = tmp()
    const pid = deadPid()
    fs.writeFileSync(path.join(dir, "lock"), JSON.stringify({ pid, host: os.hostname(), startedAt: "earlier", command: "zaoji run killed" }))
    expect(lockHolder(dir)).toBeUndefined()
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const me = yield* acquireStoreLock(dir, "zaoji run next")
          expect(me.pid).toBe(process.pid)
          expect(JSON.parse(fs.readFileSync(path.join(dir, "lock"), "utf8")).command).toBe("zaoji run next")
        })
      )
    )
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it("does not release a lock another process has taken over", async () => {
    const dir = tmp()
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* acquireStoreLock(dir, "zaoji run a")
          fs.writeFileSync(path.join(dir, "lock"), JSON.stringify({ pid: 1, host: os.hostname(), startedAt: "x", command: "other" }))
        })
      )
    )
    expect(JSON.parse(fs.readFileSync(path.join(dir, "lock"), "utf8")).command).toBe("other")
  })
})
