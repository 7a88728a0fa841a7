import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Journal, sqliteJournalLayer, type RunEvent, type RunOptions, runWorkflow } from "@zaoji/core"

export const tmpDir = (label = "engine") => fs.mkdtempSync(path.join(os.tmpdir(), `zaoji-${label}-`))

/** Run a workflow in-process and collect its events. */
export const run = async (opts: Omit<RunOptions, "onEvent">) => {
  const events: RunEvent[] = []
  const exit = await Effect.runPromiseExit(runWorkflow({ ...opts, onEvent: (e) => events.push(e) }))
  const statuses = Object.fromEntries(
    events.filter((e): e is Extract<RunEvent, { type: "stage" }> => e.type === "stage" && e.status !== "running" && e.status !== "retrying").map((e) => [e.stage, e.status])
  )
  return { exit, events, statuses }
}

/** Read the journal of a store. */
export const withJournal = <A>(storeDir: string, f: (j: Journal["Type"]) => Effect.Effect<A>) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const ctx = yield* Layer.build(sqliteJournalLayer(storeDir))
    return yield* f(ctx.unsafeMap.get(Journal.key) as Journal["Type"])
  })))
