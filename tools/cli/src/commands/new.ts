import { Args, Command, Options } from "@effect/cli"
import { STAGE2_METHODS } from "../generators/stage2Methods.js"
import { lazyHandler } from "../lazy.js"

const specialtyConfig = {
  name: Args.text({ name: "NAME" }).pipe(Args.withDescription("the specialty, e.g. cardiology ([a-z][a-z0-9-]*)")),
  departments: Options.text("department").pipe(
    Options.withDescription("a knowledge-graph department the specialty selects (repeatable), e.g. 心内科"),
    Options.repeated
  ),
  dir: Options.directory("dir").pipe(Options.withDescription("where the workflow file goes (default: the repository's workflows/)"), Options.optional),
  stage2: Options.choice("stage2", STAGE2_METHODS).pipe(
    Options.withDescription("the stage-2 method: freeze (the paper's), lora, or both (two stage-2 models compared side by side)"),
    Options.withDefault("freeze" as const)
  )
}

const pluginConfig = {
  name: Args.text({ name: "NAME" }).pipe(Args.withDescription("the plugin, e.g. my-plugin ([a-z][a-z0-9-]*); the package is @zaoji/NAME")),
  root: Options.directory("root").pipe(
    Options.withDescription("the workspace to generate into (plugins/ and node_modules/ under it; default: this repository)"),
    Options.optional
  )
}

export type NewSpecialtyArgs = Command.Command.ParseConfig<typeof specialtyConfig>
export type NewPluginArgs = Command.Command.ParseConfig<typeof pluginConfig>

const specialty = Command.make(
  "specialty",
  specialtyConfig,
  lazyHandler(() => import("../handlers/new.js"), (m) => m.specialty)
).pipe(Command.withDescription("scaffold workflows/NAME.workflow.ts with a data folder (sample data) and a README stub"))

const plugin = Command.make(
  "plugin",
  pluginConfig,
  lazyHandler(() => import("../handlers/new.js"), (m) => m.plugin)
).pipe(Command.withDescription("scaffold plugins/NAME: an Nx project with one typed stage, its Schemas and a test"))

export default Command.make("new").pipe(
  Command.withDescription("generators: a specialty workflow, or a stage plugin"),
  Command.withSubcommands([specialty, plugin])
)
