import { Args, Command, Options } from "@effect/cli"
import { directHandlers } from "../handlerModules.js"
import { lazyHandler } from "../lazy.js"
import { jsonOption, storeOption, workflowOption } from "../options.js"

export const config = {
  target: Args.text({ name: "TARGET" }).pipe(
    Args.withDescription("a metrics.json, a folder holding one, a stage id or artifact key, or a run id (default: the latest run's evaluation stages)"),
    Args.optional
  ),
  markdown: Options.boolean("markdown").pipe(Options.withDescription("print a markdown table (for a README) instead of aligned text")),
  headline: Options.boolean("headline").pipe(
    Options.withDescription("only the headline figures: exam accuracy, held-out specialty QA ROUGE-L and BLEU-4, general QA ROUGE-L")
  ),
  digits: Options.integer("digits").pipe(Options.withDescription("digits after the point (default: 3 for rates, 2 for 0–100 scores)"), Options.optional),
  store: storeOption,
  workflow: workflowOption,
  json: jsonOption
}

export type ReportArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("report", config, lazyHandler(directHandlers.report)).pipe(
  Command.withDescription(
    "print an evaluation stage's results table from its metrics.json: metrics × models, value [95% bootstrap interval], set size n, and the gate, leakage and flag verdicts"
  )
)
