import { Args, Command, Options } from "@effect/cli"
import { lazyHandler } from "../lazy.js"

const config = {
  kit: Args.directory({ name: "KIT_DIR", exists: "yes" }),
  out: Options.directory("out").pipe(Options.withDescription("folder for human-eval.json/.md (default: beside KIT_DIR)"), Options.optional),
  mapping: Options.file("mapping").pipe(Options.withDescription("the kit's label → model mapping (default: beside KIT_DIR)"), Options.optional),
  db: Options.file("db").pipe(Options.withDescription("ratings database (default: KIT_DIR/ratings.sqlite)"), Options.optional)
}

export type RateReportArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("rate-report", config, lazyHandler(() => import("../handlers/rate-report.js"))).pipe(Command.withDescription("unblind a kit's ratings: per-model means with 95% CIs, agreement, dialogue scores"))
