import { Args, Command, Options } from "@effect/cli"
import { lazyHandler } from "../lazy.js"
import { jsonOption, storeOption } from "../options.js"

const config = {
  workflows: Args.file({ name: "WORKFLOW", exists: "yes" }).pipe(
    Args.withDescription("workflows whose artifacts to keep (default: every *.workflow.ts beside the store)"),
    Args.repeated
  ),
  store: storeOption,
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("only list what would be removed")),
  json: jsonOption
}

export type GcArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("gc", config, lazyHandler(() => import("../handlers/gc.js"))).pipe(Command.withDescription("remove artifacts that no workflow references (keeps the latest run's)"))

