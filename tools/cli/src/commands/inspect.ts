import { Args, Command } from "@effect/cli"
import { directHandlers } from "../handlerModules.js"
import { lazyHandler } from "../lazy.js"
import { jsonOption, storeOption, workflowOption } from "../options.js"

export const config = {
  target: Args.text({ name: "STAGE|KEY" }),
  store: storeOption,
  workflow: workflowOption,
  json: jsonOption
}

export type InspectArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("inspect", config, lazyHandler(directHandlers.inspect)).pipe(Command.withDescription("show an artifact's manifest and lineage, by stage id or (prefix of) key"))
