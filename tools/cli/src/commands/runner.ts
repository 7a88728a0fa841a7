import { Command, Options } from "@effect/cli"
import { lazyHandler } from "../lazy.js"
import { backendOption, jsonOption } from "../options.js"

const config = {
  cluster: Options.text("cluster").pipe(Options.withDescription("postgres://USER@HOST:PORT/DB of the cluster's database")),
  tags: Options.text("tags").pipe(
    Options.withDescription("comma-separated tags of this machine, e.g. gpu,mem=80G (a gpu tag lets it take training and evaluation stages)"),
    Options.withDefault("")
  ),
  slots: Options.integer("slots").pipe(Options.withDescription("stages this runner runs at once"), Options.withDefault(1)),
  host: Options.text("host").pipe(Options.withDescription("address the other processes reach this runner on"), Options.withDefault("127.0.0.1")),
  port: Options.integer("port").pipe(Options.withDescription("port of this runner's socket (default: a free one)"), Options.optional),
  json: jsonOption,
  backend: backendOption
}

export type RunnerArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("runner", config, lazyHandler(() => import("../handlers/runner.js"))).pipe(
  Command.withDescription("serve a cluster: run the stages that `zaoji run WF --cluster URL` sends, against the shared store")
)
