import { Command, Options } from "@effect/cli"
import { directHandlers } from "../handlerModules.js"
import { lazyHandler } from "../lazy.js"
import { clusterOption, jsonOption, storeOption, workflowOption } from "../options.js"

export const config = {
  store: storeOption,
  workflow: workflowOption,
  run: Options.text("run").pipe(Options.withDescription("a run id (default: the latest run)"), Options.optional),
  json: jsonOption,
  cluster: clusterOption
}

export type StatusArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("status", config, lazyHandler(directHandlers.status)).pipe(Command.withDescription("show the latest run of a store: each stage's state, progress and attempts"))
