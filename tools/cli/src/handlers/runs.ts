import { Journal } from "@zaoji/core"
import { Effect } from "effect"
import { printLine } from "../print.js"
import { duration, liveStatus, withStore } from "../storeAccess.js"
import { resolveStore } from "../storeOption.js"
import type { RunsArgs } from "../commands/runs.js"

export default (a: RunsArgs) =>
  Effect.gen(function* () {
    const storeDir = yield* resolveStore(a.store, a.workflow)
    yield* withStore(
      storeDir,
      Effect.gen(function* () {
        const journal = yield* Journal
        const runs = yield* journal.runs(a.limit)
        for (const r of runs) {
          const stages = yield* journal.stages(r.id)
          const count = (s: string) => stages.filter((x) => x.status === s).length
          const status = liveStatus(storeDir, r)
          if (a.json) {
            yield* printLine(JSON.stringify({ ...r, status, ran: count("done"), cached: count("cached"), failed: count("failed") }))
          } else {
            yield* printLine(
              `${r.id}  ${r.workflow.padEnd(16)}  ${status.padEnd(11)}  ${duration(r.startedAt, r.endedAt).padStart(7)}  ` +
                `${count("done")} ran, ${count("cached")} cached${count("failed") ? `, ${count("failed")} failed` : ""}`
            )
          }
        }
      })
    )
  })
