import { Args, Command, Options } from "@effect/cli"
import { lazyHandler } from "../lazy.js"
import { backendOption, clusterOption, jsonOption, storeOption } from "../options.js"

const stageList = (name: string, what: string) =>
  Options.text(name).pipe(Options.withDescription(what), Options.repeated)

const config = {
  workflow: Args.file({ name: "WORKFLOW", exists: "yes" }).pipe(Args.withDescription("a *.workflow.ts file")),
  store: storeOption,
  set: stageList("set", "override a config value: STAGE.FIELD=VALUE (VALUE is JSON when it parses, else a string)"),
  from: stageList("from", "re-run this stage and everything downstream of it"),
  only: stageList("only", "run only this stage (its inputs must be in the store)"),
  force: stageList("force", "re-run this stage even if it is cached"),
  concurrency: Options.integer("concurrency").pipe(Options.withDescription("max stages at once"), Options.optional),
  json: jsonOption,
  backend: backendOption,
  cluster: clusterOption
}

export type RunArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("run", config, lazyHandler(() => import("../handlers/run.js"))).pipe(Command.withDescription("run a workflow, skipping every stage whose artifact is already in the store"))
