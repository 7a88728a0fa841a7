/**
 * `datasets.pick`: one part (train, validation or test) of a `datasets.split` output as a dataset of
 * its own, so it can be wired into any stage that takes a QA dataset (a handle names a whole stage
 * output; this stage is how a workflow names a part of one).
 */
import { copyFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { PermanentError, Stage, errorMessage } from "@zaoji/core"
import { QaDataset } from "@zaoji/data"
import { SplitOutput } from "./stages.js"

export const PickConfig = Schema.Struct({ part: Schema.Literal("train", "validation", "test") })

export const pick = Stage.make({
  name: "datasets.pick",
  version: "1",
  config: PickConfig,
  output: QaDataset,
  inputs: Stage.inputs<{ split: SplitOutput }>("split"),
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const part = inputs.split.value[config.part]
      const target = `${config.part}.jsonl`
      yield* Effect.tryPromise({
        try: () => copyFile(join(inputs.split.dir, part.file), join(ctx.outDir, target)),
        catch: (e) => new PermanentError({ message: `copying the ${config.part} split: ${errorMessage(e)}` })
      })
      return { ...part, file: target }
    })
})
