import { redactArgv, runWorkflow, type RunFailed, type RunSummary, type StoreLocked, type WorkflowInvalid } from "@zaoji/core"
import { Effect, Option } from "effect"
import { pickRenderer } from "../progressRenderer.js"
import { reportLines } from "../reportSummary.js"
import { learningWarnings } from "../learningWarnings.js"
import { applyBackendOption } from "../storeOption.js"
import { loadWorkflowToRun } from "../workflowFile.js"
import type { RunArgs } from "../commands/run.js"

type ClusterRunError = WorkflowInvalid | StoreLocked | RunFailed | import("@zaoji/cluster").ClusterUnavailable

/** `--cluster`: the cluster package is loaded only when asked for (the embedded run needs no database) */
const submitOnCluster = (url: string, o: Omit<import("@zaoji/cluster").SubmitOptions, "url">) =>
  Effect.flatMap(Effect.promise(() => import("@zaoji/cluster")), (m) => m.submitWorkflow({ url, ...o }))

export default (a: RunArgs) =>
  Effect.gen(function* () {
    yield* applyBackendOption(a.backend)
    const { workflow, file, baseDir } = yield* loadWorkflowToRun(a.workflow)
    const renderer = pickRenderer(a.json)
    const cluster = Option.getOrUndefined(a.cluster)
    const command = ["zaoji", "run", ...redactArgv(process.argv.slice(3))].join(" ")
    const summary: RunSummary = yield* (cluster !== undefined
      ? submitOnCluster(cluster, { workflow, baseDir, workflowFile: file, storeDir: Option.getOrUndefined(a.store), set: a.set, from: a.from, only: a.only, force: a.force, onEvent: renderer.onEvent })
      : runWorkflow({
      workflow,
      baseDir,
      workflowFile: file,
      storeDir: Option.getOrUndefined(a.store),
      set: a.set,
      from: a.from,
      only: a.only,
      force: a.force,
      concurrency: Option.getOrUndefined(a.concurrency),
      onEvent: renderer.onEvent,
      command
    }) as Effect.Effect<RunSummary, ClusterRunError>).pipe(Effect.ensuring(Effect.sync(() => renderer.close())))
    for (const line of learningWarnings(summary)) process.stderr.write(`${line}\n`)
    if (!a.json) {
      const by = (s: string) => summary.stages.filter((x) => x.status === s).length
      process.stderr.write(
        `${workflow.name}: ${by("done")} ran, ${by("cached")} cached, ${summary.stages.length} stages (run ${summary.runId}, store ${summary.store})\n`
      )
      for (const line of reportLines(summary)) process.stdout.write(`${line}\n`)
    }
  })
