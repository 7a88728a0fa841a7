import { Journal } from "@zaoji/core"
import { Effect, Option } from "effect"
import { printLine } from "../print.js"
import { duration, liveStatus, withStore } from "../storeAccess.js"
import { resolveStore } from "../storeOption.js"
import { UsageError } from "../usage.js"
import type { StatusArgs } from "../commands/status.js"

export default (a: StatusArgs) =>
  Effect.gen(function* () {
    if (Option.isSome(a.cluster)) return yield* clusterStatus(a.cluster.value, a)
    const storeDir = yield* resolveStore(a.store, a.workflow)
    yield* withStore(
      storeDir,
      Effect.gen(function* () {
        const journal = yield* Journal
        const runs = yield* journal.runs(1000)
        const wanted = Option.getOrUndefined(a.run)
        const run = wanted ? runs.find((r) => r.id.startsWith(wanted)) : runs[0]
        if (!run) return yield* Effect.fail(new UsageError({ message: wanted ? `no run ${wanted} in ${storeDir}` : `no runs in ${storeDir} yet` }))
        const stages = yield* journal.stages(run.id)
        const status = liveStatus(storeDir, run)
        if (a.json) {
          yield* printLine(JSON.stringify({ run: { ...run, status }, stages }))
          return
        }
        yield* printLine(`run ${run.id}  ${run.workflow}  ${status}  started ${run.startedAt}  (${duration(run.startedAt, run.endedAt)})`)
        const w = Math.max(5, ...stages.map((s) => s.stageId.length))
        for (const s of stages) {
          const prog = s.total ? `  ${s.done}/${s.total} ${s.unit}` : ""
          const tries = s.attempts > 1 ? `  ${s.attempts} attempts` : ""
          const err = s.error ? `  ${s.error}` : ""
          yield* printLine(`  ${s.stageId.padEnd(w)}  ${s.status.padEnd(7)}  ${s.key.slice(0, 8)}${prog}${tries}${err}`)
        }
      })
    )
  })

// internal

/** `--cluster`: runners, their tags, and where each stage of a submission ran */
const clusterStatus = (url: string, a: StatusArgs) =>
  Effect.gen(function* () {
    const { clusterStatus, statusLines } = yield* Effect.promise(() => import("@zaoji/cluster"))
    const st = yield* clusterStatus(url, Option.getOrUndefined(a.run))
    if (a.json) return yield* printLine(JSON.stringify(st))
    for (const line of statusLines(st)) yield* printLine(line)
  })
