import { Args, Command, Options } from "@effect/cli"
import { directHandlers } from "../handlerModules.js"
import { lazyHandler } from "../lazy.js"
import { jsonOption, storeOption } from "../options.js"

const stageList = (name: string) => Options.text(name).pipe(Options.repeated)

export const config = {
  workflow: Args.file({ name: "WORKFLOW", exists: "yes" }),
  store: storeOption,
  set: stageList("set"),
  from: stageList("from"),
  only: stageList("only"),
  force: stageList("force"),
  json: jsonOption
}

export type PlanArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("plan", config, lazyHandler(directHandlers.plan)).pipe(Command.withDescription("show, for every stage, whether it is cached or will run, and why"))
