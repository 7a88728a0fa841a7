import { Args, Command, Options } from "@effect/cli"
import { loadWorkflowFile, redactArgv, runWorkflow } from "@zaoji/core"
import { Effect, Option } from "effect"
import { pickRenderer } from "../progressRenderer.js"
import { reportLines } from "../reportSummary.js"
import { learningWarnings } from "../learningWarnings.js"
import { applyBackendOption, backendOption, jsonOption, storeOption } from "../storeOption.js"

const stageList = (name: string, what: string) =>
  Options.text(name).pipe(Options.withDescription(what), Options.repeated)

export default Command.make(
  "run",
  {
    workflow: Args.file({ name: "WORKFLOW", exists: "yes" }).pipe(Args.withDescription("a *.workflow.ts file")),
    store: storeOption,
    set: stageList("set", "override a config value: STAGE.FIELD=VALUE (VALUE is JSON when it parses, else a string)"),
    from: stageList("from", "re-run this stage and everything downstream of it"),
    only: stageList("only", "run only this stage (its inputs must be in the store)"),
    force: stageList("force", "re-run this stage even if it is cached"),
    concurrency: Options.integer("concurrency").pipe(Options.withDescription("max stages at once"), Options.optional),
    json: jsonOption,
    backend: backendOption
  },
  (a) =>
    Effect.gen(function* () {
      yield* applyBackendOption(a.backend)
      const { workflow, file, baseDir } = yield* loadWorkflowFile(a.workflow)
      const renderer = pickRenderer(a.json)
      const summary = yield* runWorkflow({
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
        command: ["zaoji", "run", ...redactArgv(process.argv.slice(3))].join(" ")
      }).pipe(Effect.ensuring(Effect.sync(() => renderer.close())))
      for (const line of learningWarnings(summary)) process.stderr.write(`${line}\n`)
      if (!a.json) {
        const by = (s: string) => summary.stages.filter((x) => x.status === s).length
        process.stderr.write(
          `${workflow.name}: ${by("done")} ran, ${by("cached")} cached, ${summary.stages.length} stages (run ${summary.runId}, store ${summary.store})\n`
        )
        for (const line of reportLines(summary)) process.stdout.write(`${line}\n`)
      }
    })
).pipe(Command.withDescription("run a workflow, skipping every stage whose artifact is already in the store"))
