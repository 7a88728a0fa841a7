import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"

export default Command.make(
  "rate-report",
  {
    kit: Args.directory({ name: "KIT_DIR", exists: "yes" }),
    out: Options.directory("out").pipe(Options.withDescription("folder for human-eval.json/.md (default: beside KIT_DIR)"), Options.optional),
    mapping: Options.file("mapping").pipe(Options.withDescription("the kit's label → model mapping (default: beside KIT_DIR)"), Options.optional),
    db: Options.file("db").pipe(Options.withDescription("ratings database (default: KIT_DIR/ratings.sqlite)"), Options.optional)
  },
  (a) =>
    Effect.gen(function* () {
      const { humanReport } = yield* Effect.promise(() => import("@zaoji/metrics"))
      const { files } = yield* humanReport({
        kitDir: a.kit,
        outDir: Option.getOrUndefined(a.out),
        mappingPath: Option.getOrUndefined(a.mapping),
        dbPath: Option.getOrUndefined(a.db)
      })
      yield* Console.log(`wrote ${files.json} and ${files.markdown}`)
    })
).pipe(Command.withDescription("unblind a kit's ratings: per-model means with 95% CIs, agreement, dialogue scores"))
