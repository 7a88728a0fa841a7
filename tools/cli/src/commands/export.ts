import { Command, Options } from "@effect/cli"
import { lazyHandler } from "../lazy.js"
import { modelArgument, storeOption, workflowOption } from "../options.js"

const config = {
  model: modelArgument,
  out: Options.directory("out").pipe(Options.withDescription("the folder to create (must not exist, or be empty)")),
  store: storeOption,
  workflow: workflowOption
}

export type ExportArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("export", config, lazyHandler(() => import("../handlers/export.js"))).pipe(Command.withDescription("write a standalone model folder (config, merged safetensors, tokenizer) from any model or model stage"))
