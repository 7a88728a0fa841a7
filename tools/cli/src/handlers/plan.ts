import { planWorkflow } from "@zaoji/core"
import { Effect, Option } from "effect"
import { printLine } from "../print.js"
import { loadWorkflow } from "../workflowFile.js"
import type { PlanArgs } from "../commands/plan.js"

export default (a: PlanArgs) =>
  Effect.gen(function* () {
    const { workflow, baseDir } = yield* loadWorkflow(a.workflow)
    const rows = yield* planWorkflow({
      workflow, baseDir, storeDir: Option.getOrUndefined(a.store), set: a.set, from: a.from, only: a.only, force: a.force
    })
    if (a.json) {
      for (const r of rows) yield* printLine(JSON.stringify({ type: "plan", ...r }))
      return
    }
    const w = Math.max(5, ...rows.map((r) => r.stage.length))
    const p = Math.max(6, ...rows.map((r) => r.plugin.length))
    yield* printLine(`${"STAGE".padEnd(w)}  ${"PLUGIN".padEnd(p)}  ${"ACTION".padEnd(6)}  KEY       WHY`)
    for (const r of rows) {
      yield* printLine(`${r.stage.padEnd(w)}  ${r.plugin.padEnd(p)}  ${r.action.padEnd(6)}  ${r.key.slice(0, 8)}  ${r.reason}`)
    }
    const n = (a: string) => rows.filter((r) => r.action === a).length
    yield* printLine(`\n${n("run")} to run, ${n("cached")} cached${n("skip") ? `, ${n("skip")} not selected` : ""}`)
  })
