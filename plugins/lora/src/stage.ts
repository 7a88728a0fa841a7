/**
 * `lora.train`: LoRA (low-rank adaptation) of chosen layer linears on QA pairs. The base and any
 * adapter of the input model (a stage-1 P-Tuning v2 prefix, a freeze delta, an earlier LoRA) stay
 * frozen; only the A and B matrices train: y = W x + (α/r)·B A dropout(x).
 *
 * The artifact's model folder holds the input's adapters, the new adapter as PEFT saves it
 * (`adapter_model.safetensors` with PEFT's tensor names, `adapter_config.json`) and
 * `zaoji-model.json` naming the base. With `merge: true` the model folder is instead standalone
 * (config, the adapters merged into the weights, tokenizer) and the PEFT adapter folder sits
 * beside it as `adapter/`.
 */
import { Schema } from "effect"
import { PosInt, Stage } from "@zaoji/core"
import { ModelArtifact } from "@zaoji/glm-runtime/artifact"
import { LORA_MODULES } from "@zaoji/glm-runtime/lora-modules"
import { continueFromRule, fineTuningFields, tuningInputs } from "@zaoji/fine-tuning"

export const LoraConfig = Schema.Struct({
  rank: Schema.optionalWith(PosInt, { default: () => 8 }).annotations({ description: "r: the rank of A [r, in] and B [out, r]" }),
  alpha: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { default: () => 16 }).annotations({
    description: "α: the update is scaled by α / r (α / √r with rslora)"
  }),
  dropout: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThanOrEqualTo(0), Schema.lessThan(1)), { default: () => 0 }).annotations({
    description: "dropout on the adapter's input while training (0: off, exact)"
  }),
  targetModules: Schema.optionalWith(Schema.NonEmptyArray(Schema.Literal(...LORA_MODULES)), {
    default: () => ["query_key_value"] as [(typeof LORA_MODULES)[number]]
  }).annotations({ description: "linears to adapt in each selected layer (PEFT's target_modules)" }),
  layers: Schema.optional(Schema.NonEmptyArray(Schema.Int.pipe(Schema.nonNegative()))).annotations({
    description: "layer indices to adapt (PEFT's layers_to_transform); absent = every layer"
  }),
  rslora: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({ description: "scale by α / √r (rank-stabilised LoRA)" }),
  merge: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({
    description: "write a standalone model with the adapter merged (W + α/r·B A) instead of base + adapter"
  }),
  ...fineTuningFields({ learningRate: 2e-4 })
})
export type LoraConfig = typeof LoraConfig.Type

export const train = Stage.make({
  name: "lora.train",
  version: "1",
  config: LoraConfig,
  output: ModelArtifact,
  inputs: tuningInputs,
  artifactRefs: { continueFrom: continueFromRule("model") },
  compute: true,
  // the run (tfjs, models, the training loop) is loaded when the stage runs, not when a workflow is planned
  run: Stage.lazyRun(() => import("./train.js"))
})
