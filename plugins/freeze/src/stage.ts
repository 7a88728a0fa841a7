/**
 * `freeze.train`: tune only the last N layers (optionally only some modules, optionally the final
 * norm) on QA pairs; everything else is frozen. Works on a base model and on a model carrying a
 * P-Tuning v2 prefix (the paper's stage 2 continues from stage 1). The `prefix` option says what
 * happens to such a prefix:
 *
 * - "frozen" (default): the prefix stays in the forward, unchanged, and the output keeps it as its
 *   own adapter (a copy of the stage-1 prefix file).
 * - "train": the prefix keeps training together with the layers; the output holds the new prefix.
 * - "merged": the prefix is frozen and merged with everything else into a standalone model folder
 *   (config with pre_seq_len, full weights, tokenizer): no reference to upstream artifacts.
 *
 * Otherwise the artifact holds only what changed: `delta.safetensors` (official names; the tuned
 * tensors plus any delta the input already carried) and `zaoji-model.json` naming the base.
 */
import { Schema } from "effect"
import { PosInt, Stage } from "@zaoji/core"
import { ModelArtifact } from "@zaoji/glm-runtime/artifact"
import { continueFromRule, fineTuningFields, tuningInputs } from "@zaoji/fine-tuning"

export const PrefixHandling = Schema.Literal("frozen", "train", "merged")

export const FreezeConfig = Schema.Struct({
  trainableLayers: Schema.optionalWith(PosInt, { default: () => 5 }).annotations({ description: "the last N layers train (the paper tunes 5)" }),
  trainableModules: Schema.optional(Schema.Array(Schema.NonEmptyString)).annotations({
    description: 'module patterns inside those layers ("mlp", "attention", "input_layernorm", …); absent = whole layers'
  }),
  trainFinalNorm: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({ description: "train the final layer norm too" }),
  prefix: Schema.optionalWith(PrefixHandling, { default: () => "frozen" as const }).annotations({
    description: 'what happens to a stage-1 prefix of the input model: "frozen", "train" (with the layers) or "merged" (a standalone model)'
  }),
  ...fineTuningFields({ learningRate: 1e-4 })
})
export type FreezeConfig = typeof FreezeConfig.Type

export const train = Stage.make({
  name: "freeze.train",
  // 2: the artifact and the manifest metrics carry the learning verdict
  // 3: an input model's LoRA adapters stay in the output (they were dropped); the final training state is saved (continueFrom)
  version: "3",
  config: FreezeConfig,
  output: ModelArtifact,
  inputs: tuningInputs,
  artifactRefs: { continueFrom: continueFromRule("model") },
  compute: true,
  // the run (tfjs, models, the training loop) is loaded when the stage runs, not when a workflow is planned
  run: Stage.lazyRun(() => import("./train.js"))
})
