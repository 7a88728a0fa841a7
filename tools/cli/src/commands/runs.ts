import { Command, Options } from "@effect/cli"
import { directHandlers } from "../handlerModules.js"
import { lazyHandler } from "../lazy.js"
import { jsonOption, storeOption, workflowOption } from "../options.js"

export const config = {
  store: storeOption,
  workflow: workflowOption,
  limit: Options.integer("limit").pipe(Options.withDefault(20)),
  json: jsonOption
}

export type RunsArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("runs", config, lazyHandler(directHandlers.runs)).pipe(Command.withDescription("list the runs recorded in a store's journal, newest first"))
