import { Args, Command } from "@effect/cli"
import { lazyHandler } from "../lazy.js"
import { jsonOption, storeOption, workflowOption } from "../options.js"

const config = {
  target: Args.text({ name: "STAGE|KEY" }),
  store: storeOption,
  workflow: workflowOption,
  json: jsonOption
}

export type InspectArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("inspect", config, lazyHandler(() => import("../handlers/inspect.js"))).pipe(Command.withDescription("show an artifact's manifest and lineage, by stage id or (prefix of) key"))
