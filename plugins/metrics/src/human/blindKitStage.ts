/**
 * Stage `metrics.blind-kit`: up to six models (inputs `model1` … `model6`, any model-producing
 * stage) answer a question set and play dialogue scripts with greedy decoding; the answers are
 * shuffled and anonymised per question and written as
 *
 *   <artifact>/kit/kit.json      the kit raters get: `zaoji rate <artifact>/kit`
 *   <artifact>/mapping.json      label → model, kept outside the kit folder
 *
 * Questions come from a file (`questions`: JSON Lines or CSV rows with `question` and optional `id`,
 * e.g. QA pairs) or an upstream QA dataset (input `questionSet`); scripts from `dialogues` (JSON
 * Lines of the `Dialogue` schema) or an upstream dialogue dataset (input `dialogueSet`).
 */
import { Schema } from "effect"
import { Stage } from "@zaoji/core"
import type { DatasetFile } from "@zaoji/data"
import type { ModelArtifact } from "@zaoji/glm-runtime/artifact"

export const MODEL_INPUTS = ["model1", "model2", "model3", "model4", "model5", "model6"] as const
export type ModelInputName = (typeof MODEL_INPUTS)[number]

export const BlindKitConfig = Schema.Struct({
  /** question file (relative to the workflow folder), unless the `questionSet` input is wired */
  questions: Schema.optional(Schema.String),
  /** dialogue script file, unless the `dialogueSet` input is wired */
  dialogues: Schema.optional(Schema.String),
  /** display names of the model inputs, e.g. { model1: "base", model2: "MedGLM-H" } (default: the input name) */
  names: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.NonEmptyString }), { default: () => ({}) }),
  /** rate a seeded sample of this many questions (file order kept) instead of all */
  sample: Schema.optional(Schema.Int.pipe(Schema.positive())),
  seed: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  maxNewTokens: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 256 }),
  batchSize: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 4 }),
  chatFormat: Schema.optional(Schema.Literal("glm1", "glm2", "glm3")),
  title: Schema.optionalWith(Schema.String, { default: () => "Blind comparison" })
})
export type BlindKitConfig = typeof BlindKitConfig.Type

export const BlindKitOutput = Schema.Struct({
  /** kit folder (relative to the artifact): hand it to raters */
  kit: Schema.String,
  /** label → model mapping file (relative to the artifact) */
  mapping: Schema.String,
  models: Schema.Array(Schema.String),
  questions: Schema.Int,
  conversations: Schema.Int,
  /** the kit holds record-derived text */
  sensitive: Schema.Boolean
})
export type BlindKitOutput = typeof BlindKitOutput.Type

export type BlindKitInputs = { readonly [K in ModelInputName]: ModelArtifact | undefined } & {
  readonly questionSet: DatasetFile | undefined
  readonly dialogueSet: DatasetFile | undefined
}

export const blindKit = Stage.make({
  name: "metrics.blind-kit",
  version: "1",
  config: BlindKitConfig,
  output: BlindKitOutput,
  inputs: Stage.inputsWithOptional<BlindKitInputs>([...MODEL_INPUTS, "questionSet", "dialogueSet"], [...MODEL_INPUTS, "questionSet", "dialogueSet"]),
  compute: true,
  files: (c) => [c.questions, c.dialogues].filter((f): f is string => f !== undefined),
  // the run (models, tfjs) is loaded when the stage runs, not when a workflow is planned
  run: Stage.lazyRun(() => import("./blindKitRun.js"))
})
