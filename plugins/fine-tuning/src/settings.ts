/**
 * The settings of the fine-tuning stages (ptuning-v2.train, freeze.train, lora.train): the training
 * settings (`trainingFields` in @zaoji/training, each defined once with type, default and help), the
 * supervised-data settings below, and `continueFrom`. Each stage gives its own learning-rate default.
 */
import { Schema } from "effect"
import { trainingFields, type StageTrainingDefaults } from "@zaoji/training/settings"
import { PosInt } from "@zaoji/core"

/** settings of how QA pairs become training examples */
export const supervisedFields = {
  maxSourceLength: Schema.optionalWith(PosInt, { default: () => 64 }).annotations({
    description: "prompt ids kept per example (the rest is cut, as the official P-Tuning scripts do)"
  }),
  maxTargetLength: Schema.optionalWith(PosInt, { default: () => 128 }).annotations({ description: "answer ids kept per example" }),
  chatFormat: Schema.optional(Schema.Literal("glm1", "glm2", "glm3")).annotations({ description: "prompt format (default: the tokenizer's)" })
} as const

/** the setting naming a finished artifact of the same stage to continue training */
export const continueFromField = {
  continueFrom: Schema.optional(Schema.NonEmptyString).annotations({
    description:
      "continue a finished run of this stage type: a stage id of this workflow or a store key. Its weights, AdamW state and step " +
      "are loaded; `steps`/`epochs` count the steps this run adds, and the learning-rate schedule spans all steps"
  })
} as const

/** Every field of a fine-tuning stage's config that is not the stage's own. */
export const fineTuningFields = (stage: StageTrainingDefaults) => ({
  ...trainingFields(stage),
  ...supervisedFields,
  ...continueFromField
})

export type FineTuningSettings = Schema.Struct.Type<ReturnType<typeof fineTuningFields>>
